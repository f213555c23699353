// One logical connection to the gateway over as many sockets as it takes: connects and waits for the
// welcome (link.ts), sends requests and matches their answers (pending-requests.ts), pings
// (heartbeat.ts), and when a socket is lost reconnects with back-off and the resume token. What the
// frames mean is the client's business (connection-client.ts and the layers above it).
import { asRtcRoomError, authErrorCodes, RtcRoomError } from '../errors.js';
import type { Answer, ClientKind, RequestBody, RequestKind, ServerMessage, Welcome } from '../protocol.js';
import { clearTimer, setTimer, TimerHandle } from '../timers.js';
import { backoffDelay, BackoffOptions } from './backoff.js';
import { startHeartbeat } from './heartbeat.js';
import { Link, linkUrl, openLink } from './link.js';
import { PendingRequests, RequestOptions } from './pending-requests.js';
import type { SocketAdapter } from './socket.js';

/** How many times a first connect() comes back to a gateway that sent it away busy before it fails. */
const maxSentAwayOnConnect = 10;

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
  /** What this client plays and pushes with (see RtcRoomClientOptions.kind). */
  kind?: ClientKind;
  /** A resume token kept from an earlier client (resume-store.ts), for a connect with no welcome of its own yet. */
  savedResumeToken?: () => string | undefined;
}

export interface TransportHooks {
  /** A socket was welcomed (first connect or reconnect); frames after it follow. */
  welcome(welcome: Welcome): void;
  /** A frame that answers no request: a notice, a call notice, an unsolicited error. */
  frame(frame: ServerMessage): void;
  state(change: ConnectionStateChange): void;
  /** Connecting: the gateway holds the connection in line behind others opening (a storm of reconnects). */
  waiting(position: number, expectedWaitMs: number): void;
}

export class Transport {
  state: ConnectionState = 'idle';
  welcome: Welcome | undefined;
  private url = '';
  private token: TokenSource = '';
  private link: Link | undefined;
  private readonly requests: PendingRequests;
  private attempt = 0;
  private authFailures = 0;
  private reconnectTimer: TimerHandle | undefined;
  private stopHeartbeat = (): void => undefined;
  private goAwayDelayMs: number | undefined;
  private closing = false;
  /** Gives up on the socket being opened, if any (close() during a connect attempt). */
  private abortOpening: (err: RtcRoomError) => void = () => undefined;

  constructor(
    private readonly options: TransportOptions,
    private readonly hooks: TransportHooks,
  ) {
    this.requests = new PendingRequests(options.requestTimeoutMs ?? 10_000);
  }

  async connect(url: string, token: TokenSource): Promise<Welcome> {
    if (this.state === 'connected' || this.state === 'connecting' || this.state === 'reconnecting') {
      throw new RtcRoomError('INVALID_ARGUMENT', `already ${this.state}; close() first`);
    }
    this.url = url;
    this.token = token;
    this.closing = false;
    this.welcome = undefined;
    this.setState({ state: 'connecting' });
    for (let sentAway = 0; ; sentAway++) {
      try {
        return await this.openLink();
      } catch (err) {
        const error = asRtcRoomError(err, 'CONNECT_FAILED');
        // A busy gateway sent it away with a time to come back: it comes back, a few times.
        if (error.retryAfterMs !== undefined && sentAway < maxSentAwayOnConnect && !this.closing && (await this.comeBackAfter(error.retryAfterMs))) continue;
        this.setState({ state: 'disconnected', reason: error.message, error });
        throw error;
      }
    }
  }

