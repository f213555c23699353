// A local stand-in for TRTC's server API (trtc.tencentcloudapi.com), for tests that cannot reach
// Tencent. It is reached as an HTTP proxy (CONNECT trtc.tencentcloudapi.com:80, the url-issuer's
// TRTC_API_PROXY), so the request it checks is the one Tencent would get: Host trtc.tencentcloudapi.com,
// signing service trtc. Each request's TC3-HMAC-SHA256 signature is recomputed here from Tencent's
// documented algorithm (not with the SDK's code), and its action, version, region, timestamp and body
// shape are checked; a request that fails any check gets Tencent's error answer and is kept in `refused`.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const trtcApiHost = 'trtc.tencentcloudapi.com';

export interface TrtcApiCall {
  action: string;
  region: string;
  body: Record<string, unknown>;
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** Checks one action's parameters; a message for what is wrong, '' when nothing is. */
const shapes: Record<string, (b: Record<string, unknown>) => string> = {
  RemoveUserByStrRoomId: (b) =>
    typeof b.SdkAppId !== 'number' || typeof b.RoomId !== 'string' || !Array.isArray(b.UserIds) || b.UserIds.length < 1 || b.UserIds.length > 10 || !b.UserIds.every((u) => typeof u === 'string') || Object.keys(b).length !== 3
      ? 'RemoveUserByStrRoomId takes SdkAppId, RoomId and 1-10 UserIds'
      : '',
  DismissRoomByStrRoomId: (b) => (typeof b.SdkAppId !== 'number' || typeof b.RoomId !== 'string' || Object.keys(b).length !== 2 ? 'DismissRoomByStrRoomId takes SdkAppId and RoomId' : ''),
};

export class TrtcApiStandIn {
  readonly calls: TrtcApiCall[] = [];
  readonly refused: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly secretId: string,
    private readonly secretKey: string,
  ) {}

  static async start(secretId: string, secretKey: string): Promise<TrtcApiStandIn> {
    const server = createServer();
    const standIn = new TrtcApiStandIn(server, secretId, secretKey);
    server.on('request', (req, res) => standIn.answer(req, res));
    // The proxy's part: a tunnel to "Tencent", which is this same server.
    server.on('connect', (req, socket, head) => {
      if (req.url !== `${trtcApiHost}:80`) {
        standIn.refused.push(`CONNECT to ${req.url}`);
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.unshift(head);
      server.emit('connection', socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** TRTC_API_PROXY for the url-issuer. */
  get proxyUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const problem = this.check(req, raw);
      const requestId = randomUUID();
      res.writeHead(200, { 'content-type': 'application/json' });
      if (problem) {
        this.refused.push(problem);
        res.end(JSON.stringify({ Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: problem }, RequestId: requestId } }));
        return;
      }
      this.calls.push({ action: String(req.headers['x-tc-action']), region: String(req.headers['x-tc-region']), body: JSON.parse(raw) });
      res.end(JSON.stringify({ Response: { RequestId: requestId } }));
    });
  }

  /** What is wrong with the request; '' when nothing is. */
  private check(req: IncomingMessage, raw: string): string {
    const h = req.headers;
    if (req.method !== 'POST' || req.url !== '/') return `${req.method} ${req.url}: TRTC's API is POST /`;
    if (h.host !== trtcApiHost) return `Host ${h.host}`;
    if (h['content-type'] !== 'application/json') return `Content-Type ${h['content-type']}`;
    const action = String(h['x-tc-action'] ?? '');
    const shape = shapes[action];
    if (!shape) return `unknown action ${action}`;
    if (h['x-tc-version'] !== '2019-07-22') return `X-TC-Version ${h['x-tc-version']}`;
    if (!/^[a-z]+(-[a-z0-9]+)+$/.test(String(h['x-tc-region'] ?? ''))) return `X-TC-Region ${h['x-tc-region']}`;
    const timestamp = Number(h['x-tc-timestamp']);
    if (!Number.isInteger(timestamp) || Math.abs(timestamp - Date.now() / 1000) > 300) return `X-TC-Timestamp ${h['x-tc-timestamp']}`;
    const auth = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$/.exec(String(h.authorization ?? ''));
    if (!auth) return `Authorization ${h.authorization}`;
    const [, secretId, date, service, signature] = auth;
    if (secretId !== this.secretId) return `SecretId ${secretId}`;
    if (service !== 'trtc') return `signed for service ${service}`;
    if (date !== new Date(timestamp * 1000).toISOString().slice(0, 10)) return `credential date ${date}`;
    // Tencent's TC3-HMAC-SHA256, step by step.
    const canonicalRequest = ['POST', '/', '', `content-type:application/json\nhost:${trtcApiHost}\n`, 'content-type;host', sha256Hex(raw)].join('\n');
    const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/trtc/tc3_request`, sha256Hex(canonicalRequest)].join('\n');
    const signingKey = hmac(hmac(hmac(`TC3${this.secretKey}`, date), 'trtc'), 'tc3_request');
    if (createHmac('sha256', signingKey).update(stringToSign).digest('hex') !== signature) return 'signature does not match';
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      return 'body is not JSON';
    }
    return shape(body);
  }
}
