// gRPC server bootstrap: async handlers in, a listening server with health and reflection (reflection.ts) out.
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { pooledDefinition } from '@rtcroom/proto';
import type { GrpcMuxLimits, GrpcSecurity } from '../config';
import { DomainError } from '../errors';
import { Logger } from '../logger';
import type { GrpcMetrics } from '../metrics/grpc-metrics';
import { tracedBinding } from '../tracing/grpc-tracing';
import { CallContext, UnaryCallContext } from './call-context';
import { CallerRole, identifyCaller, refusal } from './caller';
import type { InProcessHub } from './inproc';
import { defaultMuxLimits, muxServer } from './mux-server';
import { toServiceError } from './status';
import { addReflection, reflectionServiceNames } from './reflection';
import { holdServerCertificates, serverCredentials } from './tls';

type AnyDefinition = Record<string, { path: string; requestDeserialize: (b: Buffer) => any; responseSerialize: (v: any) => Buffer }>;

/**
 * What a service implements: one async function per RPC, typed from the generated definition. The
 * second argument is the call's context (caller, metadata, deadline, cancellation), the same for a
 * unary call and a call on the mux stream.
 */
export type AsyncHandlers<D extends AnyDefinition> = {
  [K in keyof D]: (request: ReturnType<D[K]['requestDeserialize']>, call: CallContext) => Promise<Parameters<D[K]['responseSerialize']>[0]>;
};

/** Which callers may call each method (with TLS on; without it every caller is trusted). */
export type CallerPolicy<D extends AnyDefinition> = { [K in keyof D]: readonly CallerRole[] };

export interface ServiceBinding {
  /** Fully qualified name, e.g. rtcroom.room.v1.RoomService (for health). */
  name: string;
  definition: AnyDefinition;
  handlers: Record<string, (request: any, call: CallContext) => Promise<any>>;
  /** ErrorInfo domain, e.g. rtcroom.room. */
  errorDomain: string;
  /** Per method, the roles admitted; a method missing here admits no one (with TLS on). */
  callers: Record<string, readonly CallerRole[]>;
}

export function bindService<D extends AnyDefinition>(name: string, definition: D, handlers: AsyncHandlers<D>, errorDomain: string, callers: CallerPolicy<D>): ServiceBinding {
  return { name, definition, handlers: handlers as ServiceBinding['handlers'], errorDomain, callers: callers as ServiceBinding['callers'] };
}

export interface RunningGrpcServer {
  /** The bound address; port 0 in the request becomes the real port here. */
  address: string;
  port: number;
  health: HealthImplementation;
  /** Health answers NOT_SERVING, for the port ('') and each service, while calls are still served: the first step of a stop. */
  notServing(): void;
  /** notServing, then no new calls; those in flight (unary and muxed) finish, for graceMs at most. */
  stop(graceMs?: number): Promise<void>;
}

/** The services every port serves beside its own: the mux stream, health and reflection (v1 and v1alpha). */
export const muxServiceName = 'rtcroom.mux.v1.MuxService';
export const healthServiceName = 'grpc.health.v1.Health';
export { reflectionServiceNames };

/**
 * A gRPC port bound before the services that will serve on it are started. With port 0 the system
 * picks the port, so whoever starts services that call each other (room and presence) can hand each
 * one the other's real address, instead of picking ports that another process may take first. Until
 * startGrpcServer serves on it, every call gets UNIMPLEMENTED.
 */
export interface GrpcListener {
  /** host:port, with the port the system gave. */
  address: string;
  port: number;
  /** How the port was bound (with TLS or not): the services on it check callers accordingly. */
  security: GrpcSecurity;
  server: grpc.Server;
  /** Closes the port; for a listener no service came to serve on. */
  close(): void;
}

export async function listenGrpc(address: string, security: GrpcSecurity = { insecure: false }): Promise<GrpcListener> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
  });
  const releaseCertificates = await holdServerCertificates(security.tls);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, serverCredentials(security.tls), (err, p) => (err ? reject(err) : resolve(p))),
  ).finally(releaseCertificates);
  const host = address.slice(0, address.lastIndexOf(':'));
  return { address: `${host}:${port}`, port, security, server, close: () => server.forceShutdown() };
}

/**
 * Starts a server with the services, rtcroom.mux.v1, health and reflection, at an address or on a
 * port listenGrpc bound before. With TLS it speaks mutual TLS and checks each call's caller against
 * the method's roles; health stays open to callers without a certificate (container probes),
 * reflection needs any trusted certificate. muxLimits bound each mux stream (loadGrpcMuxLimits).
 */
