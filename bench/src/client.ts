// A load client over `ws` that behaves like the SDK: connect with a token, await `welcome`, send
// requests with request ids, receive notices, heartbeat with `ping`, leave and close. It records the
// monotonic time of every send and receive; it never throws on a protocol failure, it reports it.
import WebSocket from 'ws';
import { nowMs } from './clock';
import { seqOf, type ClientRequest, type ServerFrame, type WireCallNotice, type WireNotice, type WireWelcome } from './protocol';

export interface Reply {
  frame: ServerFrame;
  sentAt: number;
  at: number;
}

export interface OpenOptions {
  timeoutMs: number;
  onNotice?: (notice: WireNotice, at: number, client: BenchClient) => void;
  /** Call notices (the gateway-interest scenario's calls step). */
  onCallNotice?: (notice: WireCallNotice, client: BenchClient) => void;
  onClose?: (client: BenchClient) => void;
  /** Told it waits in line for its welcome (the gateway's admission control). */
  onWaiting?: () => void;
}

/** Why a connection never got its welcome: the gateway's error code, or a BENCH_* code of our own. */
export class OpenError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** A busy gateway sent the connection away before its welcome: come back after this long. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'OpenError';
  }
}

interface Pending {
  resolve: (reply: Reply) => void;
  sentAt: number;
  timer: NodeJS.Timeout;
}

