// One logical connection to the gateway over as many sockets as it takes: connects and waits for the
// welcome, sends requests and matches their answers, pings, and when a socket is lost reconnects with
// back-off and the resume token. What the frames mean is the client's business (client.ts).
import { backoffDelay, BackoffOptions } from './backoff.js';
import { asRtcRoomError, authErrorCodes, RtcRoomError } from './errors.js';
import { readAnswer, readServerMessage, requestFrame } from './frames.js';
import type { Answer, RequestBody, RequestKind, ServerMessage, Welcome } from './protocol.js';
import type { RtcSocket, SocketAdapter } from './socket.js';
import { clearRepeating, clearTimer, setRepeating, setTimer, TimerHandle } from './timers.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ConnectionStateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** reconnecting: which attempt comes next (1 for the first) and after how long. */
  attempt?: number;
  delayMs?: number;
  /** reconnecting or disconnected: why. */
  reason?: string;
  error?: RtcRoomError;
}

export type TokenSource = string | (() => string | Promise<string>);

export interface TransportOptions {
  socket: SocketAdapter;
  /** Back-off between reconnect attempts, and how many to make (default: no limit). */
  reconnect?: BackoffOptions & { maxAttempts?: number; enabled?: boolean };
  /** A request unanswered this long fails with TIMEOUT (ms, default 10 000). */
  requestTimeoutMs?: number;
  /** No welcome this long after opening a socket: the attempt failed (ms, default 10 000). */
  connectTimeoutMs?: number;
  /** A ping unanswered this long means the connection is dead (ms, default max(2 x ping interval, 4000)). */
  heartbeatTimeoutMs?: number;
  /** Random numbers for jitter (tests make them predictable). */
  random?: () => number;
}

export interface TransportHooks {
  /** A socket was welcomed (first connect or reconnect); frames after it follow. */
  welcome(welcome: Welcome): void;
  /** A frame that answers no request: a notice, a call notice, an unsolicited error. */
  frame(frame: Frame): void;
  state(change: ConnectionStateChange): void;
}

/** A frame from the gateway, read (frames.ts). */
export type Frame = ServerMessage;

interface Link {
  socket?: RtcSocket;
  welcomed: boolean;
  dead: boolean;
}

interface Pending {
  kind: RequestKind;
  frame: string;
  resolve(answer: unknown): void;
  reject(err: RtcRoomError): void;
  onAnswer?: (answer: never) => void;
  timer?: TimerHandle;
  sent: boolean;
}

export class Transport {
  state: ConnectionState = 'idle';
  welcome: Welcome | undefined;
  private url = '';
  private token: TokenSource = '';
  private link: Link | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private attempt = 0;
  private authFailures = 0;
  private reconnectTimer: TimerHandle | undefined;
  private heartbeat: TimerHandle | undefined;
  private pingOutstanding = false;
  private goAwayDelayMs: number | undefined;
  private closing = false;
  /** Ends the socket being opened, if any (close() during a connect attempt). */
  private abortOpening: ((err: RtcRoomError) => void) | undefined;

  constructor(
    private readonly options: TransportOptions,
    private readonly hooks: TransportHooks,
  ) {}

  async connect(url: string, token: TokenSource): Promise<Welcome> {
    if (this.state === 'connected' || this.state === 'connecting' || this.state === 'reconnecting') {
      throw new RtcRoomError('INVALID_ARGUMENT', `already ${this.state}; close() first`);
    }
    this.url = url;
    this.token = token;
    this.closing = false;
    this.welcome = undefined;
    this.setState({ state: 'connecting' });
    try {
      return await this.openLink();
    } catch (err) {
      const error = asRtcRoomError(err, 'CONNECT_FAILED');
      this.setState({ state: 'disconnected', reason: error.message, error });
      throw error;
    }
  }

