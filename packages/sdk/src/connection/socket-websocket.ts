// Adapters for WebSocket classes with the browser's API: the browser's own, and Node's `ws` (which
// the caller passes in, so the SDK depends on no package).
import type { RtcSocket, SocketAdapter } from './socket.js';

/** The part of the browser WebSocket API the adapter uses (`ws`'s WebSocket has it too). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketClass = new (url: string) => WebSocketLike;

/** The host's WebSocket, where there is one (browsers; Node 22+). */
declare const WebSocket: WebSocketClass | undefined;

/** The browser's WebSocket (or any class with its API, e.g. `ws`). Defaults to the global WebSocket. */
export function browserSocket(WebSocketImpl?: WebSocketClass): SocketAdapter {
  return (url, on) => {
    const Impl = WebSocketImpl ?? (typeof WebSocket === 'undefined' ? undefined : WebSocket);
    if (!Impl) throw new Error('no WebSocket in this environment: pass an adapter (nodeSocket(WebSocket) from "ws", or wxSocket(wx))');
    return wrap(new Impl(url), on, (data) => (typeof data === 'string' ? data : null));
  };
}

/** Node, with the `ws` package's WebSocket class: `nodeSocket(require('ws'))`. */
export function nodeSocket(WebSocketImpl: WebSocketClass): SocketAdapter {
  return (url, on) =>
    wrap(new WebSocketImpl(url), on, (data) => {
      if (typeof data === 'string') return data;
      // ws hands text frames over as Buffers (or Buffer lists) unless told otherwise.
      const chunks = Array.isArray(data) ? data : [data];
      return chunks.map((c) => String(c)).join('');
    });
}

function wrap(ws: WebSocketLike, on: Parameters<SocketAdapter>[1], text: (data: unknown) => string | null): RtcSocket {
  ws.onopen = () => on.open();
  ws.onmessage = (event) => {
    const t = text(event.data);
    if (t !== null) on.message(t);
  };
  ws.onclose = (event) => on.close(event.code, event.reason);
  ws.onerror = (event) => on.error(describe(event));
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => {
      try {
        ws.close(code, reason);
      } catch {
        // Closing a socket that never opened may throw in some implementations; it is gone either way.
      }
    },
    terminate: () => {
      const t = (ws as unknown as { terminate?: () => void }).terminate;
      if (typeof t === 'function') t.call(ws);
      else ws.close(4000, 'abandoned');
    },
  };
}

function describe(event: unknown): string {
  const e = event as { message?: unknown; error?: { message?: unknown } } | null;
  return String(e?.message ?? e?.error?.message ?? 'WebSocket error');
}
