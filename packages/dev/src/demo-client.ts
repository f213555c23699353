// A minimal client of the gateway's WebSocket protocol for the demo and the end-to-end tests: send a
// request, await its answer, collect notices. (The SDK for apps is its own package.)
import { gatewayv1 } from '@rtcroom/proto';
import WebSocket from 'ws';

type Request = NonNullable<gatewayv1.ClientMessage['message']>;
type Answer = NonNullable<gatewayv1.ServerMessage['message']>;
export type Notice = gatewayv1.RoomNotice;

export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export class DemoClient {
  readonly notices: Notice[] = [];
  readonly callNotices: gatewayv1.CallNotice[] = [];
  /** Monitor notices (a supervisor's monitored call), in order. */
  readonly monitorNotices: gatewayv1.MonitorNotice[] = [];
  private readonly callWaiters: { match: (n: gatewayv1.CallNotice) => boolean; resolve: (n: gatewayv1.CallNotice) => void }[] = [];
  /** Errors that answered no request (e.g. a refused token). */
  readonly unsolicitedErrors: gatewayv1.Error[] = [];
  welcome: gatewayv1.Welcome | undefined;
  private nextId = 1;
  private readonly waiting = new Map<string, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private readonly noticeWaiters: { match: (n: Notice) => boolean; resolve: (n: Notice) => void }[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage(String(data)));
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.waiting.values()) w.reject(new Error(`socket closed (${code})`));
      this.waiting.clear();
    });
  }

  /** Connects and waits for the welcome (or rejects with the gateway's error). */
  static async connect(url: string, token: string, resumeToken?: string): Promise<DemoClient> {
    const resume = resumeToken ? `&resume_token=${encodeURIComponent(resumeToken)}` : '';
    const socket = new WebSocket(`${url}?access_token=${encodeURIComponent(token)}${resume}`);
    const client = new DemoClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome within 10 s')), 10_000);
      socket.on('message', () => {
        if (client.welcome) {
          clearTimeout(timer);
          resolve();
        } else if (client.unsolicitedErrors.length) {
          clearTimeout(timer);
          const e = client.unsolicitedErrors[0];
          reject(new ProtocolError(e.code, e.message));
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return client;
  }

  request<C extends Request['$case']>(message: Extract<Request, { $case: C }>): Promise<Extract<Answer, { $case: C }>['value']> {
    const requestId = String(this.nextId++);
    this.sendRaw(JSON.stringify(gatewayv1.ClientMessage.toJSON({ requestId, message })));
    return new Promise((resolve, reject) => {
      this.waiting.set(requestId, {
        resolve: (a) => (a.$case === 'error' ? reject(new ProtocolError(a.value.code, a.value.message)) : resolve(a.value as never)),
        reject,
      });
    });
  }

  /** Sends a raw frame; answers come back through nextAnswerTo or as unsolicited errors. */
  sendRaw(frame: string | Buffer): void {
    this.socket.send(frame);
  }

  /** Waits for a raw frame's answer by its requestId. */
  answerTo(requestId: string): Promise<Answer> {
    return new Promise((resolve, reject) => this.waiting.set(requestId, { resolve, reject }));
  }

  waitForNotice(match: (n: Notice) => boolean, timeoutMs = 5000): Promise<Notice> {
    const seen = this.notices.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching notice in time')), timeoutMs);
      this.noticeWaiters.push({ match, resolve: (n) => (clearTimeout(timer), resolve(n)) });
    });
  }

  waitForCallNotice(match: (n: gatewayv1.CallNotice) => boolean, timeoutMs = 5000): Promise<gatewayv1.CallNotice> {
    const seen = this.callNotices.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching call notice in time')), timeoutMs);
      this.callWaiters.push({ match, resolve: (n) => (clearTimeout(timer), resolve(n)) });
    });
  }

  /** Says goodbye (close code 1000): the session ends at once. */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000, 'bye');
    });
  }

  /** Drops the connection without a word, as a lost network does: the session waits to be resumed. */
  drop(): void {
    this.socket.terminate();
  }

  /** Goes silent with the socket still open, as when the network vanishes: no frames, no pongs. */
  silence(): void {
    const raw = (this.socket as unknown as { _socket?: { pause(): void } })._socket;
    raw?.pause();
  }

  private onMessage(text: string): void {
    const msg = gatewayv1.ServerMessage.fromJSON(JSON.parse(text));
    const m = msg.message;
    if (!m) return;
    if (m.$case === 'welcome') this.welcome = m.value;
    else if (m.$case === 'notice') {
      this.notices.push(m.value);
      for (const w of [...this.noticeWaiters]) {
        if (w.match(m.value)) {
          this.noticeWaiters.splice(this.noticeWaiters.indexOf(w), 1);
          w.resolve(m.value);
        }
      }
    } else if (m.$case === 'callNotice') {
      this.callNotices.push(m.value);
      for (const w of [...this.callWaiters]) {
        if (w.match(m.value)) {
          this.callWaiters.splice(this.callWaiters.indexOf(w), 1);
          w.resolve(m.value);
        }
      }
    } else if (m.$case === 'monitorNotice') {
      this.monitorNotices.push(m.value);
    } else if (msg.requestId && this.waiting.has(msg.requestId)) {
      const w = this.waiting.get(msg.requestId)!;
      this.waiting.delete(msg.requestId);
      w.resolve(m);
    } else if (m.$case === 'error') this.unsolicitedErrors.push(m.value);
  }
}
