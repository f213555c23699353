// A small HTTP server for the media servers' calls: exact-path routes, bodies up to a limit, and
// one log line for anything that fails. node:http only; nothing here knows about media.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@rtcroom/common';

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

export interface RunningHttpServer {
  /** host:port; a port 0 asked for becomes the real port here. */
  address: string;
  stop(): Promise<void>;
}

/** Hook calls are small forms or JSON; anything bigger is not one. */
const maxBodyBytes = 64 * 1024;

export const text = (status: number, body: string): HttpAnswer => ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n` });
export const json = (status: number, body: unknown): HttpAnswer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** `routes` is keyed by "METHOD /path". */
export async function startHttpServer(address: string, routes: Record<string, HttpRoute>, logger: Logger): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      const known = Object.keys(routes).some((r) => r.endsWith(` ${path}`));
      send(res, text(known ? 405 : 404, known ? 'method not allowed' : 'not found'));
      return;
    }
    readBody(req)
      .then(async (body) => {
        if (body === null) return send(res, text(413, 'body too large'));
        send(res, await route({ method: req.method ?? 'GET', path, headers: req.headers, body }));
      })
      .catch((err: unknown) => {
        logger.error('http request failed', { path, err });
        if (!res.headersSent) send(res, text(500, 'internal error'));
      });
  });
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
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
