// One client's WebSocket: its identity, session, the rooms it holds seats in, liveness, and a guarded
// way to send (a consumer too slow to drain its socket is cut off rather than growing memory).
import type { GatewayMetrics } from '../gateway-metrics';
import { AccessClaims, Logger } from '@rtcroom/common';
import { gatewayv1, mediav1 } from '@rtcroom/proto';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { toClientError } from '../errors';
import { FailureLog } from './failure-log';
import { encodeServerMessage } from './frames';
import type { TurnWrites } from './turn-writes';

/** A seat this connection holds, and the last room event seq it has been given. */
export interface HeldSeat {
  roomId: string;
  memberId: string;
  lastSeq: number;
  /** The member's kind: the play URLs this seat is given are signed for it. */
  kind: mediav1.ClientKind;
}

/** Documented in gateway.proto's header comment and the README; stable. */
export const closeCodes = {
  /**
   * The access token is refused: missing, invalid or expired at connect, or expired during the
   * session without a refresh. The error frame before it (and the close reason) says which:
   * UNAUTHENTICATED or TOKEN_EXPIRED.
   */
  unauthenticated: 4001,
  sessionExpired: 4002,
  // 4008 (slow consumer) is no longer sent: such a client is cut off without a close frame (cutOff).
  pingTimeout: 4009,
  goingAway: 1001,
  internal: 1011,
  /** Too many connections waiting to open here: come back after the GoAway's reconnect_after_ms (open-gate.ts). */
  tryAgainLater: 1013,
};

/** ws sends a Buffer as a binary frame unless told otherwise; the protocol's frames are text. */
const textFrame = { binary: false };

export class Connection {
  readonly seats = new Map<string, HeldSeat>();
  /** Joins in flight: events of rooms not yet held are kept until each join answers. */
  pendingJoins = 0;
  /** A request for a seat failed without a clear answer (timeout, service down): it may hold one. */
  seatInDoubt = false;
  lastHeardAt = Date.now();
  closed = false;
  /** The token exp (UNIX seconds) the client was last told is near (tokenExpiring), once per token. */
  expiryNoticeSentFor = 0;
  /**
   * What the client plays and pushes with (?client_kind= at connect; a mini-program by default): the
   * kind of its seats when a request does not say, and of the play URL an incoming call carries.
   */
  kind: mediav1.ClientKind = mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM;
  private readonly failures: FailureLog;

  constructor(
    readonly socket: WebSocket,
    /** Empty until the session is opened (or resumed). */
    public sessionId: string,
    /** The access token's claims; a refreshToken replaces them (its grants apply from then on). */
    public claims: AccessClaims,
    /** The connection's logger: its lines name the connection (connectionId). */
    readonly log: Logger,
    private readonly maxBufferedBytes: number,
    private readonly metrics?: GatewayMetrics,
    /** The socket under the WebSocket, and where its frames of a turn are held to leave in one write. */
    private readonly batched?: { raw: Duplex; turn: TurnWrites },
  ) {
    this.failures = new FailureLog(log);
  }

  get identity(): string {
    return this.claims.sub;
  }

  send(message: gatewayv1.ServerMessage): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    this.sendFrame(encodeServerMessage(message));
  }

  /**
   * A message already encoded (the same notice to several connections is encoded once, to UTF-8 bytes
   * as well: a string would be converted again for every recipient). Always a text frame.
   */
  sendFrame(frame: string | Buffer): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.log.warn('slow consumer cut off', { sessionId: this.sessionId, buffered: this.socket.bufferedAmount });
      this.metrics?.cutOff.inc({ reason: 'slow_consumer' });
      this.cutOff();
      return;
    }
    this.metrics?.framesSent.inc();
    this.batched?.turn.hold(this.batched.raw);
    this.socket.send(frame, textFrame);
    this.batched?.turn.wrote(this.batched.raw);
  }

  reply(requestId: string, message: gatewayv1.ServerMessage['message']): void {
    this.send({ requestId, message });
  }

  /**
   * Answers a request (or an undecodable frame) with its error, and logs it as failure-log.ts says:
   * `requestId` is the client's id for it, `serverRequestId` the gateway's (the log's requestId).
   */
  fail(requestId: string, err: unknown, request?: string, serverRequestId?: string): void {
    const { code, message } = toClientError(err);
    this.failures.note(code, message, err, { sessionId: this.sessionId, identity: this.identity, request, requestId: serverRequestId, clientRequestId: requestId || undefined });
    this.send({ requestId, message: { $case: 'error', value: { code, message } } });
  }

  /**
   * Drops the socket at once, without a close handshake: a client that does not read its socket would
   * never read a close frame either (it would sit behind the unsent data), and ws waits 30 s for the
   * answer, during which the session looked connected. The 'close' event follows at once, so the
   * session is interrupted (resumable) like any other drop and the room hears of it.
   */
  cutOff(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.terminate();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close(code, reason.slice(0, 120));
    } catch {
      this.socket.terminate();
    }
  }
}
