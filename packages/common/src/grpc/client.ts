// Promise-returning gRPC clients from the generated definitions. Every call has a deadline, and a
// failure comes back as the DomainError the server threw (or UNAVAILABLE). Calls travel as messages
// on one rtcroom.mux.v1 stream per client (a fraction of a unary call's CPU at both ends); a server
// without it gets unary calls. RTCROOM_GRPC_MUX=off makes every call unary.
import * as grpc from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config';
import { DomainError } from '../errors';
import { MuxChannel, MuxUnsupported } from './mux-client';
import { fromServiceError } from './status';
import { clientChannel } from './tls';

type AnyDefinition = Record<
  string,
  { path: string; requestSerialize: (v: any) => Buffer; responseDeserialize: (b: Buffer) => any }
>;

export interface CallOptions {
  /** Milliseconds; default the client's. */
  timeoutMs?: number;
}

export interface ClientOptions {
  /** Send calls over the mux stream (default: unless RTCROOM_GRPC_MUX=off). */
  mux?: boolean;
  /** Mutual TLS: the server must chain to the CA; this client presents its certificate. Absent: plain gRPC. */
  tls?: GrpcTlsConfig;
}

/**
 * A request as callers write it: fields that may be undefined (messages, such as a principal) may be
 * left out; scalars stay required (ts-proto's encoder writes whatever a scalar holds).
 */
export type RequestOf<T> = { [K in keyof T as undefined extends T[K] ? K : never]?: T[K] } & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] };

export type AsyncClient<D extends AnyDefinition> = {
  [K in keyof D]: (request: RequestOf<Parameters<D[K]['requestSerialize']>[0]>, options?: CallOptions) => Promise<ReturnType<D[K]['responseDeserialize']>>;
} & { close(): void };

export function muxByDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RTCROOM_GRPC_MUX !== 'off';
}

export function createClient<D extends AnyDefinition>(definition: D, address: string, defaultTimeoutMs = 5000, options: ClientOptions = {}): AsyncClient<D> {
  const Ctor = grpc.makeGenericClientConstructor(definition as unknown as grpc.ServiceDefinition, 'rtcroom');
  const channel = clientChannel(options.tls, address);
  const client = new Ctor(address, channel.credentials, {
    ...channel.options,
    'grpc.keepalive_time_ms': 30_000,
  }) as unknown as grpc.Client & Record<string, Function>;
  const mux = (options.mux ?? muxByDefault()) ? new MuxChannel(client) : undefined;
  const out: Record<string, unknown> = {
    close: () => {
      mux?.close();
      client.close();
    },
  };
  for (const [method, def] of Object.entries(definition)) {
    const unary = (request: unknown, timeoutMs: number) =>
      new Promise((resolve, reject) => {
        client[method](request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, response: unknown) =>
          err ? reject(fromServiceError(err)) : resolve(response),
        );
      });
    out[method] = async (request: unknown, callOptions?: CallOptions) => {
      const timeoutMs = callOptions?.timeoutMs ?? defaultTimeoutMs;
      if (!mux || mux.unsupported) return unary(request, timeoutMs);
      let body: Buffer;
      try {
        body = def.requestSerialize(request);
      } catch (err) {
        throw new DomainError('INTERNAL', `could not serialize the request: ${(err as Error).message}`);
      }
      try {
        return def.responseDeserialize(await mux.call(def.path, body, timeoutMs));
      } catch (err) {
        if (err instanceof MuxUnsupported) return unary(request, timeoutMs);
        throw err;
      }
    };
  }
  return out as AsyncClient<D>;
}
