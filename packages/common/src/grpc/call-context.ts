// What a handler knows of the call it runs, the same for a unary call and a call on the mux stream:
// who made it, the metadata the caller set, its deadline, and whether the caller still waits.
import type * as grpc from '@grpc/grpc-js';
import { DomainError } from '../errors';
import { newId } from '../ids';
import type { Caller } from './caller';

/** Metadata naming the request a call serves, in log lines on both sides (set from withLogContext's requestId by the client). */
export const requestIdHeader = 'x-request-id';

/** The caller's x-request-id when it is a fit one (1-128 printable characters), else a new id. */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && given.length > 0 && given.length <= 128 && metadataValuePattern.test(given) ? given : newId('rq');
}

/** The second argument of every handler (AsyncHandlers). */
export interface CallContext {
  /** The metadata the caller set for this call (CallOptions.metadata), e.g. traceparent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Who made the call, from its client certificate; read it with callerOf. */
  readonly caller: Caller;
  /** True once the caller no longer waits: its deadline passed, it cancelled, or its connection ended. */
  readonly cancelled: boolean;
  /** Aborted when the call is cancelled, with a DomainError UNAVAILABLE saying why; pass it on to work worth stopping. */
  readonly signal: AbortSignal;
  /** The deadline in milliseconds since the epoch (Date.now()'s clock); Infinity when the call has none. */
  getDeadline(): number;
}

/** The transports' side of a CallContext: they cancel it. Deadlines are kept on performance.now()'s clock. */
export class ServerCallContext implements CallContext {
  private cancelReason: string | undefined;
  // Made on first use: most handlers never ask, and a call should cost no more than it needs.
  private aborter: AbortController | undefined;

  constructor(
    readonly metadata: Readonly<Record<string, string>>,
    readonly caller: Caller,
    /** performance.now() at which the caller stops waiting; Infinity without a deadline. */
    readonly deadlineAt: number,
  ) {}

  get cancelled(): boolean {
    return this.cancelReason !== undefined;
  }

  get signal(): AbortSignal {
    this.aborter ??= new AbortController();
    if (this.cancelReason !== undefined && !this.aborter.signal.aborted) this.aborter.abort(this.abortReason());
    return this.aborter.signal;
  }

  getDeadline(): number {
    return this.deadlineAt === Infinity ? Infinity : Date.now() + (this.deadlineAt - performance.now());
  }

  /** The caller gave up (`reason`: deadline exceeded, cancelled by the caller, ...). Once. */
  cancel(reason: string): void {
    if (this.cancelReason !== undefined) return;
    this.cancelReason = reason;
    this.aborter?.abort(this.abortReason());
  }

  private abortReason(): DomainError {
    return new DomainError('UNAVAILABLE', `the call was cancelled: ${this.cancelReason}`);
  }
}

// Headers the transport sets or strips itself: a unary call's handler never sees them as the caller
// set them, so neither path carries them as a call's metadata.
const transportKeys = new Set(['user-agent', 'content-type', 'te', 'accept-encoding', 'host']);
const metadataKeyPattern = /^[0-9a-z_.-]{1,128}$/;
const metadataValuePattern = /^[ -~]*$/;

/** Undefined when the pair may travel as a call's metadata (as a gRPC custom header), else what is wrong. */
export function metadataProblem(key: string, value: unknown): string | undefined {
  if (!metadataKeyPattern.test(key)) return `metadata key "${key}" must be 1-128 of a-z 0-9 _ . -`;
  if (key.startsWith('grpc-') || key.endsWith('-bin') || transportKeys.has(key)) return `metadata key "${key}" is reserved by gRPC`;
  if (typeof value !== 'string' || !metadataValuePattern.test(value)) return `metadata value of "${key}" must be printable ASCII`;
  return undefined;
}

/** The call's metadata as its caller set it: a unary call's custom headers, the transport's left out. */
export function callMetadata(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (metadataProblem(key, value) === undefined) out[key] = value as string;
  }
  return out;
}

/**
 * The context of a unary call, read from grpc-js's call as the handler asks (most ask only for the
 * caller): its metadata, its deadline from grpc-timeout, cancelled when grpc-js cancels the call
 * (deadline passed, client cancelled, connection dropped).
 */
export class UnaryCallContext implements CallContext {
  private customMetadata: Record<string, string> | undefined;
  private aborter: AbortController | undefined;

  constructor(
    private readonly call: grpc.ServerUnaryCall<unknown, unknown>,
    readonly caller: Caller,
  ) {}

  get metadata(): Readonly<Record<string, string>> {
    return (this.customMetadata ??= callMetadata(this.call.metadata));
  }

  get cancelled(): boolean {
    return this.call.cancelled;
  }

  get signal(): AbortSignal {
    if (!this.aborter) {
      const aborter = (this.aborter = new AbortController());
      const abort = () => aborter.abort(new DomainError('UNAVAILABLE', `the call was cancelled: ${Date.now() >= this.getDeadline() ? 'deadline exceeded' : 'cancelled by the caller'}`));
      if (this.call.cancelled) abort();
      else this.call.once('cancelled', abort);
    }
    return this.aborter.signal;
  }

  getDeadline(): number {
    const deadline = this.call.getDeadline();
    return deadline instanceof Date ? deadline.getTime() : deadline;
  }
}
