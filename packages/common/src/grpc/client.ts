// Promise-returning gRPC clients from the generated definitions. Every call has a deadline, and a
// failure comes back as the DomainError the server threw (or UNAVAILABLE).
import * as grpc from '@grpc/grpc-js';
import { fromServiceError } from './status';

type AnyDefinition = Record<string, { requestSerialize: (v: any) => Buffer; responseDeserialize: (b: Buffer) => any }>;

export interface CallOptions {
  /** Milliseconds; default the client's. */
  timeoutMs?: number;
}

export type AsyncClient<D extends AnyDefinition> = {
  [K in keyof D]: (request: Parameters<D[K]['requestSerialize']>[0], options?: CallOptions) => Promise<ReturnType<D[K]['responseDeserialize']>>;
} & { close(): void };

export function createClient<D extends AnyDefinition>(definition: D, address: string, defaultTimeoutMs = 5000): AsyncClient<D> {
  const Ctor = grpc.makeGenericClientConstructor(definition as unknown as grpc.ServiceDefinition, 'rtcroom');
  const client = new Ctor(address, grpc.credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 30_000,
  }) as unknown as grpc.Client & Record<string, Function>;
  const out: Record<string, unknown> = { close: () => client.close() };
  for (const method of Object.keys(definition)) {
    out[method] = (request: unknown, options?: CallOptions) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + (options?.timeoutMs ?? defaultTimeoutMs);
        client[method](request, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, response: unknown) =>
          err ? reject(fromServiceError(err)) : resolve(response),
        );
      });
  }
  return out as AsyncClient<D>;
}