  /** Says goodbye (close code 1000): the gateway ends the session and gives up its seats at once. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimer(this.reconnectTimer);
    this.stopHeartbeat();
    this.failAll(new RtcRoomError('CLOSED', 'the client was closed'));
    this.abortOpening?.(new RtcRoomError('CLOSED', 'the client was closed'));
    const link = this.link;
    this.link = undefined;
    if (link && !link.dead) {
      link.dead = true;
      link.socket?.close(1000, 'bye');
      // Give the close frame a moment to leave before the caller moves on.
      await new Promise<void>((resolve) => setTimer(resolve, 50));
    }
    if (this.state !== 'disconnected' && this.state !== 'idle') this.setState({ state: 'disconnected', reason: 'closed by the app' });
  }

  request<K extends RequestKind>(kind: K, body: RequestBody<K>, opts: { onAnswer?: (answer: Answer<K>) => void; timeoutMs?: number } = {}): Promise<Answer<K>> {
    if (this.state === 'idle' || this.state === 'disconnected') {
      return Promise.reject(new RtcRoomError(this.closing ? 'CLOSED' : 'NOT_CONNECTED', `not connected (${kind})`, { request: kind }));
    }
    const requestId = String(this.nextId++);
    return new Promise<Answer<K>>((resolve, reject) => {
      const entry: Pending = {
        kind,
        frame: requestFrame(requestId, kind, body),
        resolve: resolve as (a: unknown) => void,
        reject,
        onAnswer: opts.onAnswer as ((a: never) => void) | undefined,
        sent: false,
      };
      entry.timer = setTimer(() => {
        if (this.pending.get(requestId) !== entry) return;
        this.pending.delete(requestId);
        reject(new RtcRoomError('TIMEOUT', `no answer to ${kind} in time`, { request: kind }));
      }, opts.timeoutMs ?? this.options.requestTimeoutMs ?? 10_000);
      this.pending.set(requestId, entry);
      // Sent now when connected, else as soon as a socket is welcomed.
      if (this.link?.welcomed && !this.link.dead) this.send(entry);
    });
  }

  private send(entry: Pending): void {
    entry.sent = true;
    try {
      this.link?.socket?.send(entry.frame);
    } catch {
      // The socket is going away; its close reconnects and the request fails with CONNECTION_LOST.
    }
  }

  /** True when the token comes from a provider (asked for a fresh one on reconnects and refreshes). */
  get hasTokenProvider(): boolean {
    return typeof this.token === 'function';
  }

  /** The token to present now: the fixed one, or a fresh one from the provider. */
  async currentToken(): Promise<string> {
    return typeof this.token === 'function' ? await this.token() : this.token;
  }

  /** A fixed token was refreshed on the connection: reconnects present the fresh one too. */
  tokenRefreshed(token: string): void {
    if (typeof this.token === 'string') this.token = token;
  }

  /** True when a lost connection is followed by reconnect attempts. */
  get reconnects(): boolean {
    return this.options.reconnect?.enabled !== false;
  }

  private async openLink(): Promise<Welcome> {
    const token = await this.currentToken();
    if (this.closing) throw new RtcRoomError('CLOSED', 'the client was closed');
    const query = [`access_token=${encodeURIComponent(token)}`];
    if (this.welcome?.resumeToken) query.push(`resume_token=${encodeURIComponent(this.welcome.resumeToken)}`);
    const url = `${this.url}${this.url.includes('?') ? '&' : '?'}${query.join('&')}`;
    return new Promise<Welcome>((resolve, reject) => {
      const link: Link = { welcomed: false, dead: false };
      let refused: RtcRoomError | undefined;
      const fail = (err: RtcRoomError) => {
        if (link.dead) return;
        link.dead = true;
        clearTimer(timer);
        this.abortOpening = undefined;
        link.socket?.close(4000, 'gave up');
        reject(err);
      };
      this.abortOpening = fail;
      const timer = setTimer(() => fail(new RtcRoomError('CONNECT_FAILED', 'no welcome in time')), this.options.connectTimeoutMs ?? 10_000);
      const welcomed = (w: Welcome) => {
        link.welcomed = true;
        clearTimer(timer);
        this.abortOpening = undefined;
        this.adopt(link, w);
        resolve(w);
      };
      try {
        link.socket = this.options.socket(url, {
          open: () => undefined,
          message: (text) => {
            if (link.dead) return;
            const frame = parse(text);
            if (!frame) return;
            if (link.welcomed) this.onFrame(link, frame);
            else if (frame.welcome) welcomed(frame.welcome);
            else if (frame.error && !frame.requestId) refused = new RtcRoomError(frame.error.code, frame.error.message);
          },
          close: (code, reason) => {
            if (link.welcomed) this.lost(link, `closed (${code}${reason ? ` ${reason}` : ''})`);
            else fail(refused ?? new RtcRoomError('CONNECT_FAILED', `closed before the welcome (${code}${reason ? ` ${reason}` : ''})`));
          },
          error: (message) => {
            if (link.welcomed) this.lost(link, message);
            else fail(refused ?? new RtcRoomError('CONNECT_FAILED', message));
          },
        });
      } catch (err) {
        fail(asRtcRoomError(err, 'CONNECT_FAILED'));
      }
    });
  }

  /** A socket was welcomed: it is the connection now. */
  private adopt(link: Link, welcome: Welcome): void {
    this.link = link;
    this.welcome = welcome;
    this.attempt = 0;
    this.authFailures = 0;
    this.setState({ state: 'connected' });
    this.startHeartbeat(welcome.pingIntervalMs || 5000);
    this.hooks.welcome(welcome);
    for (const entry of this.pending.values()) if (!entry.sent) this.send(entry);
  }

