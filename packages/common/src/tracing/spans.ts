// The hooks the gRPC, bus, database and outbox code call to take part in a trace. They speak only
// @opentelemetry/api; the SDK is loaded by startTracing, and only when an endpoint is configured.
// Until then every hook is a check of one flag and a plain call: no span objects, no context lookups,
// no header written (the bench's paired runs show the difference is within noise: README "Tracing").
import { Attributes, context, Context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

export { SpanKind, SpanStatusCode };

let enabled = false;
const tracer = () => trace.getTracer('rtcroom');

/** Set by startTracing once the SDK is registered (and back by its shutdown). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** Whether spans are being recorded in this process at all. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** What carries a trace across a process boundary: W3C traceparent (and tracestate) as header-like pairs. */
export type TraceCarrier = Record<string, string>;

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Continue this trace (a carrier from gRPC metadata, NATS headers or an outbox row) instead of the active one. */
  parent?: TraceCarrier;
  /** Start a new trace whatever is active (a frame from a client starts one). */
  root?: boolean;
}

/**
 * Runs `fn` inside a span that ends when it settles; a rejection marks the span failed (with the
 * error's reason) and is passed on unchanged. Tracing off: just `fn()`.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = options.parent ? propagation.extract(ROOT_CONTEXT, options.parent) : context.active();
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, root: options.root }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed: the error's reason (a DomainError's UPPER_SNAKE) and message. */
export function failSpan(span: Span, err: unknown): void {
  const reason = (err as { reason?: unknown })?.reason;
  if (typeof reason === 'string') span.setAttribute('rtcroom.error.reason', reason);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Whether work done now belongs to a trace. Statements and outgoing calls are traced only inside one:
 * the timers' own work (sweeps, polls, heartbeats) would otherwise make a one-span trace each, every
 * second or so, and bury the traces worth reading.
 */
export function inTrace(): boolean {
  return enabled && trace.getSpan(context.active()) !== undefined;
}

/** The active trace as a carrier to send along (gRPC metadata, NATS headers); undefined when there is none. */
export function activeTraceCarrier(): TraceCarrier | undefined {
  if (!enabled) return undefined;
  return carrierOf(context.active());
}

function carrierOf(ctx: Context): TraceCarrier | undefined {
  if (!trace.getSpan(ctx)?.spanContext()) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent === undefined ? undefined : carrier;
}

/**
 * The active trace as one W3C traceparent, for storing beside what it caused (an outbox row), so that
 * whoever handles it later continues the trace. Null when tracing is off or no span is active.
 */
export function activeTraceparent(): string | null {
  return activeTraceCarrier()?.traceparent ?? null;
}

/** Adds the active trace's headers to `headers` (a copy when there is one); `headers` itself when there is none. */
export function withTraceHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  const carrier = activeTraceCarrier();
  return carrier ? { ...headers, ...carrier } : headers;
}

/**
 * A span name for a message's subject: its id token (a room, a user) as `*`, so that names stay few
 * (rtcroom.room.r_12.member.joined -> rtcroom.room.*.member.joined); the subject itself is an attribute.
 */
export function subjectTemplate(subject: string): string {
  const tokens = subject.split('.');
  if (tokens.length < 4 || tokens[0] !== 'rtcroom') return subject;
  tokens[2] = '*';
  return tokens.join('.');
}

/** A traceparent stored earlier (activeTraceparent) as a carrier to continue; undefined for none. */
export function storedTrace(traceparent: string | null | undefined): TraceCarrier | undefined {
  return traceparent ? { traceparent } : undefined;
}
