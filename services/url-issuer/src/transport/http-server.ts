// A small HTTP server for the media servers' calls: exact-path endpoints, bodies up to a limit and
// within a time, every malformed request answered 4xx and anything unexpected 500 and one log line,
// the process living on. node:http only; nothing here knows about media.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionsCheckingIntervalMs, guardRequestListener, HttpServerLimits, httpServerLimits, limitHttpServer, type Logger, requestTarget } from '@rtcroom/common';

export interface HttpRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type HttpRoute = (req: HttpRequest) => Promise<HttpAnswer>;

/** Why the server itself refused a request, before or instead of its route. */
export type HttpRefusalCode = 'BAD_REQUEST_TARGET' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'BODY_TOO_LARGE' | 'INTERNAL';

export interface HttpEndpoint {
  /** The route for each method taken; a GET route also answers HEAD. */
  methods: Partial<Record<'GET' | 'POST', HttpRoute>>;
  /** How this endpoint words the server's refusals (default: the code as text). */
  refusal?: (status: number, code: HttpRefusalCode) => HttpAnswer;
}

export interface RunningHttpServer {
  /** host:port; a port 0 asked for becomes the real port here. */
  address: string;
  stop(): Promise<void>;
}

/** Hook calls are small forms or JSON; anything bigger is not one. */
export const maxBodyBytes = 64 * 1024;

export const text = (status: number, body: string): HttpAnswer => ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` });
export const json = (status: number, body: unknown): HttpAnswer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

type Body = { kind: 'read'; text: string } | { kind: 'too_large' } | { kind: 'aborted' };

function readBody(req: IncomingMessage): Promise<Body> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) return Promise.resolve({ kind: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (body: Body) => {
      if (done) return;
      done = true;
      req.removeAllListeners('data');
      resolve(body);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) return finish({ kind: 'too_large' });
      chunks.push(chunk);
    });
    req.on('end', () => finish({ kind: 'read', text: Buffer.concat(chunks).toString('utf8') }));
    // A client gone mid-body (or cut off by the request timeout) is owed nothing.
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}

function send(res: ServerResponse, answer: HttpAnswer, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body), ...headers });
  res.end(answer.body);
}

const plainRefusal = (status: number, code: HttpRefusalCode): HttpAnswer => text(status, code);

/** `endpoints` is keyed by exact path. */
export async function startHttpServer(
  address: string,
  endpoints: Record<string, HttpEndpoint>,
  logger: Logger,
  limits: HttpServerLimits = httpServerLimits,
): Promise<RunningHttpServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestTarget(req.url);
    if (!url) return send(res, plainRefusal(400, 'BAD_REQUEST_TARGET'));
    const endpoint = Object.hasOwn(endpoints, url.pathname) ? endpoints[url.pathname] : undefined;
    if (!endpoint) return send(res, plainRefusal(404, 'NOT_FOUND'));
    const refuse = endpoint.refusal ?? plainRefusal;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = method === 'GET' || method === 'POST' ? endpoint.methods[method] : undefined;
    if (!route) {
      const allow = Object.keys(endpoint.methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      // The body, if any, is left unread: the connection closes after the answer.
      return send(res, refuse(405, 'METHOD_NOT_ALLOWED'), { allow, connection: 'close' });
    }
    const body = await readBody(req);
    if (body.kind === 'aborted') return void res.destroy();
    if (body.kind === 'too_large') return send(res, refuse(413, 'BODY_TOO_LARGE'), { connection: 'close' });
    let answer: HttpAnswer;
    try {
      answer = await route({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body: body.text });
    } catch (err) {
      logger.error('http route failed', { path: url.pathname, err });
      answer = refuse(500, 'INTERNAL');
    }
    send(res, answer);
  };
  const guarded = guardRequestListener(handle, logger, { contentType: 'text/plain; charset=utf-8', body: 'INTERNAL\n' });
  const server: Server = createServer({ connectionsCheckingInterval: connectionsCheckingIntervalMs }, guarded);
  limitHttpServer(server, limits);
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(colon + 1)), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = `${host}:${(server.address() as AddressInfo).port}`;
  logger.info('http listening', { address: bound });
  return {
    address: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
