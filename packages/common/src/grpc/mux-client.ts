// The client end of rtcroom.mux.v1.MuxService: unary calls sent as messages on one long-lived stream,
// opened on the first call and again after it breaks. A call that the stream broke under is in doubt
// and fails UNAVAILABLE, as a unary call whose connection dropped. A server without the mux service
// (an older deployment) makes every call fall back to the unary method, for good.
import * as grpc from '@grpc/grpc-js';
import { muxv1 } from '@rtcroom/proto';
import { DomainError } from '../errors';
import { fromStatus } from './status';

type Exchange = grpc.ClientDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse>;

interface PendingCall {
  stream: Exchange;
  resolve: (body: Buffer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** The server does not serve the mux: call the unary method instead. */
export class MuxUnsupported extends Error {
  constructor() {
    super('the server does not serve rtcroom.mux.v1.MuxService');
    this.name = 'MuxUnsupported';
  }
}

const { exchange } = muxv1.MuxServiceService;

export class MuxChannel {
  /** Set once the server answered the stream with UNIMPLEMENTED. */
  unsupported = false;
  private stream: Exchange | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private nextCallId = 1;
  private closed = false;

  constructor(private readonly client: grpc.Client) {}

  /** Sends one call; resolves with the response body, rejects with the DomainError a unary call would. */
  call(method: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new DomainError('UNAVAILABLE', 'service unavailable: client closed'));
    if (this.unsupported) return Promise.reject(new MuxUnsupported());
    const stream = (this.stream ??= this.open());
    const callId = this.nextCallId++;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(callId);
        reject(new DomainError('UNAVAILABLE', 'service unavailable: Deadline exceeded'));
      }, timeoutMs);
      this.pending.set(callId, { stream, resolve, reject, timer });
      stream.write({ callId, method, body });
    });
  }

  close(): void {
    this.closed = true;
    this.stream?.cancel();
    this.stream = undefined;
  }

  private open(): Exchange {
    const stream: Exchange = this.client.makeBidiStreamRequest(exchange.path, exchange.requestSerialize, exchange.responseDeserialize, {});
    stream.on('data', (res: muxv1.ExchangeResponse) => {
      const call = this.pending.get(res.callId);
      if (!call) return; // timed out meanwhile
      this.pending.delete(res.callId);
      clearTimeout(call.timer);
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
    if (this.stream === stream) this.stream = undefined;
    if (code === grpc.status.UNIMPLEMENTED) this.unsupported = true;
    for (const [callId, call] of this.pending) {
      if (call.stream !== stream) continue;
      this.pending.delete(callId);
      clearTimeout(call.timer);
      call.reject(
        this.unsupported
          ? new MuxUnsupported()
          : new DomainError('UNAVAILABLE', `service unavailable: ${this.closed ? 'client closed' : details}`),
      );
    }
  }
}
