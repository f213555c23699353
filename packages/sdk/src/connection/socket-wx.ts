// The mini-program adapter: wx.connectSocket and its SocketTask (onOpen, onMessage, onClose, onError,
// send({data}), close({code, reason})). Pass the `wx` global: wxSocket(wx).
import type { SocketAdapter } from './socket.js';

/** The part of the mini-program API the adapter uses. */
export interface WxLike {
  connectSocket(options: {
    url: string;
    header?: Record<string, string>;
    protocols?: string[];
    tcpNoDelay?: boolean;
    timeout?: number;
    success?: (res: unknown) => void;
    fail?: (res: { errMsg: string }) => void;
  }): WxSocketTask;
}

export interface WxSocketTask {
  onOpen(callback: (res: unknown) => void): void;
  onMessage(callback: (res: { data: string | ArrayBuffer }) => void): void;
  onClose(callback: (res: { code: number; reason: string }) => void): void;
  onError(callback: (res: { errMsg: string }) => void): void;
  send(options: { data: string | ArrayBuffer; success?: (res: unknown) => void; fail?: (res: { errMsg: string }) => void }): void;
  close(options: { code?: number; reason?: string; success?: (res: unknown) => void; fail?: (res: { errMsg: string }) => void }): void;
}

export interface WxSocketOptions {
  /** Handshake timeout (ms) passed to connectSocket. Default 10 000. */
  timeoutMs?: number;
}

export function wxSocket(wx: WxLike, options: WxSocketOptions = {}): SocketAdapter {
  return (url, on) => {
    const task = wx.connectSocket({
      url,
      tcpNoDelay: true,
      timeout: options.timeoutMs ?? 10_000,
      fail: (res) => on.error(res?.errMsg ?? 'connectSocket failed'),
    });
    task.onOpen(() => on.open());
    task.onMessage((res) => {
      if (typeof res.data === 'string') on.message(res.data);
    });
    task.onClose((res) => on.close(res?.code ?? 1006, res?.reason ?? ''));
    task.onError((res) => on.error(res?.errMsg ?? 'socket error'));
    return {
      send: (data) => task.send({ data, fail: (res) => on.error(res?.errMsg ?? 'send failed') }),
      // A mini-program may close with 1000 or 3000-4999 only.
      close: (code, reason) => task.close({ code: code === 1000 || (code >= 3000 && code <= 4999) ? code : 4000, reason }),
    };
  };
}
