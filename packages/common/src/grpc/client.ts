// Promise-returning gRPC clients from the generated definitions. Every call has a deadline, may carry
// metadata and be cancelled, and a failure comes back as the DomainError the server threw (or
// UNAVAILABLE). Calls travel as messages
// on one rtcroom.mux.v1 stream per client (a fraction of a unary call's CPU at both ends); a server
// without it gets unary calls. RTCROOM_GRPC_MUX=off makes every call unary. Given an InProcessHub
// (services sharing a process), a call to an address served in the hub runs in-process (inproc.ts).
import * as grpc from '@grpc/grpc-js';
import { pooledDefinition } from '@rtcroom/proto';
import type { GrpcTlsConfig } from '../config';
import { DomainError } from '../errors';
import { GrpcMetrics, grpcCodeOf } from '../metrics/grpc-metrics';
import { tracedCall } from '../tracing/grpc-tracing';
import { metadataProblem, requestIdHeader, RequestScope } from './call-context';
import { certificateCaller, InProcessHub } from './inproc';
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
  /** The call's metadata (gRPC custom headers: lowercase keys, printable ASCII values), e.g. traceparent; the handler reads it from its CallContext. */
  metadata?: Record<string, string>;
  /** Aborting it cancels the call: the promise rejects with the signal's reason and the server's handler sees the cancellation. */
  signal?: AbortSignal;
  /**
   * The request the call is made for (a gateway frame's, or the handler's own `call.requestId`): sent
   * as x-request-id, so the server's log lines of the call name the same request. Without it the
   * server gives the call an id of its own.
   */
  requestId?: string;
}

export interface ClientOptions {
  /** Send calls over the mux stream (default: unless RTCROOM_GRPC_MUX=off). */
  mux?: boolean;
  /** Mutual TLS: the server must chain to the CA; this client presents its certificate. Absent: plain gRPC. */
  tls?: GrpcTlsConfig;
  /** The calling service's metrics: each call's duration and status code (rtcroom_grpc_client_handling_seconds). */
  metrics?: GrpcMetrics;
  /**
   * The servers sharing this process: a call to an address one of them serves runs in-process, the
   * caller being who this client's certificate (tls) names. Only for services started together.
   */
  inproc?: InProcessHub;
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

export function createClient<D extends AnyDefinition>(given: D, address: string, defaultTimeoutMs = 5000, options: ClientOptions = {}): AsyncClient<D> {
  const definition = pooledDefinition(given);
  const Ctor = grpc.makeGenericClientConstructor(definition as unknown as grpc.ServiceDefinition, 'rtcroom');
  const channel = clientChannel(options.tls, address);
  const client = new Ctor(address, channel.credentials, {
    ...channel.options,
    'grpc.keepalive_time_ms': 30_000,
  }) as unknown as grpc.Client & Record<string, Function>;
  const mux = (options.mux ?? muxByDefault()) ? new MuxChannel(client) : undefined;
  const hub = options.inproc;
  // Who this client is to an in-process server, as its certificate tells a server over mutual TLS.
  let identity: { caller: ReturnType<typeof certificateCaller> } | undefined;
  const inprocCaller = () => (identity ??= { caller: certificateCaller(options.tls) }).caller;
  const out: Record<string, unknown> = {
    close: () => {
      mux?.close();
      client.close();
    },
  };
  for (const [method, def] of Object.entries(definition)) {
    const unary = (request: unknown, timeoutMs: number, callOptions: CallOptions | undefined) =>
      new Promise((resolve, reject) => {
        const signal = callOptions?.signal;
        if (signal?.aborted) return reject(signal.reason);
        let call: grpc.ClientUnaryCall | undefined;
        const onAbort = () => call?.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
        call = client[method](
          request,
          grpcMetadata(callOptions?.metadata),
          { deadline: Date.now() + timeoutMs },
          (err: grpc.ServiceError | null, response: unknown) => {
            signal?.removeEventListener('abort', onAbort);
            if (err) reject(signal?.aborted ? signal.reason : fromServiceError(err));
            else resolve(response);
          },
        );
      });
    const path = def.path.slice(1);
    const send = async (request: unknown, given: CallOptions | undefined) => {
      const callOptions = withRequestId(given);
      const timeoutMs = callOptions?.timeoutMs ?? defaultTimeoutMs;
      if (!(timeoutMs > 0)) throw new DomainError('INVALID_ARGUMENT', `timeoutMs must be above 0, got ${timeoutMs}`);
      if (callOptions?.metadata) checkMetadata(callOptions.metadata);
      // Looked up at each call: a service may start serving after its callers' clients were made.
      const local = hub?.route(address);
      if (local) return local.call(def.path, request, timeoutMs, callOptions ?? {}, inprocCaller());
      if (!mux || mux.unsupported) return unary(request, timeoutMs, callOptions);
      let body: Buffer;
      try {
        body = def.requestSerialize(request);
      } catch (err) {
        throw new DomainError('INTERNAL', `could not serialize the request: ${(err as Error).message}`, {}, { cause: err });
      }
      try {
        return def.responseDeserialize(await mux.call(def.path, body, timeoutMs, callOptions ?? {}));
      } catch (err) {
        if (err instanceof MuxUnsupported) return unary(request, timeoutMs, callOptions);
        throw err;
      }
    };
    const call = (request: unknown, callOptions?: CallOptions) => tracedCall(def.path, callOptions, (traced) => send(request, traced));
    const metrics = options.metrics?.client;
    out[method] = !metrics
      ? call
      : async (request: unknown, callOptions?: CallOptions) => {
          const observed = metrics.start(path, hub?.route(address) ? 'inproc' : mux && !mux.unsupported ? 'mux' : 'unary');
          try {
            const response = await call(request, callOptions);
            observed(grpc.status.OK);
            return response;
          } catch (err) {
            observed(grpcCodeOf(err));
            throw err;
          }
        };
  }
  return out as AsyncClient<D>;
}

/** Metadata both paths can carry alike; anything else is the caller's mistake, told before the call leaves. */
/** The call carries CallOptions.requestId as x-request-id (unless its metadata names one already). */
function withRequestId(options: CallOptions | undefined): CallOptions | undefined {
  const requestId = options?.requestId;
  if (requestId === undefined || options!.metadata?.[requestIdHeader] !== undefined || metadataProblem(requestIdHeader, requestId)) return options;
  return { ...options, metadata: { ...options?.metadata, [requestIdHeader]: requestId } };
}

function checkMetadata(metadata: Record<string, string>): void {
  for (const [key, value] of Object.entries(metadata)) {
    const problem = metadataProblem(key, value);
    if (problem) throw new DomainError('INVALID_ARGUMENT', problem, { field: `metadata.${key}` });
  }
}

function grpcMetadata(metadata: Record<string, string> | undefined): grpc.Metadata {
  const out = new grpc.Metadata();
  if (metadata) for (const [key, value] of Object.entries(metadata)) out.set(key, value);
  return out;
}

/**
 * The client with `defaults` under each call's own options: e.g. every call a gateway frame makes
 * carries the frame's requestId. Methods are wrapped as they are used; close() is the client's own.
 */
export function withCallDefaults<C extends object>(client: C, defaults: CallOptions): C {
  return new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || key === 'close') return value;
      return (request: unknown, options?: CallOptions) => (value as (r: unknown, o?: CallOptions) => unknown).call(target, request, options ? { ...defaults, ...options } : defaults);
    },
  });
}

/** The call options that name a scope's request (none outside any request). */
export function optionsOf(scope: RequestScope | undefined): CallOptions | undefined {
  return scope?.requestId === undefined ? undefined : { requestId: scope.requestId };
}
