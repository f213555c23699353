// gRPC server bootstrap: async handlers in, a listening server with health and reflection out.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { descriptorSetPath } from '@rtcroom/proto';
import { Logger } from '../logger';
import { muxServer } from './mux-server';
import { toServiceError } from './status';

type AnyDefinition = Record<string, { path: string; requestDeserialize: (b: Buffer) => any; responseSerialize: (v: any) => Buffer }>;

/** What a service implements: one async function per RPC, typed from the generated definition. */
export type AsyncHandlers<D extends AnyDefinition> = {
  [K in keyof D]: (request: ReturnType<D[K]['requestDeserialize']>, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<Parameters<D[K]['responseSerialize']>[0]>;
};

export interface ServiceBinding {
  /** Fully qualified name, e.g. rtcroom.room.v1.RoomService (for health). */
  name: string;
  definition: AnyDefinition;
  handlers: Record<string, (request: any, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<any>>;
  /** ErrorInfo domain, e.g. rtcroom.room. */
  errorDomain: string;
}

export function bindService<D extends AnyDefinition>(name: string, definition: D, handlers: AsyncHandlers<D>, errorDomain: string): ServiceBinding {
  return { name, definition, handlers: handlers as ServiceBinding['handlers'], errorDomain };
}

export interface RunningGrpcServer {
  /** The bound address; port 0 in the request becomes the real port here. */
  address: string;
  port: number;
  health: HealthImplementation;
  stop(graceMs?: number): Promise<void>;
}

let reflectionPackage: protoLoader.PackageDefinition | undefined;
function reflectionDefinition(): protoLoader.PackageDefinition {
  reflectionPackage ??= protoLoader.loadFileDescriptorSetFromBuffer(readFileSync(descriptorSetPath));
  return reflectionPackage;
}

export async function startGrpcServer(address: string, services: ServiceBinding[], logger: Logger): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
  });
  const health = new HealthImplementation({ '': 'SERVING' });
  for (const svc of services) {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(svc.handlers)) {
      impl[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        handler(call.request, call).then(
          (response) => callback(null, response),
          (err: unknown) => {
            const se = toServiceError(err, svc.errorDomain);
            if (se.code === grpc.status.INTERNAL) logger.error('rpc failed', { method: `${svc.name}/${method}`, err });
            callback(se as grpc.ServiceError);
          },
        );
      };
    }
    server.addService(svc.definition as unknown as grpc.ServiceDefinition, impl);
    health.setStatus(svc.name, 'SERVING');
  }
  // The same handlers, many calls to one stream (how rtcroom's services call each other).
  const mux = muxServer(services, logger);
  server.addService(mux.definition as unknown as grpc.ServiceDefinition, mux.implementation);
  health.addToServer(server);
  new ReflectionService(reflectionDefinition()).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = address.slice(0, address.lastIndexOf(':'));
  const bound = `${host}:${port}`;
  logger.info('grpc listening', { address: bound, services: services.map((s) => s.name) });
  return {
    address: bound,
    port,
    health,
    stop: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        for (const svc of services) health.setStatus(svc.name, 'NOT_SERVING');
        mux.drain();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
