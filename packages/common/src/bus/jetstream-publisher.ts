// JetStream publishes and their acks, over one reply subscription of rtcroom's own.
//
// nats.js's js.publish() (and a key-value put, which is one) is a request, and nats.js ends every
// request, answered or not, by rejecting its already settled promise with a fresh CANCELLED error:
// a stack captured per publish for nothing, a third of a publish's CPU (bench/src/bus-publish-micro.ts).
// nats.js offers no option against it. So this publishes with the plain nc.publish() and a reply
// subject under one wildcard subscription, and reads the ack itself (a JSON PubAck, or a 503 status
// when no stream takes the subject): a publish that succeeds makes no error at all. The wire is the
// same as js.publish()'s, and nats.js is left as it is.
import { createInbox, ErrorCode, headers as natsHeaders, Msg, NatsConnection, NatsError, Subscription } from 'nats';
import { DeadlineSweep } from '../grpc/deadline-sweep';

export interface PublishAck {
  stream: string;
  seq: number;
  /** The stream already held a message with this message id (nothing was stored). */
  duplicate: boolean;
}

export interface JetStreamPublishOptions {
  /** JetStream drops a second message with the same id within the stream's duplicate window. */
  msgId?: string;
  /** More headers, e.g. `KV-Operation: DEL` for a key-value delete. */
  headers?: Record<string, string>;
}

interface Pending {
  subject: string;
  deadlineAt: number;
  /** Published while the connection was down: nats.js drops such a buffered message at its next dial. */
  whileDown: boolean;
  resolve(ack: PublishAck): void;
  reject(err: Error): void;
}

interface ApiError {
  code: number;
  err_code?: number;
  description?: string;
}

export class JetStreamPublisher {
  private readonly inbox = createInbox();
  private readonly replies: Subscription;
  /** By reply token, in the order sent: all share one timeout, so also in the order they fall due. */
  private readonly pending = new Map<string, Pending>();
  private readonly deadlines = new DeadlineSweep((now) => this.expire(now));
  private nextToken = 0;
  private closed = false;
  /** Between a disconnect and the reconnect (as the status events tell, a little late). */
  private down = false;

  /** @param timeoutMs how long a publish waits for its ack. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5000,
  ) {
    this.replies = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? this.failAll(err) : this.answered(msg)) });
    // The connection closing (or this being closed) ends the subscription: nothing more will be answered.
    const ended = () => this.failAll(new NatsError('the NATS connection closed', ErrorCode.ConnectionClosed));
    void this.replies.closed.then(ended, ended); // (it rejects when the server refused the subscription)
    // A server lost (killed, or a cluster node gone) takes the publishes it had not answered with it:
    // they fail now, so their callers retry through the server the client reconnects to, rather
    // than each waiting out its timeout (5 s: longer than a presence keepalive may be late). A
    // retried publish is safe: durable ones carry a message id, key-value puts write the same value.
    // Those published while it was down went into nats.js's buffer, which each dial empties
    // (protocol.js, prepare): they fail at the reconnect too, rather than at their timeout.
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.down = true;
          this.failAll(new NatsError('the NATS server was lost before it answered; publish again', ErrorCode.Disconnect));
        } else if (s.type === 'reconnect') {
          this.down = false;
          this.failWhere((call) => call.whileDown, new NatsError('published while NATS was unreachable; publish again', ErrorCode.Disconnect));
        }
      }
    })().catch(() => undefined);
  }

  /** Stores `data` on `subject` in the stream that takes it; resolves with JetStream's ack. */
  publish(subject: string, data: Uint8Array, options: JetStreamPublishOptions = {}): Promise<PublishAck> {
    if (this.closed || this.replies.isClosed()) {
      return Promise.reject(new NatsError('the NATS connection closed', ErrorCode.ConnectionClosed));
    }
    const token = (this.nextToken++).toString(36);
    const h = natsHeaders();
    if (options.msgId) h.set('Nats-Msg-Id', options.msgId);
    for (const [name, value] of Object.entries(options.headers ?? {})) h.set(name, value);
    return new Promise<PublishAck>((resolve, reject) => {
      const deadlineAt = performance.now() + this.timeoutMs;
      try {
        this.nc.publish(subject, data, { reply: `${this.inbox}.${token}`, headers: h });
      } catch (err) {
        reject(err as Error);
        return;
      }
      this.pending.set(token, { subject, deadlineAt, whileDown: this.down, resolve, reject });
      this.deadlines.watch(deadlineAt);
    });
  }

  /** Stops taking acks; publishes still waiting fail. */
  close(): void {
    this.closed = true;
    this.replies.unsubscribe();
    this.failAll(new NatsError('the publisher is closed', ErrorCode.ConnectionClosed));
  }

  private answered(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const call = this.pending.get(token);
    if (!call) return; // its time ran out
    this.pending.delete(token);
    const outcome = ackOf(call.subject, msg);
    if (outcome instanceof Error) call.reject(outcome);
    else call.resolve(outcome);
  }

  private expire(now: number): number {
    for (const [token, call] of this.pending) {
      if (call.deadlineAt > now) return call.deadlineAt;
      this.pending.delete(token);
      call.reject(new NatsError(`no JetStream ack for ${call.subject} within ${this.timeoutMs} ms`, ErrorCode.Timeout));
    }
    return Infinity;
  }

  private failWhere(which: (call: Pending) => boolean, err: Error): void {
    for (const [token, call] of this.pending) {
      if (!which(call)) continue;
      this.pending.delete(token);
      call.reject(err);
    }
  }

  private failAll(err: Error): void {
    this.deadlines.stop();
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(err);
  }
}

/** JetStream's answer to a publish: its ack, or the error it stands for (as nats.js would throw it). */
function ackOf(subject: string, msg: Msg): PublishAck | NatsError {
  if (msg.data.length === 0 && msg.headers?.hasError) {
    // A status without a body: 503 when no stream takes the subject (nobody answered).
    const code = msg.headers.code === 503 ? ErrorCode.NoResponders : `${msg.headers.code}`;
    return new NatsError(`no JetStream stream took ${subject} (${msg.headers.code} ${msg.headers.description})`, code);
  }
  let answer: { stream?: string; seq?: number; duplicate?: boolean; error?: ApiError };
  try {
    answer = msg.json();
  } catch (err) {
    return new NatsError(`JetStream answered a publish to ${subject} with something other than JSON`, ErrorCode.JetStreamInvalidAck, err as Error);
  }
  if (answer.error) {
    const err = new NatsError(answer.error.description ?? `JetStream error ${answer.error.code}`, `${answer.error.code}`);
    err.api_error = { code: answer.error.code, err_code: answer.error.err_code ?? 0, description: answer.error.description ?? '' };
    return err;
  }
  if (!answer.stream) return new NatsError(`JetStream's ack for ${subject} names no stream`, ErrorCode.JetStreamInvalidAck);
  return { stream: answer.stream, seq: answer.seq ?? 0, duplicate: answer.duplicate ?? false };
}