  private onFrame(link: Link, frame: Frame): void {
    if (frame.goAway) {
      this.goAwayDelayMs = frame.goAway.reconnectAfterMs;
      return;
    }
    const entry = frame.requestId ? this.pending.get(frame.requestId) : undefined;
    if (!entry) {
      this.hooks.frame(frame);
      return;
    }
    this.pending.delete(frame.requestId!);
    clearTimer(entry.timer);
    if (frame.error) {
      entry.reject(new RtcRoomError(frame.error.code, frame.error.message, { request: entry.kind }));
      return;
    }
    const answer = frame[entry.kind] ?? readAnswer(entry.kind);
    // Run before anything else is read off the socket, so room state follows the frames' order.
    try {
      entry.onAnswer?.(answer as never);
    } finally {
      entry.resolve(answer);
    }
  }

  /** The socket is gone (closed, failed or silent): fail what it carried and reconnect. */
  private lost(link: Link, reason: string): void {
    if (link.dead) return;
    link.dead = true;
    if (this.link !== link) return;
    this.link = undefined;
    this.stopHeartbeat();
    for (const [id, entry] of this.pending) {
      if (!entry.sent) continue;
      this.pending.delete(id);
      clearTimer(entry.timer);
      entry.reject(new RtcRoomError('CONNECTION_LOST', `the connection was lost before ${entry.kind} was answered; it may or may not have been carried out`, { request: entry.kind }));
    }
    if (this.closing) return;
    if (this.options.reconnect?.enabled === false) {
      this.giveUp(new RtcRoomError('CONNECTION_LOST', reason), reason);
      return;
    }
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string, error?: RtcRoomError): void {
    const max = this.options.reconnect?.maxAttempts ?? Infinity;
    if (this.attempt >= max) {
      this.giveUp(error ?? new RtcRoomError('CONNECTION_LOST', `gave up after ${max} reconnect attempts`), reason);
      return;
    }
    const delayMs = this.goAwayDelayMs ?? backoffDelay(this.attempt, this.options.reconnect, this.options.random);
    this.goAwayDelayMs = undefined;
    this.attempt++;
    this.setState({ state: 'reconnecting', attempt: this.attempt, delayMs, reason, error });
    this.reconnectTimer = setTimer(() => void this.reconnect(), delayMs);
  }

  private async reconnect(): Promise<void> {
    if (this.closing) return;
    try {
      await this.openLink();
    } catch (err) {
      if (this.closing) return;
      const error = asRtcRoomError(err, 'CONNECT_FAILED');
      if (authErrorCodes.has(error.code)) {
        // A fixed token will not get better; a token provider gets one more chance to give a fresh one.
        this.authFailures++;
        if (typeof this.token !== 'function' || this.authFailures >= 2) {
          this.giveUp(error, error.message);
          return;
        }
      }
      this.scheduleReconnect(error.message, error);
    }
  }

  private giveUp(error: RtcRoomError, reason: string): void {
    this.failAll(error);
    this.setState({ state: 'disconnected', reason, error });
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    const timeoutMs = this.options.heartbeatTimeoutMs ?? Math.max(2 * intervalMs, 4000);
    this.heartbeat = setRepeating(() => {
      const link = this.link;
      if (!link || this.pingOutstanding) return;
      this.pingOutstanding = true;
      this.request('ping', {}, { timeoutMs })
        .catch((err: RtcRoomError) => {
          if (err.code !== 'TIMEOUT' || this.link !== link) return;
          // The network is gone without a word: do not wait for a close that may never come.
          if (link.socket?.terminate) link.socket.terminate();
          else link.socket?.close(4000, 'heartbeat timeout');
          this.lost(link, 'no answer to ping in time');
        })
        .finally(() => (this.pingOutstanding = false));
    }, intervalMs);
  }

  private stopHeartbeat(): void {
    clearRepeating(this.heartbeat);
    this.heartbeat = undefined;
    this.pingOutstanding = false;
  }

  private failAll(error: RtcRoomError): void {
    for (const entry of this.pending.values()) {
      clearTimer(entry.timer);
      entry.reject(error.forRequest(entry.kind));
    }
    this.pending.clear();
  }

  private setState(change: Omit<ConnectionStateChange, 'previous'>): void {
    const previous = this.state;
    this.state = change.state;
    this.hooks.state({ ...change, previous });
  }
}

function parse(text: string): Frame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? readServerMessage(value) : null;
}
