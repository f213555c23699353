// A stand-in for the mini-program's wx.connectSocket, faithful to its documented behaviour, over Node's
// `ws`: connectSocket({url, header, protocols, tcpNoDelay, timeout, success, fail, complete}) returns a
// SocketTask whose callbacks (onOpen, onMessage, onClose, onError) are asynchronous; send({data}) fails
// with "sendSocketMessage:fail WebSocket is not connected" unless the socket is open; close({code,
// reason}) accepts only 1000 and 3000-4999; binary frames arrive as ArrayBuffer.
import type { WxLike, WxSocketTask } from '@rtcroom/sdk';
import WebSocket from 'ws';

type Callbacks = { success?: (res: any) => void; fail?: (res: { errMsg: string }) => void; complete?: (res: any) => void };
const later = (fn: () => void) => setTimeout(fn, 0);
function settle(cb: Callbacks, ok: boolean, res: any) {
  later(() => {
    if (ok) cb.success?.(res);
    else cb.fail?.(res);
    cb.complete?.(res);
  });
}

export interface FakeWx extends WxLike {
  /** Sockets open now, and every task made (to drop one as a lost network would, and see how it was closed). */
  readonly open: Set<WebSocket>;
  readonly tasks: { url: string; ws: WebSocket; closeCodes: number[] }[];
}

export function fakeWx(): FakeWx {
  const open = new Set<WebSocket>();
  const tasks: FakeWx['tasks'] = [];
  return {
    open,
    tasks,
    connectSocket(options) {
      const ws = new WebSocket(options.url, options.protocols, { headers: options.header, handshakeTimeout: options.timeout });
      const record = { url: options.url, ws, closeCodes: [] as number[] };
      tasks.push(record);
      const listeners = { open: [] as ((r: any) => void)[], message: [] as ((r: any) => void)[], close: [] as ((r: any) => void)[], error: [] as ((r: any) => void)[] };
      const fire = (kind: keyof typeof listeners, res: any) => later(() => listeners[kind].forEach((l) => l(res)));
      ws.on('open', () => {
        open.add(ws);
        fire('open', { header: {}, profile: {} });
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const payload = isBinary ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data.toString('utf8');
        fire('message', { data: payload });
      });
      ws.on('close', (code: number, reason: Buffer) => {
        open.delete(ws);
        fire('close', { code, reason: reason.toString() });
      });
      ws.on('error', (err: Error) => fire('error', { errMsg: err.message }));
      settle(options, true, { errMsg: 'connectSocket:ok' });
      const task: WxSocketTask = {
        onOpen: (l) => void listeners.open.push(l),
        onMessage: (l) => void listeners.message.push(l),
        onClose: (l) => void listeners.close.push(l),
        onError: (l) => void listeners.error.push(l),
        send(o) {
          if (ws.readyState !== WebSocket.OPEN) return settle(o, false, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
          ws.send(o.data, (err) => settle(o, !err, err ? { errMsg: `sendSocketMessage:fail ${err.message}` } : { errMsg: 'sendSocketMessage:ok' }));
        },
        close(o) {
          const code = o.code ?? 1000;
          if (code !== 1000 && (code < 3000 || code > 4999)) return settle(o, false, { errMsg: `closeSocket:fail The code must be either 1000, or between 3000 and 4999. ${code} is neither.` });
          record.closeCodes.push(code);
          ws.close(code, o.reason);
          settle(o, true, { errMsg: 'closeSocket:ok' });
        },
      };
      return task;
    },
  };
}
