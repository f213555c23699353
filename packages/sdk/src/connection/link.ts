// One socket to the gateway, from opening it to its welcome; after the welcome its frames and its end
// are the transport's (transport.ts). Before it, an error frame without a request id is the gateway
// refusing the connection (a bad token): the attempt fails with that error rather than a bare close.
// A busy gateway may first hold the connection in line (`waiting`: the welcome comes later, so the
// wait for it is extended) or send it away with a time to come back (`goAway`, then its refusal).
import { asRtcRoomError, RtcRoomError } from '../errors.js';
import { readServerMessage } from '../frames.js';
import type { ClientKind, ServerMessage, Welcome } from '../protocol.js';
import { clearTimer, setTimer } from '../timers.js';
import type { RtcSocket, SocketAdapter } from './socket.js';

export interface Link {
  socket?: RtcSocket;
  welcomed: boolean;
  /** Closed, failed or given up: nothing it says counts any more. */
  dead: boolean;
}

export interface LinkHandlers {
  /** The welcome came: the link carries the connection from now on (runs before `welcome` resolves). */
  welcomed(link: Link, welcome: Welcome): void;
  /** A frame after the welcome. */
  frame(link: Link, frame: ServerMessage): void;
  /** The welcomed socket closed or failed. */
  lost(link: Link, reason: string): void;
  /** Before the welcome: the gateway holds the connection in line behind others opening. */
  waiting?(position: number, expectedWaitMs: number): void;
}

export interface OpeningLink {
  /** The welcome; rejects with the gateway's refusal, or CONNECT_FAILED. */
  welcome: Promise<Welcome>;
  /** Gives up on the socket if it has not been welcomed yet (the client is closing). */
  abort(err: RtcRoomError): void;
}

/**
 * The gateway's URL with the access token, to resume a session its resume token, and the client's
 * kind when it is not the gateway's default (a mini-program).
 */
export function linkUrl(base: string, accessToken: string, resumeToken?: string, kind?: ClientKind): string {
  const query = [`access_token=${encodeURIComponent(accessToken)}`];
  if (resumeToken) query.push(`resume_token=${encodeURIComponent(resumeToken)}`);
  if (kind && kind !== 'CLIENT_KIND_UNSPECIFIED') query.push(`client_kind=${kind}`);
  return `${base}${base.includes('?') ? '&' : '?'}${query.join('&')}`;
}

export function openLink(adapter: SocketAdapter, url: string, timeoutMs: number, handlers: LinkHandlers): OpeningLink {
  const link: Link = { welcomed: false, dead: false };
  let abort: (err: RtcRoomError) => void = () => undefined;
  const welcome = new Promise<Welcome>((resolve, reject) => {
    let refused: RtcRoomError | undefined;
    /** A GoAway before the welcome: the gateway is busy and says when to come back (with its refusal). */
    let comeBackAfterMs: number | undefined;
    const fail = (err: RtcRoomError) => {
      if (link.dead || link.welcomed) return;
      link.dead = true;
      clearTimer(timer);
      link.socket?.close(4000, 'gave up');
      reject(err);
    };
    abort = fail;
    const noWelcome = () => fail(new RtcRoomError('CONNECT_FAILED', 'no welcome in time'));
    let timer = setTimer(noWelcome, timeoutMs);
    const welcomed = (w: Welcome) => {
      link.welcomed = true;
      clearTimer(timer);
      handlers.welcomed(link, w);
      resolve(w);
    };
    try {
      link.socket = adapter(url, {
        open: () => undefined,
        message: (text) => {
          if (link.dead) return;
          const frame = parse(text);
          if (!frame) return;
          if (link.welcomed) handlers.frame(link, frame);
          else if (frame.welcome) welcomed(frame.welcome);
          else if (frame.waiting) {
            // In line behind other connections opening (a storm of reconnects): the welcome will come.
            clearTimer(timer);
            timer = setTimer(noWelcome, timeoutMs + (frame.waiting.expectedWaitMs ?? 0));
            handlers.waiting?.(frame.waiting.position ?? 0, frame.waiting.expectedWaitMs ?? 0);
          } else if (frame.goAway) comeBackAfterMs = frame.goAway.reconnectAfterMs ?? 0;
          else if (frame.error && !frame.requestId) refused = new RtcRoomError(frame.error.code, frame.error.message, { retryAfterMs: comeBackAfterMs });
        },
        close: (code, reason) => {
          const how = `(${code}${reason ? ` ${reason}` : ''})`;
          if (link.welcomed) handlers.lost(link, `closed ${how}`);
          else fail(refused ?? new RtcRoomError('CONNECT_FAILED', `closed before the welcome ${how}`));
        },
        error: (message) => {
          if (link.welcomed) handlers.lost(link, message);
          else fail(refused ?? new RtcRoomError('CONNECT_FAILED', message));
        },
      });
    } catch (err) {
      fail(asRtcRoomError(err, 'CONNECT_FAILED'));
    }
  });
  return { welcome, abort: (err) => abort(err) };
}

/** A frame's text, read; null for anything but a JSON object. */
function parse(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? readServerMessage(value) : null;
}
