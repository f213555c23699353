// The client end of rtcroom.mux.v1.MuxService: unary calls sent as messages on one long-lived stream,
// opened on the first call and again after it breaks. Each call carries its deadline and metadata;
// one that the stream broke under is in doubt and fails UNAVAILABLE, as a unary call whose connection
// dropped. When the stream is full (the server reads slower than we call) calls wait here, in order,
// rather than pile up in the stream; one whose deadline passes while waiting is never sent. A server
// without the mux service (an older deployment) makes every call fall back to the unary method, for good.
import * as grpc from '@grpc/grpc-js';
import { muxv1, pooledDefinition } from '@rtcroom/proto';
import { DomainError } from '../errors';
import { DeadlineSweep } from './deadline-sweep';
import { fromStatus } from './status';

type Exchange = grpc.ClientDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse>;

/** The server does not serve the mux: call the unary method instead. */
export class MuxUnsupported extends Error {
  constructor() {
    super('the server does not serve rtcroom.mux.v1.MuxService');
    this.name = 'MuxUnsupported';
  }
}

const { exchange } = pooledDefinition(muxv1.MuxServiceService);
const noBody = Buffer.alloc(0);
const maxTimeoutMs = 0xffff_ffff; // timeout_ms is a uint32

class PendingCall {
  /** The request while it waits for room in the stream; undefined once written. */
  request: muxv1.ExchangeRequest | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    readonly callId: number,
    readonly stream: Exchange,
    readonly deadlineAt: number,
    readonly resolve: (body: Buffer) => void,
    readonly reject: (err: unknown) => void,
  ) {}
}

export interface MuxCallOptions {
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

export class MuxChannel {
  /** Set once the server answered the stream with UNIMPLEMENTED. */
  unsupported = false;
  private stream: Exchange | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private readonly deadlines = new DeadlineSweep((now) => this.expireDue(now));
  /** Calls waiting for the current stream to drain (it returned false from write), in order. */
  private backlog: PendingCall[] = [];
  private blocked = false;
  private nextCallId = 1;
  private closed = false;

  constructor(private readonly client: grpc.Client) {}

  /** Sends one call; resolves with the response body, rejects with the DomainError a unary call would. */
  call(method: string, body: Buffer, timeoutMs: number, options: MuxCallOptions = {}): Promise<Buffer> {
    if (this.closed) return Promise.reject(new DomainError('UNAVAILABLE', 'service unavailable: client closed'));
    if (this.unsupported) return Promise.reject(new MuxUnsupported());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const stream = (this.stream ??= this.open());
    const callId = this.nextCallId++;
    return new Promise<Buffer>((resolve, reject) => {
      const call = new PendingCall(callId, stream, performance.now() + timeoutMs, resolve, reject);
      this.pending.set(callId, call);
      this.deadlines.watch(call.deadlineAt);
      if (signal) {
        call.signal = signal;
        call.onAbort = () => this.aborted(call);
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.send(call, { callId, method, body, timeoutMs: Math.min(timeoutMs, maxTimeoutMs), metadata: options.metadata ?? {}, cancel: false });
    });
  }

  close(): void {
    this.closed = true;
    this.deadlines.stop(); // what is pending fails with the stream
    this.stream?.cancel();
    this.stream = undefined;
  }

  /**
   * For the deadline sweep: fails what is due as a unary call fails at its deadline, and returns the
   * next deadline. No cancel message: the server holds the same deadline and ends the call itself.
   */
  private expireDue(now: number): number {
    let next = Infinity;
    for (const call of this.pending.values()) {
      if (call.deadlineAt <= now) {
        this.settle(call);
        call.reject(new DomainError('UNAVAILABLE', 'service unavailable: Deadline exceeded'));
      } else if (call.deadlineAt < next) {
        next = call.deadlineAt;
      }
    }
    return next;
  }

  private aborted(call: PendingCall): void {
    if (!this.settle(call)) return;
    call.reject(call.signal!.reason);
    // Sent already: tell the server, which cancels the handler. Still waiting here: it never will be.
    if (call.request === undefined && call.stream === this.stream) {
      this.send(call, { callId: call.callId, method: '', body: noBody, timeoutMs: 0, metadata: {}, cancel: true });
    }
  }

  /** Forgets the call; false when it was settled already. */
  private settle(call: PendingCall): boolean {
    if (this.pending.get(call.callId) !== call) return false;
    this.pending.delete(call.callId);
    if (call.onAbort) call.signal!.removeEventListener('abort', call.onAbort);
    return true;
  }

  private send(call: PendingCall, request: muxv1.ExchangeRequest): void {
    if (this.blocked) {
      call.request = request;
      this.backlog.push(call);
      return;
    }
    if (!call.stream.write(request)) this.block(call.stream);
  }

  private block(stream: Exchange): void {
    this.blocked = true;
    stream.once('drain', () => this.flush(stream));
  }

  private flush(stream: Exchange): void {
    if (stream !== this.stream) return; // broken meanwhile: broken() failed its calls
    this.blocked = false;
    const waiting = this.backlog;
    let i = 0;
    while (i < waiting.length && !this.blocked && stream === this.stream) {
      const call = waiting[i++]!;
      const request = call.request!;
      call.request = undefined;
      if (request.cancel) {
        if (!stream.write(request)) this.block(stream);
        continue;
      }
      if (this.pending.get(call.callId) !== call) continue; // expired or aborted while waiting: never sent
      // The deadline counts from now for the server, as it did from the call for us.
      request.timeoutMs = Math.max(1, Math.min(Math.ceil(call.deadlineAt - performance.now()), maxTimeoutMs));
      if (!stream.write(request)) this.block(stream);
    }
    if (stream === this.stream) this.backlog = waiting.slice(i);
  }

  private open(): Exchange {
    const stream: Exchange = this.client.makeBidiStreamRequest(exchange.path, exchange.requestSerialize, exchange.responseDeserialize, {});
    stream.on('data', (res: muxv1.ExchangeResponse) => {
      const call = this.pending.get(res.callId);
      if (!call || !this.settle(call)) return; // timed out or cancelled meanwhile
      if (res.result?.$case === 'body') call.resolve(res.result.value);
      else call.reject(fromStatus(res.result?.value ?? { code: grpc.status.INTERNAL, message: 'empty answer', details: [] }));
    });
    // 'error' comes with a failed status, 'end' with a clean one (the server drained): either way the
    // calls still unanswered on this stream will never be.
    stream.on('error', (err: grpc.ServiceError) => this.broken(stream, err.code, err.details));
    stream.on('end', () => this.broken(stream, grpc.status.UNAVAILABLE, 'the server ended the stream'));
    return stream;
  }

  private broken(stream: Exchange, code: grpc.status, details: string): void {
    if (this.stream === stream) {
      this.stream = undefined;
      this.backlog = [];
      this.blocked = false;
    }
    if (code === grpc.status.UNIMPLEMENTED) this.unsupported = true;
    for (const call of [...this.pending.values()]) {
      if (call.stream !== stream || !this.settle(call)) continue;
      call.reject(
        this.unsupported
          ? new MuxUnsupported()
          : new DomainError('UNAVAILABLE', `service unavailable: ${this.closed ? 'client closed' : details}`),
      );
    }
  }
}
