// gRPC in a trace: a client span per call, its context in the call's metadata (traceparent, the same
// on a unary call and on the mux stream, which carries each call's metadata), and a server span per
// handled call that continues it.
import type { CallOptions } from '../grpc/client';
import type { ServiceBinding } from '../grpc/server';
import { inSpan, inTrace, SpanKind, TraceCarrier, tracingEnabled, withTraceHeaders } from './spans';

/** rpc.* attributes of a method path (/rtcroom.room.v1.RoomService/JoinRoom). */
function rpcAttributes(path: string) {
  const slash = path.lastIndexOf('/');
  return { 'rpc.system': 'grpc', 'rpc.service': path.slice(1, slash), 'rpc.method': path.slice(slash + 1) };
}

/** Runs a client call made within a trace inside a client span, whose context travels in the call's metadata. */
export function tracedCall<T>(path: string, options: CallOptions | undefined, call: (options: CallOptions | undefined) => Promise<T>): Promise<T> {
  if (!inTrace()) return call(options);
  return inSpan(path.slice(1), { kind: SpanKind.CLIENT, attributes: rpcAttributes(path) }, () => call({ ...options, metadata: withTraceHeaders(options?.metadata) }));
}

/** The binding with every handler run inside a server span continuing the caller's trace. Tracing off: the binding itself. */
export function tracedBinding(binding: ServiceBinding): ServiceBinding {
  if (!tracingEnabled()) return binding;
  const handlers: ServiceBinding['handlers'] = {};
  for (const [method, handler] of Object.entries(binding.handlers)) {
    const path = binding.definition[method]!.path;
    const attributes = rpcAttributes(path);
    const name = path.slice(1);
    handlers[method] = (request, call) => {
      const { traceparent, tracestate } = call.metadata;
      const parent: TraceCarrier | undefined = traceparent === undefined ? undefined : tracestate === undefined ? { traceparent } : { traceparent, tracestate };
      return inSpan(name, { kind: SpanKind.SERVER, attributes, parent, root: parent === undefined }, () => handler(request, call));
    };
  }
  return { ...binding, handlers };
}