export class BenchClient {
  /** Notices whose seq jumped past the one expected next (the client missed some). */
  seqGaps = 0;
  /** Frames that were not JSON, or answered no request we had pending. */
  strayFrames = 0;
  closed = false;
  pingIntervalMs = 0;
  /** The welcome as it came (resume token, seats held). */
  welcome: WireWelcome = {};
  /** Set by a goAway frame: the gateway asked for a reconnect elsewhere after this long. */
  goAwayAfterMs: number | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly lastSeq = new Map<string, number>();
  private nextRequestId = 1;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ws: WebSocket,
    readonly identity: string,
    readonly openedAt: number,
    readonly welcomedAt: number,
    private readonly options: OpenOptions,
  ) {}

  /** Connects and resolves on `welcome`; rejects with an OpenError otherwise. */
  static open(url: string, identity: string, options: OpenOptions): Promise<BenchClient> {
    const openedAt = nowMs();
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: options.timeoutMs });
      let settled = false;
      let retryAfterMs: number | undefined;
      const fail = (code: string, message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(new OpenError(code, message, retryAfterMs));
      };
      let toldWaiting = false;
      const noWelcome = () => fail(toldWaiting ? 'BENCH_TIMEOUT_IN_LINE' : 'BENCH_TIMEOUT', `no welcome within ${options.timeoutMs} ms`);
      let timer = setTimeout(noWelcome, options.timeoutMs);
      ws.on('error', (err) => fail('BENCH_SOCKET', err.message));
      ws.on('close', (code) => fail('BENCH_CLOSED', `closed (${code}) before welcome`));
      ws.on('message', (data) => {
        const frame = parse(data);
        // As the SDK does: in line, it waits longer; sent away, it comes back when told (link.ts).
        if (frame?.waiting) {
          options.onWaiting?.();
          toldWaiting = true;
          clearTimeout(timer);
          timer = setTimeout(noWelcome, options.timeoutMs + (frame.waiting.expectedWaitMs ?? 0));
        } else if (frame?.goAway) {
          retryAfterMs = frame.goAway.reconnectAfterMs ?? 0;
        } else if (frame?.welcome) {
          settled = true;
          clearTimeout(timer);
          ws.removeAllListeners();
          const client = new BenchClient(ws, identity, openedAt, nowMs(), options);
          client.pingIntervalMs = frame.welcome.pingIntervalMs ?? 0;
          client.welcome = frame.welcome;
          client.attach();
          resolve(client);
        } else {
          fail(frame?.error?.code ?? 'BENCH_NO_WELCOME', frame?.error?.message ?? 'first frame was not welcome');
        }
      });
    });
  }

  /** Sends a request; resolves with its response, an `error` frame, or a BENCH_TIMEOUT/BENCH_CLOSED error. */
  request(body: ClientRequest, timeoutMs: number): Promise<Reply> {
    const requestId = String(this.nextRequestId++);
    const sentAt = nowMs();
    if (this.closed) return Promise.resolve(localError('BENCH_CLOSED', sentAt));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve(localError('BENCH_TIMEOUT', sentAt));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, sentAt, timer });
      this.ws.send(JSON.stringify({ requestId, ...body }));
    });
  }

  /** Pings every `intervalMs` (first one at a random point of the interval, so clients spread out). */
  startHeartbeat(intervalMs: number, onRtt: (ms: number) => void, onFailure: (code: string) => void): void {
    this.stopHeartbeat();
    const beat = async () => {
      const reply = await this.request({ ping: {} }, intervalMs);
      if (reply.frame.ping) onRtt(reply.at - reply.sentAt);
      else if (!this.closed) onFailure(reply.frame.error?.code ?? 'BENCH_BAD_REPLY');
    };
    this.heartbeat = setTimeout(() => {
      void beat();
      this.heartbeat = setInterval(() => void beat(), intervalMs);
    }, Math.random() * intervalMs);
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Closes politely; terminates if the close handshake does not finish within `graceMs`. */
  close(graceMs = 2000): Promise<void> {
    this.stopHeartbeat();
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, graceMs);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000);
    });
  }

  /** The last seq seen of a room (from its join answer, notices and syncs). */
  seqAt(roomId: string): number | undefined {
    return this.lastSeq.get(roomId);
  }

  /** Records the seq a join response announced: notices of that room continue from it. */
  noteSeq(roomId: string, seq: string | number | undefined): void {
    const value = seqOf(seq);
    if (value === undefined) return;
    this.lastSeq.set(roomId, Math.max(value, this.lastSeq.get(roomId) ?? value));
  }

  private attach(): void {
    this.ws.on('message', (data) => this.receive(data));
    this.ws.on('error', () => undefined); // the close that follows is what matters
    this.ws.on('close', () => {
      this.closed = true;
      this.stopHeartbeat();
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.resolve(localError('BENCH_CLOSED', p.sentAt));
        this.pending.delete(id);
      }
      this.options.onClose?.(this);
    });
  }

  private receive(data: WebSocket.RawData): void {
    const at = nowMs();
    const frame = parse(data);
    if (!frame) {
      this.strayFrames++;
      return;
    }
    if (frame.notice) {
      this.trackSeq(frame.notice);
      this.options.onNotice?.(frame.notice, at, this);
      return;
    }
    if (frame.callNotice) {
      this.options.onCallNotice?.(frame.callNotice, this);
      return;
    }
    if (frame.goAway) {
      this.goAwayAfterMs = frame.goAway.reconnectAfterMs ?? 0;
      return;
    }
    const pending = frame.requestId !== undefined ? this.pending.get(frame.requestId) : undefined;
    if (!pending) {
      this.strayFrames++;
      return;
    }
    this.pending.delete(frame.requestId!);
    clearTimeout(pending.timer);
    pending.resolve({ frame, sentAt: pending.sentAt, at });
  }

  private trackSeq(notice: WireNotice): void {
    const seq = seqOf(notice.seq);
    if (seq === undefined || !notice.roomId) return;
    const last = this.lastSeq.get(notice.roomId);
    if (last !== undefined && seq > last + 1) this.seqGaps++;
    this.lastSeq.set(notice.roomId, Math.max(seq, last ?? seq));
  }
}

function parse(data: WebSocket.RawData): ServerFrame | undefined {
  try {
    const value: unknown = JSON.parse(data.toString());
    return value && typeof value === 'object' ? (value as ServerFrame) : undefined;
  } catch {
    return undefined;
  }
}

function localError(code: string, sentAt: number): Reply {
  return { frame: { error: { code, message: code } }, sentAt, at: nowMs() };
}
