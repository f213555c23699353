// What keeps an rtcroom HTTP server alive whatever a request carries: request targets read without
// throwing, and handlers wrapped so that an unexpected throw (or rejection) is answered 500 with a
// generic body and logged once, the stack staying in the log; the process lives on.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Logger } from '../logger';

export interface HttpServerLimits {
  /** A request's headers must have arrived by then (slow-header clients are cut off with 408). */
  headersTimeoutMs: number;
  /** The whole request, body included (slow-body clients are cut off with 408). */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** Bounds every rtcroom HTTP server puts on a request before any handler runs. */
export const httpServerLimits: HttpServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 15_000, keepAliveTimeoutMs: 5_000 };

/**
 * node:http checks the two timeouts only this often (its default is 30 s, which lets a slow client
 * hold a connection for 45); a pass over the open requests costs little.
 */
export const connectionsCheckingIntervalMs = 1000;

/**
 * The path and query of a request's target, or null when it is not a path (`*`, an absolute URL, a
 * CONNECT authority, nothing). Never throws: `new URL(target, base)` does for `//`, and a `//host`
 * target would otherwise be read as another host.
 */
export function requestTarget(raw: string | undefined): URL | null {
  if (!raw || raw[0] !== '/') return null;
  try {
    return new URL(`http://localhost${raw}`);
  } catch {
    return null;
  }
}

/** A path segment's percent-encoding decoded; null when it is malformed or holds a NUL byte. */
export function decodePathSafely(encoded: string): string | null {
  try {
    const decoded = decodeURIComponent(encoded);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

export interface GuardedAnswer {
  contentType: string;
  body: string;
}

/**
 * Wraps a request listener: whatever it throws, synchronously or later, is logged once and answered
 * 500 with `internalError` (or the connection is cut when the answer had already begun).
 */
export function guardRequestListener(
  handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  logger: Logger,
  internalError: GuardedAnswer,
): RequestListener {
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    logger.error('http handler failed', { method: req.method, path: requestTarget(req.url)?.pathname, err });
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'content-type': internalError.contentType, 'content-length': Buffer.byteLength(internalError.body), connection: 'close' });
    res.end(internalError.body);
  };
  return (req, res) => {
    try {
      const pending = handle(req, res);
      if (pending) pending.catch((err: unknown) => fail(req, res, err));
    } catch (err) {
      fail(req, res, err);
    }
  };
}

/** Applies the limits to a node:http server (created with connectionsCheckingInterval). */
export function limitHttpServer(server: Server, limits: HttpServerLimits = httpServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
}