  /** Waits before connecting again as a busy gateway asked; false if the client was closed meanwhile. */
  private comeBackAfter(delayMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.reconnectTimer = setTimer(() => resolve(!this.closing), delayMs);
      this.abortOpening = () => {
        clearTimer(this.reconnectTimer);
        resolve(false);
      };
    });
  }

  /** Says goodbye (close code 1000): the gateway ends the session and gives up its seats at once. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimer(this.reconnectTimer);
    this.stopHeartbeat();
    this.requests.failAll(new RtcRoomError('CLOSED', 'the client was closed'));
    this.abortOpening(new RtcRoomError('CLOSED', 'the client was closed'));
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

  /** Sends a request now when connected, else as soon as a socket is welcomed; resolves with its answer. */
  request<K extends RequestKind>(kind: K, body: RequestBody<K>, options: RequestOptions<K> = {}): Promise<Answer<K>> {
    if (this.state === 'idle' || this.state === 'disconnected') {
      return Promise.reject(new RtcRoomError(this.closing ? 'CLOSED' : 'NOT_CONNECTED', `not connected (${kind})`, { request: kind }));
    }
    return this.requests.add(kind, body, options, (frame) => {
      if (!this.link?.welcomed || this.link.dead) return false;
      this.send(frame);
      return true;
    });
  }

  private send(frame: string): void {
    try {
      this.link?.socket?.send(frame);
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
    const opening = openLink(this.options.socket, linkUrl(this.url, token, this.welcome?.resumeToken ?? this.options.savedResumeToken?.(), this.options.kind), this.options.connectTimeoutMs ?? 10_000, {
      welcomed: (link, welcome) => this.adopt(link, welcome),
      frame: (link, frame) => this.onFrame(frame),
      lost: (link, reason) => this.lost(link, reason),
      waiting: (position, expectedWaitMs) => this.hooks.waiting(position, expectedWaitMs),
    });
    this.abortOpening = opening.abort;
    return opening.welcome;
  }

  /** A socket was welcomed: it is the connection now. */
  private adopt(link: Link, welcome: Welcome): void {
    this.link = link;
    this.welcome = welcome;
    this.attempt = 0;
    this.authFailures = 0;
    this.setState({ state: 'connected' });
    this.startHeartbeat(link, welcome.pingIntervalMs || 5000);
    this.hooks.welcome(welcome);
    this.requests.sendWaiting((frame) => this.send(frame));
  }

  private onFrame(frame: ServerMessage): void {
    if (frame.goAway) this.goAwayDelayMs = frame.goAway.reconnectAfterMs;
    else if (!this.requests.settle(frame)) this.hooks.frame(frame);
  }

  /** The socket is gone (closed, failed or silent): fail what it carried and reconnect. */
  private lost(link: Link, reason: string): void {
    if (link.dead) return;
    link.dead = true;
    if (this.link !== link) return;
    this.link = undefined;
    this.stopHeartbeat();
    this.requests.failSent();
    if (this.closing) return;
    if (!this.reconnects) {
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
      // A busy gateway sent it away: back when it said, not at the back-off's pace.
      if (error.retryAfterMs !== undefined) this.goAwayDelayMs = error.retryAfterMs;
      if (authErrorCodes.has(error.code)) {
        // A fixed token will not get better; a token provider gets one more chance to give a fresh one.
        this.authFailures++;
        if (!this.hasTokenProvider || this.authFailures >= 2) {
          this.giveUp(error, error.message);
          return;
        }
      }
      this.scheduleReconnect(error.message, error);
    }
  }

  private giveUp(error: RtcRoomError, reason: string): void {
    this.requests.failAll(error);
    this.setState({ state: 'disconnected', reason, error });
  }

  private startHeartbeat(link: Link, intervalMs: number): void {
    this.stopHeartbeat();
    const timeoutMs = this.options.heartbeatTimeoutMs ?? Math.max(2 * intervalMs, 4000);
    this.stopHeartbeat = startHeartbeat(link, intervalMs, () => this.request('ping', {}, { timeoutMs }), (silent) => this.lost(silent, 'no answer to ping in time'));
  }

  private setState(change: Omit<ConnectionStateChange, 'previous'>): void {
    const previous = this.state;
    this.state = change.state;
    this.hooks.state({ ...change, previous });
  }
}