export async function startGrpcServer(
  at: string | GrpcListener,
  services: ServiceBinding[],
  logger: Logger,
  security: GrpcSecurity = { insecure: false },
  muxLimits: GrpcMuxLimits = defaultMuxLimits,
  metrics?: GrpcMetrics,
  inproc?: InProcessHub,
): Promise<RunningGrpcServer> {
  // Bound first, the services added after (grpc-js allows it): nothing is read from the port in
  // between, as no I/O is handled from the bind's end to the last addService.
  const listener = typeof at === 'string' ? await listenGrpc(at, security) : at;
  services = services.map(tracedBinding); // a server span per call, on both paths (tracing off: as they are)
  const { server } = listener;
  const tls = listener.security.tls !== undefined;
  if (listener.security.insecure) logger.warn('gRPC without TLS (RTCROOM_GRPC_INSECURE=true): every caller that reaches this port is trusted', { address: listener.address });
  const health = new HealthImplementation({ '': 'SERVING' });
  for (const svc of services) {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(svc.handlers)) {
      const path = svc.definition[method]!.path.slice(1); // rtcroom.room.v1.RoomService/CloseRoom
      impl[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, answer: grpc.sendUnaryData<unknown>) => {
        const observed = metrics?.server.start(path, 'unary');
        const callback: grpc.sendUnaryData<unknown> = observed
          ? (err, response) => {
              observed(err ? (err.code ?? grpc.status.UNKNOWN) : grpc.status.OK);
              answer(err, response);
            }
          : answer;
        const caller = identifyCaller(call, tls);
        const refused = refusal(caller, svc.callers[method], path);
        if (refused) {
          logger.warn('call refused', { method: path, reason: refused.reason, caller: caller?.name, peer: call.getPeer() });
          return callback(toServiceError(refused, svc.errorDomain) as grpc.ServiceError);
        }
        const context = new UnaryCallContext(call, caller!, path, logger);
        handler(call.request, context).then(
          (response) => callback(null, response),
          (err: unknown) => {
            const se = toServiceError(err, svc.errorDomain);
            if (se.code === grpc.status.INTERNAL) context.log.error('rpc failed', { method: path, err });
            callback(se as grpc.ServiceError);
          },
        );
      };
    }
    server.addService(pooledDefinition(svc.definition) as unknown as grpc.ServiceDefinition, impl);
    health.setStatus(svc.name, 'SERVING');
  }
  // The same handlers, many calls to one stream (how rtcroom's services call each other).
  const mux = muxServer(services, logger, tls, muxLimits, metrics);
  // And in-process, to the services sharing this process (startAll), when given their hub.
  const local = inproc?.serve(listener.address, services, logger, tls, metrics);
  server.addService(mux.definition as unknown as grpc.ServiceDefinition, mux.implementation);
  const watchers = endableWatches(health, server);
  // Reflection lists what this port serves, no more: a caller that asks for another service's
  // methods here would only get UNIMPLEMENTED.
  const served = [...services.map((s) => s.name), muxServiceName, healthServiceName, ...reflectionServiceNames];
  addReflection(trustedCallersOnly(server, tls), served); // loaded on its first call (reflection.ts)
  const { address: bound, port } = listener;
  logger.info('grpc listening', { address: bound, services: services.map((s) => s.name), tls });
  let saidNotServing = false;
  const notServing = () => {
    if (saidNotServing) return; // once: each setStatus is a message to every watcher
    saidNotServing = true;
    health.setStatus('', 'NOT_SERVING');
    for (const svc of services) health.setStatus(svc.name, 'NOT_SERVING');
  };
  const stopServing = () => {
    notServing();
    watchers.end(); // told NOT_SERVING just now; an open Watch would hold the drain for the whole grace
  };
  return {
    address: bound,
    port,
    health,
    notServing,
    stop: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        stopServing();
        mux.drain();
        const timer = setTimeout(() => {
          server.forceShutdown();
          local?.close();
          resolve();
        }, graceMs);
        const network = new Promise<void>((done) => server.tryShutdown(() => done()));
        void Promise.all([network, local?.drain()]).then(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * Adds the health service, keeping its Watch streams, so that a stop can end them once they have been
 * told NOT_SERVING: a client that watches health (grpc-js's client-side health checking does) would
 * otherwise keep a call open that the server's drain waits for until its grace runs out.
 */
function endableWatches(health: HealthImplementation, server: grpc.Server): { end(): void } {
  const open = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  health.addToServer({
    addService(definition, implementation) {
      const watch = implementation.watch as grpc.handleServerStreamingCall<unknown, unknown> | undefined;
      if (watch) {
        implementation = {
          ...implementation,
          watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            open.add(call);
            const forget = () => open.delete(call);
            call.once('cancelled', forget);
            call.once('finish', forget);
            // The health service writes to its watchers until they cancel: once ended here, its
            // writes go nowhere (a write after the end would be an error event on the stream).
            const write = call.write.bind(call) as (...args: unknown[]) => boolean;
            call.write = ((...args: unknown[]) => (call.writableEnded ? true : write(...args))) as typeof call.write;
            watch(call);
          },
        };
      }
      server.addService(definition, implementation);
    },
  } as grpc.Server);
  return {
    end() {
      for (const call of open) call.end();
      open.clear();
    },
  };
}

/** The server as reflection sees it: its streams refuse callers without a trusted certificate. */
function trustedCallersOnly(server: grpc.Server, tls: boolean): Pick<grpc.Server, 'addService'> {
  return {
    addService(definition, implementation) {
      const gated: grpc.UntypedServiceImplementation = {};
      for (const [name, handler] of Object.entries(implementation)) {
        gated[name] = ((call: grpc.ServerDuplexStream<unknown, unknown>) => {
          if (identifyCaller(call, tls)) return (handler as (c: typeof call) => void)(call);
          const refused = new DomainError('UNAUTHENTICATED', 'server reflection needs a client certificate issued by rtcroom\'s CA');
          call.emit('error', toServiceError(refused, 'rtcroom.grpc'));
        }) as grpc.UntypedHandleCall;
      }
      server.addService(definition, gated);
    },
  };
}
