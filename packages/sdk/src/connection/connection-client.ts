// The client's first layer: events, and the connection itself (connect, token refresh, ping, close).
// RtcRoomClient is built in layers, one concept each, each adding its methods to the one below:
// connection -> rooms (rooms/rooms-client.ts) -> calls (calls/calls-client.ts) -> desk
// (desk/desk-client.ts) -> RtcRoomClient (client.ts). So apps keep one flat API, and each concept's
// methods and state live together. A layer takes its part of what comes in by extending onWelcome,
// onFrame and forget, and handing the rest to the layer below.
import { Emitter, Listener } from '../emitter.js';
import { RtcRoomError } from '../errors.js';
import type { RtcRoomEvents } from '../events.js';
import { detectLocale, Locale } from '../i18n/locale.js';
import { describeError } from '../i18n/translate.js';
import type { ClientKind, ServerMessage, Welcome } from '../protocol.js';
import type { BackoffOptions } from './backoff.js';
import { browserSocket } from './socket-websocket.js';
import type { SocketAdapter } from './socket.js';
import { KeptSession, type ResumeStore } from './resume-store.js';
import { TokenRefresher } from './token-refresh.js';
import { ConnectionState, TokenSource, Transport } from './transport.js';

export interface RtcRoomClientOptions {
  /** How to open a WebSocket: browserSocket() (default), nodeSocket(WebSocket from 'ws'), wxSocket(wx). */
  socket?: SocketAdapter;
  /** Back-off between reconnect attempts, and how many (default: no limit); enabled: false never reconnects. */
  reconnect?: BackoffOptions & { maxAttempts?: number; enabled?: boolean };
  /** A request unanswered this long fails with TIMEOUT (ms, default 10 000). */
  requestTimeoutMs?: number;
  /** No welcome this long after opening a socket: the attempt failed (ms, default 10 000). */
  connectTimeoutMs?: number;
  /** A ping unanswered this long means the connection is dead (ms, default max(2 x ping interval, 4000)). */
  heartbeatTimeoutMs?: number;
  /**
   * The language of describeError and of diagnostics' `message`: 'zh-CN' or 'en' (any Chinese tag,
   * e.g. WeChat's 'zh_CN', is zh-CN; any other is en). Default: the platform's (wx.getAppBaseInfo()
   * or wx.getSystemInfoSync() in a mini-program, navigator.language in a browser, Intl in Node).
   */
  locale?: string;
  random?: () => number;
  /**
   * What this client plays and pushes with: 'CLIENT_KIND_BROWSER' for a web page, whose push and play
   * URLs then carry webrtcUrl (WebRTC); unset, a mini-program (<live-pusher>/<live-player>, RTMP).
   * Every seat it takes (joins, calls, team calls) and every incoming call's play URL follows it.
   */
  kind?: ClientKind;
  /**
   * Where to keep the session across a reload: webStorageResumeStore() in a browser (the tab's
   * sessionStorage), wxResumeStore(wx) in a mini-program. A client started again within the server's
   * resume grace (20 s) then resumes the session, and joining a room it still sits in takes the same
   * seat back (a fresh push URL): the others see it dropped and back, not leave and join. Unset: the
   * session lives as long as this client.
   */
  resumeStore?: ResumeStore;
  /**
   * A seat the resumed session holds that no join of this client takes back within this long (ms,
   * default 15 000) is given up: a page reloaded into somewhere else leaves no one sitting in the room.
   */
  unclaimedSeatMs?: number;
}

export abstract class ConnectionClient {
  protected readonly events = new Emitter<RtcRoomEvents>();
  protected readonly transport: Transport;
  /** The session as kept across a reload (a no-op without a resumeStore). */
  protected readonly kept: KeptSession;
  /** See RtcRoomClientOptions.unclaimedSeatMs. */
  protected readonly unclaimedSeatMs: number;
  private readonly tokens: TokenRefresher;
  private language: Locale;

  constructor(options: RtcRoomClientOptions = {}) {
    this.language = detectLocale(options.locale);
    const kept = new KeptSession(options.resumeStore);
    this.kept = kept;
    this.unclaimedSeatMs = options.unclaimedSeatMs ?? 15_000;
    this.transport = new Transport(
      {
        socket: options.socket ?? browserSocket(),
        reconnect: options.reconnect,
        requestTimeoutMs: options.requestTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        random: options.random,
        kind: options.kind,
        savedResumeToken: () => kept.resumeToken,
      },
      {
        welcome: (w) => {
          this.welcomes++;
          this.onWelcome(w);
        },
        frame: (f) => this.onFrame(f),
        state: (change) => this.events.emit('connectionState', change),
        waiting: (position, expectedWaitMs) => this.events.emit('connectionWaiting', { position, expectedWaitMs }),
      },
    );
    this.tokens = new TokenRefresher(this.events, this.transport);
    this.events.on('seatLost', ({ roomId }) => kept.unseated(roomId));
    this.events.on('memberRole', (e) => e.self && kept.roleChanged(e.roomId, e.member.role === 'MEMBER_ROLE_AUDIENCE' ? 'audience' : 'seat'));
  }

