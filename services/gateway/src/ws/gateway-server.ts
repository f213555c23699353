// The gateway's HTTP server: the WebSocket endpoint (/v1/ws), a health check, and in the embedded
// default a token endpoint for trying things out. Each socket is authenticated, registered with
// presence, kept alive, and its frames are handled one after another.
import { createServer, IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { connectionsCheckingIntervalMs, failSpan, inSpan, limitHttpServer, Logger, newId, SpanKind, verifyAccessToken } from '@rtcroom/common';
import { gatewayv1, mediav1 } from '@rtcroom/proto';
import WebSocket, { WebSocketServer } from 'ws';
import { Backends, scopedBackends } from '../backends';
import { GatewayConfig } from '../config';
import { GatewayError, toClientError } from '../errors';
import type { GatewayMetrics } from '../gateway-metrics';
import { CallFanout, lookbackMs } from '../fanout/call-fanout';
import { RoomFanout } from '../fanout/room-fanout';
import { handleRequest } from '../requests/request-handlers';
import { closeCodes, Connection } from './connection';
import { decodeClientFrame, encodeServerMessage, salvageRequestId } from './frames';
import { HandOff } from './hand-off';
import { OpenGate } from './open-gate';
import { plainPingRequestId, pongFrame } from './heartbeat-frames';
import { gatewayHttpListener, refuseUpgrade, websocketPath, writeUpgradeRefusal } from './http-routes';
import { PresenceBatch } from './presence-batch';
import { openSession } from './session-opener';
import { SessionOwners } from './session-owners';
import { TokenBucket } from './rate-limit';
import { TokenExpiry } from './token-expiry';
import { TurnWrites } from './turn-writes';
import { CloseRetries } from './close-retries';

export { websocketPath };
const maxQueuedRequests = 64;
/**
 * Connections the kernel may hold accepted for us before we take them: Node's 511 made a storm of
 * thousands reconnecting at once (a gateway restarted) wait on dropped SYNs, seconds each, before the
 * line (open-gate.ts) even saw them. Linux caps it at net.core.somaxconn (4096 by default since 5.4).
 */
const listenBacklog = 4096;
/** How often a connection waiting in line to open is told its place again (open-gate.ts). */
const waitingNoticeMs = 3000;

export class GatewayServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  /** Which connection here speaks for each session to presence (a client may resume here before its old socket is noticed gone). */
  private readonly owners = new SessionOwners<Connection>();
  private readonly turnWrites = new TurnWrites();
  private readonly tokenExpiry: TokenExpiry;
  private readonly sessions: PresenceBatch;
  /** Admission control for opening sessions (open-gate.ts). */
  readonly openGate: OpenGate;
  /** Closes presence did not take, told again (close-retries.ts). */
  readonly closeRetries: CloseRetries;
  private timers: NodeJS.Timeout[] = [];
  private keepAliveRound = 0;
  /** While the gateway drains: its sessions with seats, handed off (stop(), hand-off.ts). */
  private handOff: HandOff | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly config: GatewayConfig,
    private readonly backends: Backends,
    private readonly fanout: RoomFanout,
    private readonly calls: CallFanout,
    private readonly logger: Logger,
    private readonly metrics?: GatewayMetrics,
  ) {
    // ws enforces a hard cap; frames between maxFrameBytes and the cap get a FRAME_TOO_LARGE answer.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes * 4 });
    this.http = createServer({ connectionsCheckingInterval: connectionsCheckingIntervalMs }, gatewayHttpListener(config, () => this.connections.size, logger));
    this.sessions = new PresenceBatch(backends.presence, config.gatewayId, config.presenceBatchMs, logger);
    this.closeRetries = new CloseRetries(
      (id, resumable, holdsNoSeats) => this.sessions.close(id, resumable, holdsNoSeats),
      (id) => [...this.connections].some((c) => c.sessionId === id),
      logger,
    );
    this.openGate = new OpenGate({ maxOpening: config.maxOpening, maxWaitMs: config.maxOpenWaitMs });
    this.tokenExpiry = new TokenExpiry(config.accessTokenKeys, config.tokenExpiryNoticeMs, logger);
    // A connection must finish its upgrade request (and with it the token check) quickly: nothing
    // idles unauthenticated.
    limitHttpServer(this.http);
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  /** Path and Origin are checked before the handshake; nothing an upgrade request carries may throw out of here. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // node:http leaves an upgraded socket's errors to us: a peer resetting mid-handshake must not kill the process.
    socket.on('error', (err) => this.logger.debug('upgrade socket error', { err }));
    try {
      const refusal = refuseUpgrade(req, this.config.allowedOrigins);
      if (refusal) {
        if (refusal.code === 'ORIGIN_NOT_ALLOWED') this.logger.info('websocket refused', { reason: refusal.code, origin: req.headers.origin });
        return writeUpgradeRefusal(socket, refusal);
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.onSocket(ws, req, socket).catch((err) => {
          this.logger.error('socket handling failed', { err });
          ws.terminate();
        });
      });
    } catch (err) {
      this.logger.error('upgrade failed', { err });
      writeUpgradeRefusal(socket, { status: 500, code: 'INTERNAL', message: 'internal error' });
    }
  }

  async listen(): Promise<string> {
    const idx = this.config.address.lastIndexOf(':');
    const host = this.config.address.slice(0, idx);
    const port = Number(this.config.address.slice(idx + 1));
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ port, host, backlog: listenBacklog }, () => resolve());
    });
    const addr = this.http.address();
    const bound = typeof addr === 'object' && addr ? `${host}:${addr.port}` : this.config.address;
    this.timers.push(setInterval(() => this.checkLiveness(), Math.min(this.config.pingIntervalMs, 250)));
    this.timers.push(setInterval(() => this.openGate.waiting > 0 && this.openGate.tell(), waitingNoticeMs));
    this.keepAliveTimer = setInterval(() => void this.keepSessionsAlive(), this.config.keepAliveIntervalMs);
    return bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Tells every client to reconnect elsewhere (with jitter), then closes: sessions stay resumable. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.openGate.close(); // connections waiting to open are sent away below with the others
    // Not the keepalives (keepAliveTimer): still alive to presence through the hold, as a gateway gone
    // silent would have its sessions interrupted by presence's sweep, the very thing the hold is for.
    for (const t of this.timers) clearInterval(t);
    this.closeRetries.stop();
    // No new connections while it drains: a client sent away reconnects elsewhere, not here.
    const listenerClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // Sessions with seats are handed off for the hold (hand-off.ts), the others closed at once.
    const handOff = this.config.drainHoldMs > 0 ? new HandOff(this.config.drainHoldMs) : undefined;
    this.handOff = handOff;
    for (const conn of this.connections) {
      conn.send(goAway());
      conn.close(closeCodes.goingAway, 'gateway shutting down; reconnect');
    }
    const forgotten = Promise.all([...this.connections].map((c) => this.forget(c, true)));
    handOff?.takenOver([]); // none to hand off: no hold
    if (handOff) void this.keepSessionsAlive(); // at once: is there a gateway to take them over?
    await this.sessions.flush();
    await forgotten;
    clearInterval(this.keepAliveTimer);
    this.http.closeAllConnections();
    await listenerClosed;
  }

  /** Every log line of a connection names it (connectionId, conn.log), and each request's lines the request too. */
  private onSocket(ws: WebSocket, req: IncomingMessage, raw: Duplex): Promise<void> {
    return this.openConnection(ws, req, raw, this.logger.child({ connectionId: newId('cn') }));
  }

  private async openConnection(ws: WebSocket, req: IncomingMessage, raw: Duplex, log: Logger): Promise<void> {
    // Frames that come while the token is checked (asynchronously) wait for it, as many as one
    // connection may queue; the rate limit applies to them when they are handled.
    const early: Array<[Buffer, boolean]> = [];
    const hold = (data: Buffer, isBinary: boolean) => void (early.length < maxQueuedRequests && early.push([data, isBinary]));
    ws.on('message', hold);
    const claims = await this.authenticate(ws, req);
    ws.off('message', hold);
    if (!claims || ws.readyState !== WebSocket.OPEN) return; // refused, or gone while checked
    if (this.stopping) {
      // Upgraded just as the drain began (the listener is closed): sent away like the others.
      ws.send(encodeServerMessage(goAway()));
      ws.close(closeCodes.goingAway, 'gateway shutting down; reconnect');
      return;
    }
    const kind = this.clientKind(ws, req);
    if (kind === null) return;
    const conn = new Connection(ws, '', claims, log, this.config.maxBufferedBytes, this.metrics, { raw, turn: this.turnWrites });
    conn.kind = kind;
    this.metrics?.connectionsOpened.inc();
    this.connections.add(conn);
    let queue: Promise<void> = Promise.resolve();
    let queued = 0;
    const bucket = new TokenBucket(this.config.rateLimitPerSecond, this.config.rateLimitBurst);
    ws.on('pong', () => (conn.lastHeardAt = Date.now()));
    // A client that says goodbye (close code 1000) ends its session; any other drop keeps the seats
    // for the resume grace period.
    ws.on('close', (code: number) => void this.forget(conn, code !== 1000));
    ws.on('error', (err) => log.debug('socket error', { sessionId: conn.sessionId, err }));
    const resumeToken = new URL(req.url ?? '/', 'http://x').searchParams.get('resume_token');
    // Its turn to open (open-gate.ts): at once, after a wait in line, or sent away to come back later.
    const admission = this.openGate.enter(
      (position, expectedWaitMs) => conn.send({ requestId: '', message: { $case: 'waiting', value: { position, expectedWaitMs } } }),
      () => conn.closed,
      resumeToken !== null,
    );
    if (!(admission instanceof Promise) && !admission.admitted) return this.sendAway(conn, admission.retryAfterMs);
    // A connection's opening is a trace of its own (a resume's seats, presence's session).
    let resuming: string | undefined;
    let gone = false;
    const opened = (async () => {
      const turn = await admission;
      if (!turn) {
        gone = true; // closed while it waited: nothing was opened
        throw new GatewayError('UNAVAILABLE', 'closed while waiting to open');
      }
      this.metrics?.openWait.observe(turn.waitedMs / 1000);
      try {
        // Its calls are listened for from now on: the SUB leaves before the welcome (call-fanout.ts).
        this.calls.add(conn);
        return await inSpan('gateway connect', { kind: SpanKind.SERVER, root: true, attributes: { 'rtcroom.resume': resumeToken !== null } }, () =>
          openSession(this.backends, this.sessions, claims, resumeToken, {
            gatewayId: this.config.gatewayId,
            keys: this.config.accessTokenKeys,
            pingIntervalMs: this.config.pingIntervalMs,
            logger: log,
            beforeResume: (sessionId) => {
              resuming = sessionId;
              return this.owners.takeOver(sessionId, conn);
            },
          }),
        );
      } finally {
        turn.done();
      }
    })();
    // What frames wait for; not the session itself, which the connection would otherwise keep for life.
    let sessionReady: Promise<unknown> = opened;
    let welcomed = false;
    const onMessage = (data: Buffer, isBinary: boolean) => {
      conn.lastHeardAt = Date.now();
      this.metrics?.framesReceived.inc();
      // A heartbeat with nothing ahead of it in the queue is answered here (heartbeat-frames.ts).
      const pingId = welcomed && queued === 0 && !isBinary ? plainPingRequestId(data) : undefined;
      if (pingId !== undefined && bucket.take()) {
        conn.sendFrame(pongFrame(pingId, new Date()));
        return;
      }
      if (queued >= maxQueuedRequests || !bucket.take()) {
        this.metrics?.rateLimited.inc();
        conn.fail(salvageRequestId(data, this.config.maxFrameBytes), new GatewayError('RATE_LIMITED', 'too many requests; slow down'));
        return;
      }
      queued++;
      queue = queue.then(() => sessionReady).then(() => this.onFrame(conn, data, isBinary)).catch(() => undefined).finally(() => queued--);
    };
    ws.on('message', onMessage);
    for (const [data, isBinary] of early.splice(0)) onMessage(data, isBinary);
    let welcome: gatewayv1.Welcome;
    try {
      const session = await opened;
      sessionReady = Promise.resolve();
      conn.sessionId = session.sessionId;
      this.owners.opened(conn.sessionId, conn);
      // Refused (a new session began instead): the session asked for is not this connection's.
      if (resuming && resuming !== conn.sessionId) this.owners.handBack(resuming, conn, this.otherHolder(resuming, conn));
      welcome = session.welcome;
      // Seats a resumed session holds are not this connection's until the client syncs them.
      if (welcome.seats.length > 0) conn.seatInDoubt = true;
    } catch (err) {
      if (gone) return;
      log.error('could not open a session', { err });
      conn.fail('', err);
      conn.close(closeCodes.internal, 'presence unavailable');
      this.connections.delete(conn);
      this.calls.drop(conn);
      if (resuming) this.resumeFailed(resuming, conn);
      return;
    }
    if (conn.closed) {
      // The socket went away while the session was opening: it dropped, like any other.
      if (!this.owners.release(conn.sessionId, conn)) return; // resumed on another connection here meanwhile
      await this.owners.closingWith(conn.sessionId, this.sessions.close(conn.sessionId, true, false)).catch((err) => {
        log.warn('could not close a session that dropped while opening; trying again', { err });
        this.closeRetries.add(conn.sessionId, true, false);
      });
      return;
    }
    conn.send({ requestId: '', message: { $case: 'welcome', value: welcome } });
    welcomed = true;
    // What its calls did while it was away (a call that rang meanwhile still rings for it).
    if (welcome.resumed) this.calls.catchUpResumed(conn, welcome.resumeGraceMs + lookbackMs);
  }

  /**
   * ?client_kind=CLIENT_KIND_BROWSER (or CLIENT_KIND_MINI_PROGRAM, the default): what the client plays
   * and pushes with. Anything else is refused (an INVALID_ARGUMENT error frame, close 1008) rather
   * than taken as a mini-program, so a typo does not hand a browser RTMP URLs it cannot use.
   */
  private clientKind(ws: WebSocket, req: IncomingMessage): mediav1.ClientKind | null {
    const asked = new URL(req.url ?? '/', 'http://x').searchParams.get('client_kind');
    if (asked === null || asked === '') return mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM;
    if (asked === 'CLIENT_KIND_BROWSER') return mediav1.ClientKind.CLIENT_KIND_BROWSER;
    if (asked === 'CLIENT_KIND_MINI_PROGRAM') return mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM;
    const message = 'client_kind must be CLIENT_KIND_MINI_PROGRAM or CLIENT_KIND_BROWSER';
    ws.send(encodeServerMessage({ requestId: '', message: { $case: 'error', value: { code: 'INVALID_ARGUMENT', message } } }));
    ws.close(1008, 'INVALID_ARGUMENT');
    return null;
  }

  /** Too many connections waiting to open (open-gate.ts): when to come back, the refusal, close 1013; nothing was opened. */
  private sendAway(conn: Connection, retryAfterMs: number): void {
    this.metrics?.opensSentAway.inc();
    conn.send(goAway('too many connections opening; come back later', retryAfterMs));
    conn.fail('', new GatewayError('UNAVAILABLE', `too many connections opening here; reconnect in ${retryAfterMs} ms`));
    conn.close(closeCodes.tryAgainLater, 'busy; reconnect later');
    void this.forget(conn, false);
  }

  /** Another open connection here holding the session (its old socket, still open), if any. */
  private otherHolder(sessionId: string, conn: Connection): Connection | undefined {
    for (const c of this.connections) if (c !== conn && !c.closed && c.sessionId === sessionId) return c;
    return undefined;
  }

  /**
   * A resume failed (presence or the rooms unavailable): the session goes back to a connection still
   * holding it here; with none, presence may have moved it here already, so it is told the session
   * dropped (a no-op where presence holds it on another gateway).
   */
  private resumeFailed(sessionId: string, conn: Connection): void {
    const other = this.otherHolder(sessionId, conn);
    this.owners.handBack(sessionId, conn, other);
    if (other) return;
    void this.owners.closingWith(sessionId, this.sessions.close(sessionId, true, false)).catch(() => this.closeRetries.add(sessionId, true, false));
  }

  private async authenticate(ws: WebSocket, req: IncomingMessage) {
    const url = new URL(req.url ?? '/', 'http://x');
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = url.searchParams.get('access_token') ?? bearer ?? '';
    try {
      if (!token) throw new GatewayError('UNAUTHENTICATED', 'connect with ?access_token=<token>');
      return await verifyAccessToken(this.config.accessTokenKeys, token);
    } catch (err) {
      const { code, message } = toClientError(err);
      ws.send(encodeServerMessage({ requestId: '', message: { $case: 'error', value: { code, message } } }));
      ws.close(closeCodes.unauthenticated, code);
      return null;
    }
  }

  // requestId names a frame's request in every service's log (it goes on with the gRPC calls the
  // request makes, as x-request-id); the client's own id for it is clientRequestId.
  private async onFrame(conn: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    const requestId = newId('rq');
    let frame: gatewayv1.ClientMessage;
    try {
      if (isBinary) throw new GatewayError('MALFORMED_FRAME', 'frames are JSON text, not binary');
      frame = decodeClientFrame(data, this.config.maxFrameBytes);
    } catch (err) {
      conn.fail(salvageRequestId(data, this.config.maxFrameBytes), err, undefined, requestId);
      return;
    }
    await this.handleFrame(conn, frame, requestId);
  }

  private async handleFrame(conn: Connection, frame: gatewayv1.ClientMessage, requestId: string): Promise<void> {
    const request = frame.message!;
    // Each frame starts a trace (tracing off: the handler as it is); a failure is answered inside it.
    await inSpan(`gateway ${request.$case}`, { kind: SpanKind.SERVER, root: true, attributes: { 'rtcroom.frame': request.$case, 'rtcroom.session_id': conn.sessionId } }, async (span) => {
      try {
        const backends = scopedBackends(this.backends, requestId); // each call names the request (x-request-id)
        const ctx = { requestId: frame.requestId, conn, backends, fanout: this.fanout, calls: this.calls, tokens: this.tokenExpiry };
        const reply = await handleRequest(ctx, request);
        if (reply) conn.reply(frame.requestId, reply);
        this.metrics?.request(request.$case, 'ok');
      } catch (err) {
        if (span) failSpan(span, err);
        this.metrics?.request(request.$case, toClientError(err).code);
        conn.fail(frame.requestId, err, request.$case, requestId);
      }
    });
  }

  private checkLiveness(): void {
    const now = Date.now();
    for (const conn of this.connections) {
      if (this.tokenExpiry.check(conn, now)) {
        void this.forget(conn, true);
      } else if (now - conn.lastHeardAt > this.config.pingTimeoutMs) {
        conn.log.info('socket silent too long; dropped', { sessionId: conn.sessionId });
        this.metrics?.cutOff.inc({ reason: 'ping_timeout' });
        conn.close(closeCodes.pingTimeout, 'no ping or pong within the timeout');
        conn.socket.terminate();
        void this.forget(conn, true);
      } else if (now - conn.lastHeardAt >= this.config.pingIntervalMs && conn.socket.readyState === WebSocket.OPEN) {
        conn.socket.ping();
      }
    }
  }

  /**
   * Tells presence this gateway lives (every interval) and, every fifth time, which sessions it holds,
   * so a heartbeat stays small however many connections there are.
   */
  private async keepSessionsAlive(): Promise<void> {
    const listSessions = this.keepAliveRound++ % 5 === 0;
    const byId = new Map([...this.connections].filter((c) => c.sessionId).map((c) => [c.sessionId, c]));
    // While draining, the sessions handed off are listed every time: the ones presence no longer
    // counts as this gateway's were taken over.
    const handedOff = this.handOff?.sessionIds ?? [];
    try {
      const listsAll = listSessions || handedOff.length > 0;
      const sessionIds = listsAll ? [...byId.keys(), ...handedOff] : [];
      const { unknownSessionIds, otherGatewaysAlive } = await this.backends.presence.keepAlive({ gatewayId: this.config.gatewayId, sessionIds, listsAll });
      if (handedOff.length > 0) {
        if (otherGatewaysAlive === 0) this.handOff?.end(); // no one to hand them to
        else this.handOff?.takenOver(unknownSessionIds);
      }
      for (const id of unknownSessionIds) byId.get(id)?.close(closeCodes.sessionExpired, 'session expired; reconnect');
    } catch (err) {
      this.logger.warn('could not keep sessions alive with presence', { err });
    }
  }

  private async forget(conn: Connection, resumable: boolean): Promise<void> {
    conn.closed = true;
    if (!this.connections.delete(conn)) return;
    const holdsNoSeats = conn.seats.size === 0 && conn.pendingJoins === 0 && !conn.seatInDoubt;
    this.fanout.drop(conn);
    this.calls.drop(conn);
    if (!conn.sessionId) return; // never opened
    // Resumed on another connection here meanwhile (the client came back before this socket was seen to go): still connected.
    if (!this.owners.release(conn.sessionId, conn)) return;
    // Draining: a session with seats is handed off; one taken over elsewhere meanwhile is not closed.
    if (resumable && !holdsNoSeats && this.handOff && (await this.handOff.wait(conn.sessionId))) return;
    try {
      await inSpan('gateway disconnect', { kind: SpanKind.SERVER, root: true, attributes: { 'rtcroom.session_id': conn.sessionId, 'rtcroom.resumable': resumable } }, () =>
        this.owners.closingWith(conn.sessionId, this.sessions.close(conn.sessionId, resumable, holdsNoSeats)),
      );
    } catch (err) {
      // Told again until presence takes it (close-retries.ts).
      conn.log.warn('could not close the session with presence; trying again', { sessionId: conn.sessionId, err });
      this.closeRetries.add(conn.sessionId, resumable, holdsNoSeats);
    }
  }
}

/** Sends a client elsewhere: by default after up to a second of jitter, so a drain's clients do not all come at once. */
function goAway(reason = 'gateway shutting down', reconnectAfterMs = Math.floor(Math.random() * 1000)): gatewayv1.ServerMessage {
  return { requestId: '', message: { $case: 'goAway', value: { reason, reconnectAfterMs } } };
}
