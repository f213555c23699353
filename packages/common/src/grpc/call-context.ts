// What a handler knows of the call it runs, the same for a unary call, a call on the mux stream and an
// in-process call: who made it, the metadata the caller set, its deadline, whether the caller still
// waits, the request it serves (requestId) and a logger whose lines name it (log).
import type * as grpc from '@grpc/grpc-js';
import { DomainError } from '../errors';
import { newId } from '../ids';
import type { Logger } from '../logger';
import type { Caller } from './caller';

/** Metadata naming the request a call serves, in log lines on both sides (set from CallOptions.requestId by the client). */
export const requestIdHeader = 'x-request-id';

/** The caller's x-request-id when it is a fit one (1-128 printable characters), else a new id. */
export function requestIdOf(given: unknown): string {
  return typeof given === 'string' && given.length > 0 && given.length <= 128 && metadataValuePattern.test(given) ? given : newId('rq');
}

/**
 * The request some work serves, passed on explicitly to the calls it makes (CallOptions.requestId)
 * and the ports that make them: a handler's CallContext is one.
 */
export interface RequestScope {
  /** Names the request in every service's log lines (x-request-id on the calls made for it). */
  readonly requestId?: string;
  /** A logger whose lines name the request. */
  readonly log?: Logger;
  /** True once the caller no longer waits (a handler's CallContext says so): work not begun is not worth beginning. */
  readonly cancelled?: boolean;
}

/** The second argument of every handler (AsyncHandlers). */
export interface CallContext extends RequestScope {
  /** The caller's x-request-id (a new id when it sent none): pass the call on as the scope of the calls it makes. */
  readonly requestId: string;
  /** The service's logger, its lines carrying `rpc` (the method's path) and `requestId`. */
  readonly log: Logger;
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

/** The request id and logger of a call, made on first use (most calls log nothing). */
abstract class LoggedCall {
  private id: string | undefined;
  private logger: Logger | undefined;

  constructor(
    /** The method's path, e.g. rtcroom.room.v1.RoomService/JoinRoom. */
    readonly rpc: string,
    private readonly serviceLog: Logger,
  ) {}

  protected abstract givenRequestId(): unknown;

  get requestId(): string {
    return (this.id ??= requestIdOf(this.givenRequestId()));
  }

  get log(): Logger {
    return (this.logger ??= this.serviceLog.child({ rpc: this.rpc, requestId: this.requestId }));
  }
}

/** The transports' side of a CallContext: they cancel it. Deadlines are kept on performance.now()'s clock. */
export class ServerCallContext extends LoggedCall implements CallContext {
  private cancelReason: string | undefined;
  // Made on first use: most handlers never ask, and a call should cost no more than it needs.
  private aborter: AbortController | undefined;

  constructor(
    readonly metadata: Readonly<Record<string, string>>,
    readonly caller: Caller,
    /** performance.now() at which the caller stops waiting; Infinity without a deadline. */
    readonly deadlineAt: number,
    rpc: string,
    serviceLog: Logger,
  ) {
    super(rpc, serviceLog);
  }

  protected givenRequestId(): unknown {
    return this.metadata[requestIdHeader];
  }

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
export class UnaryCallContext extends LoggedCall implements CallContext {
  private customMetadata: Record<string, string> | undefined;
  private aborter: AbortController | undefined;

  constructor(
    private readonly call: grpc.ServerUnaryCall<unknown, unknown>,
    readonly caller: Caller,
    rpc: string,
    serviceLog: Logger,
  ) {
    super(rpc, serviceLog);
  }

  protected givenRequestId(): unknown {
    return this.call.metadata.get(requestIdHeader)[0];
  }

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