  // ---- events

  on<K extends keyof RtcRoomEvents>(event: K, listener: Listener<RtcRoomEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  once<K extends keyof RtcRoomEvents>(event: K, listener: Listener<RtcRoomEvents[K]>): () => void {
    return this.events.once(event, listener);
  }

  off<K extends keyof RtcRoomEvents>(event: K, listener: Listener<RtcRoomEvents[K]>): void {
    this.events.off(event, listener);
  }

  // ---- language

  /** The client's language: 'zh-CN' or 'en'. Set it (any tag, e.g. 'zh_CN') when the user switches. */
  get locale(): Locale {
    return this.language;
  }

  set locale(tag: string) {
    this.language = detectLocale(tag);
  }

  /**
   * What went wrong, for the user, in the client's language: an RtcRoomError's code as a sentence
   * (ROOM_FULL: "房间人数已满。"); anything else, its own message. The server's English detail stays in
   * err.message, for logs.
   */
  describeError(err: unknown): string {
    return describeError(err, this.language);
  }

  // ---- connection

  get state(): ConnectionState {
    return this.transport.state;
  }

  /** Your identity (the access token's subject), once connected. */
  get identity(): string {
    return this.transport.welcome?.identity ?? '';
  }

  get sessionId(): string {
    return this.transport.welcome?.sessionId ?? '';
  }

  /**
   * Connects to the gateway (ws(s)://host/v1/ws) and resolves with the welcome. `token` is an access
   * token or a function that fetches one (asked again on every reconnect, and before the token in
   * use expires, so the connection outlives each token: see refreshToken).
   * Rejects with RtcRoomError: UNAUTHENTICATED, TOKEN_EXPIRED, CONNECT_FAILED.
   */
  connect(url: string, token: TokenSource): Promise<Welcome> {
    return this.transport.connect(url, token);
  }

  /**
   * Replaces the connection's access token without reconnecting: with `token` (a fixed token's
   * successor, also used for later reconnects), or a fresh one from the token provider. The session
   * and seats stay; the new token's grants apply from then on. With a provider the client does this
   * by itself when the gateway says the token expires soon (tokenExpiring).
   * Errors: PERMISSION_DENIED (another identity's token), UNAUTHENTICATED, TOKEN_EXPIRED, TOKEN_REFRESH_FAILED.
   */
  refreshToken(token?: string): Promise<{ expireTime: string }> {
    return this.tokens.refresh(token);
  }

  /** Says goodbye: the session ends and every seat is given up at once. */
  async close(): Promise<void> {
    await this.transport.close();
    this.kept.ended();
    this.forget();
  }

  ping(): Promise<void> {
    return this.transport.request('ping', {}).then(() => undefined);
  }

  /** @internal Emits a pusher or player diagnostic for handlePusherStateChange / handlePlayerStateChange. */
  diagnose<K extends 'pusherState' | 'playerState'>(kind: K, event: RtcRoomEvents[K]): void {
    this.events.emit(kind, event);
  }

  // ---- what comes in, for the layers above to extend

  /** Welcomes this client had, the one being handled included. */
  private welcomes = 0;

  /** The welcome being handled is this client's first (after a reload: maybe a session resumed from its store). */
  protected get firstWelcome(): boolean {
    return this.welcomes === 1;
  }

  /** A socket was welcomed (a first connect, or a reconnect that may have resumed the session). */
  protected onWelcome(welcome: Welcome): void {
    this.kept.welcomed(welcome);
    this.events.emit('session', welcome);
  }

  /** A frame that answers no request: the token's, and an error no request waits for. */
  protected onFrame(frame: ServerMessage): void {
    if (this.tokens.onFrame(frame)) return;
    if (frame.error) this.events.emit('error', new RtcRoomError(frame.error.code, frame.error.message));
  }

  /** The client was closed: whatever it knew of rooms and calls is gone. */
  protected forget(): void {
    // Nothing is kept at this layer.
  }
}
