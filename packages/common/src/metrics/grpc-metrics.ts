// gRPC call durations and counts, by method, status code and transport (a unary HTTP/2 call, a call
// on the rtcroom.mux.v1 stream, or an in-process call between services sharing a process), at both ends. Kept cheap for the hot path: one histogram child per
// (method, code, transport), looked up in a map rather than by prom-client's label hashing.
import * as grpc from '@grpc/grpc-js';
import type { Histogram } from 'prom-client';
import { DomainError } from '../errors';
import { grpcCodeFor } from '../grpc/status';
import { ServiceMetrics } from './service-metrics';

/** A unary HTTP/2 call, a call on the rtcroom.mux.v1 stream, or one between services sharing a process (InProcessHub). */
export type GrpcTransport = 'unary' | 'mux' | 'inproc';

/** Observes calls: `start` when one begins, the returned function when it ends with its status code. */
export class GrpcCallMetrics {
  private readonly children = new Map<string, { observe(seconds: number): void }>();

  constructor(private readonly histogram: Histogram<'method' | 'code' | 'transport'>) {}

  start(method: string, transport: GrpcTransport): (code: grpc.status) => void {
    const began = performance.now();
    return (code) => {
      const key = `${method}\0${code}\0${transport}`;
      let child = this.children.get(key);
      if (!child) {
        child = this.histogram.labels({ method, code: grpc.status[code] ?? String(code), transport });
        this.children.set(key, child);
      }
      child.observe((performance.now() - began) / 1000);
    };
  }
}

export interface GrpcMetrics {
  server: GrpcCallMetrics;
  client: GrpcCallMetrics;
}

const servers = new WeakMap<ServiceMetrics, GrpcMetrics>();

/** The service's gRPC metrics (registered once per registry, however many servers and clients use them). */
export function grpcMetrics(metrics: ServiceMetrics): GrpcMetrics {
  let out = servers.get(metrics);
  if (!out) {
    out = {
      server: new GrpcCallMetrics(
        metrics.histogram('rtcroom_grpc_server_handling_seconds', 'gRPC calls handled by this service: duration, by method, status code and transport (unary, mux or inproc); _count counts them', ['method', 'code', 'transport']),
      ),
      client: new GrpcCallMetrics(
        metrics.histogram('rtcroom_grpc_client_handling_seconds', 'gRPC calls this service made: duration until the answer, by method, status code and transport; _count counts them', ['method', 'code', 'transport']),
      ),
    };
    servers.set(metrics, out);
  }
  return out;
}

/** The status code a failed call ends with, as the caller sees it. */
export function grpcCodeOf(err: unknown): grpc.status {
  if (err instanceof DomainError) return grpcCodeFor(err.reason);
  if (err instanceof Error && err.name === 'AbortError') return grpc.status.CANCELLED;
  return grpc.status.UNKNOWN;
}
