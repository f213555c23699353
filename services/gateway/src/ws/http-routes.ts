// The gateway's plain HTTP side: /healthz, the console's files, /dev/token in the embedded default,
// and the checks an upgrade request passes before the WebSocket takes it (path, Origin). Every
// answer that is not a file is JSON; errors carry a stable code: {"error":{"code","message"}}.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { defaultGrants, guardRequestListener, signAccessToken, Logger, requestTarget } from '@rtcroom/common';
import { GatewayConfig } from '../config';
import { toClientError } from '../errors';
import { originAllowed } from './origin-check';
import { serveStatic } from './static-files';

export const websocketPath = '/v1/ws';
const consolePrefix = '/console';
const readMethods = 'GET, HEAD';

export interface HttpRefusal {
  status: number;
  code: string;
  message: string;
}

const statusText: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error' };

const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const refuse = (res: ServerResponse, r: HttpRefusal, headers?: Record<string, string>) => json(res, r.status, { error: { code: r.code, message: r.message } }, headers);

export type GatewayHttpConfig = Pick<GatewayConfig, 'consoleDir' | 'devEndpoints' | 'accessTokenKeys' | 'gatewayId'>;

/** The listener for requests that are not WebSocket upgrades. */
export function gatewayHttpListener(config: GatewayHttpConfig, connectionCount: () => number, logger: Logger): RequestListener {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = requestTarget(req.url);
    if (!url) return refuse(res, { status: 400, code: 'BAD_REQUEST_TARGET', message: 'the request target must be a path' });
    // Nothing here changes state or takes a body.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(res, { status: 405, code: 'METHOD_NOT_ALLOWED', message: `use ${readMethods}` }, { allow: readMethods, connection: 'close' });
    }
    if (config.consoleDir) {
      const served = serveStatic(config.consoleDir, consolePrefix, url.pathname, res);
      if (served === true) return;
      if (served) return refuse(res, served);
    }
    if (url.pathname === '/healthz') {
      json(res, 200, { status: 'ok', gatewayId: config.gatewayId, connections: connectionCount() });
    } else if (url.pathname === '/dev/token' && config.devEndpoints) {
      void devToken(config, url, res);
    } else {
      refuse(res, { status: 404, code: 'NOT_FOUND', message: `no such path; the WebSocket is at ${websocketPath}` });
    }
  };
  return guardRequestListener(handle, logger, { contentType: 'application/json', body: errorBody('INTERNAL', 'internal error') });
}

async function devToken(config: GatewayHttpConfig, url: URL, res: ServerResponse): Promise<void> {
  try {
    const identity = url.searchParams.get('identity') ?? '';
    // &agent=claims,accounts: also the service-desk agent grant for those teams.
    const agentTeams = (url.searchParams.get('agent') ?? '').split(',').filter(Boolean);
    // &supervisor=claims: also the supervisor grant for those teams.
    const supervisorTeams = (url.searchParams.get('supervisor') ?? '').split(',').filter(Boolean);
    // &list=1: also the room_list grant (the web console is a lobby).
    const roomList = url.searchParams.get('list') === '1';
    const grants = {
      ...defaultGrants,
      ...(roomList ? { roomList } : {}),
      ...(agentTeams.length > 0 ? { agentTeams } : {}),
      ...(supervisorTeams.length > 0 ? { supervisorTeams } : {}),
    };
    const token = await signAccessToken(config.accessTokenKeys, { identity, name: url.searchParams.get('name') ?? undefined, grants });
    json(res, 200, { token, identity });
  } catch (err) {
    json(res, 400, { error: toClientError(err) });
  }
}

/**
 * Why an upgrade request may not become a socket, checked before the WebSocket handshake and the
 * token (a page from a refused origin learns nothing about tokens); null when it may go on.
 */
export function refuseUpgrade(req: IncomingMessage, allowedOrigins: GatewayConfig['allowedOrigins']): HttpRefusal | null {
  const url = requestTarget(req.url);
  if (!url) return { status: 400, code: 'BAD_REQUEST_TARGET', message: 'the request target must be a path' };
  if (url.pathname !== websocketPath) return { status: 404, code: 'NOT_FOUND', message: `the WebSocket is at ${websocketPath}` };
  if (!originAllowed(allowedOrigins, req.headers.origin)) {
    return { status: 403, code: 'ORIGIN_NOT_ALLOWED', message: 'this origin may not open the WebSocket' };
  }
  return null;
}

/** Answers an upgrade request on its raw socket, then closes it. */
export function writeUpgradeRefusal(socket: Duplex, r: HttpRefusal): void {
  if (!socket.writable) return void socket.destroy();
  const body = errorBody(r.code, r.message);
  socket.end(
    `HTTP/1.1 ${r.status} ${statusText[r.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
