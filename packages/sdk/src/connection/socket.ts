// What the SDK needs from a WebSocket, so one client runs over the browser's WebSocket, Node's `ws`
// and a mini-program's wx.connectSocket alike. An adapter opens one connection and reports its life
// through the handlers it is given at once (so no early event can be missed).

export interface SocketHandlers {
  open(): void;
  /** One text frame. */
  message(text: string): void;
  /** The connection ended (code as the WebSocket reports it; 1006 when it just dropped). */
  close(code: number, reason: string): void;
  /** Something failed; a close may or may not follow (the client does not wait for it). */
  error(message: string): void;
}

export interface RtcSocket {
  send(text: string): void;
  /** Ends the connection with a close frame. 1000 ends the session at the gateway; others keep it resumable. */
  close(code: number, reason: string): void;
  /** Drops the connection without a close handshake, when the peer is already unreachable (optional). */
  terminate?(): void;
}

/** Opens one connection to `url`. */
export type SocketAdapter = (url: string, handlers: SocketHandlers) => RtcSocket;
