// The requests in flight, by request id: each waits for its answer (or its error) until a timeout; those
// made while no socket is welcomed wait to be sent; a lost socket fails those it carried, since
// nobody can tell whether the gateway carried them out.
import { RtcRoomError } from '../errors.js';
import { readAnswer, requestFrame } from '../frames.js';
import type { Answer, RequestBody, RequestKind, ServerMessage } from '../protocol.js';
import { clearTimer, setTimer, TimerHandle } from '../timers.js';

interface Pending {
  kind: RequestKind;
  frame: string;
  resolve(answer: unknown): void;
  reject(err: RtcRoomError): void;
  onAnswer?: (answer: never) => void;
  timer?: TimerHandle;
  sent: boolean;
}

export interface RequestOptions<K extends RequestKind> {
  /** Runs with the answer before anything else is read off the socket, so state follows the frames' order. */
  onAnswer?: (answer: Answer<K>) => void;
  timeoutMs?: number;
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;

  constructor(private readonly defaultTimeoutMs: number) {}

  /** A new request; `send` is called with its frame now or, if it returns false, by sendWaiting later. */
  add<K extends RequestKind>(kind: K, body: RequestBody<K>, options: RequestOptions<K>, send: (frame: string) => boolean): Promise<Answer<K>> {
    const requestId = String(this.nextId++);
    return new Promise<Answer<K>>((resolve, reject) => {
      const entry: Pending = {
        kind,
        frame: requestFrame(requestId, kind, body),
        resolve: resolve as (a: unknown) => void,
        reject,
        onAnswer: options.onAnswer as ((a: never) => void) | undefined,
        sent: false,
      };
      entry.timer = setTimer(() => {
        if (this.pending.get(requestId) !== entry) return;
        this.pending.delete(requestId);
        reject(new RtcRoomError('TIMEOUT', `no answer to ${kind} in time`, { request: kind }));
      }, options.timeoutMs ?? this.defaultTimeoutMs);
      this.pending.set(requestId, entry);
      entry.sent = send(entry.frame);
    });
  }

  /** A socket was welcomed: the requests made meanwhile go out on it. */
  sendWaiting(send: (frame: string) => void): void {
    for (const entry of this.pending.values()) {
      if (entry.sent) continue;
      entry.sent = true;
      send(entry.frame);
    }
  }

  /** Settles the request a frame answers; false when it answers none (a notice, an unsolicited error). */
  settle(frame: ServerMessage): boolean {
    const entry = frame.requestId ? this.pending.get(frame.requestId) : undefined;
    if (!entry) return false;
    this.pending.delete(frame.requestId);
    clearTimer(entry.timer);
    if (frame.error) {
      entry.reject(new RtcRoomError(frame.error.code, frame.error.message, { request: entry.kind }));
      return true;
    }
    const answer = frame[entry.kind] ?? readAnswer(entry.kind);
    try {
      entry.onAnswer?.(answer as never);
    } finally {
      entry.resolve(answer);
    }
    return true;
  }

  /** The socket that carried these requests is gone: they fail; those not sent yet keep waiting. */
  failSent(): void {
    for (const [id, entry] of this.pending) {
      if (!entry.sent) continue;
      this.pending.delete(id);
      clearTimer(entry.timer);
      entry.reject(new RtcRoomError('CONNECTION_LOST', `the connection was lost before ${entry.kind} was answered; it may or may not have been carried out`, { request: entry.kind }));
    }
  }

  /** The connection ended for good (closed, or given up): every request fails with `error`. */
  failAll(error: RtcRoomError): void {
    for (const entry of this.pending.values()) {
      clearTimer(entry.timer);
      entry.reject(error.forRequest(entry.kind));
    }
    this.pending.clear();
  }
}
