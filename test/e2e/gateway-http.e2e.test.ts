// The gateway's HTTP side against the running system: malformed paths, methods and upgrades are
// answered 4xx with a stable code and the gateway lives on; the WebSocket takes only the configured
// browser origins (and clients that send none, like a mini-program), refusing the rest with 403
// before any token is looked at.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';
import WebSocket from 'ws';
import { rawHttp } from '../support/raw-http';

const secret = 'gateway-http-secret-long-enough';
let system: RunningSystem;
let database: TestDatabase;
let consoleDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  consoleDir = mkdtempSync(join(tmpdir(), 'rtcroom-console-'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      GATEWAY_CONSOLE_DIR: consoleDir,
      GATEWAY_ALLOWED_ORIGINS: 'https://app.example.com, https://*.example.org, http://127.0.0.1:9000',
    },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await system?.stop();
  await database?.drop();
  rmSync(consoleDir, { recursive: true, force: true });
});

const base = () => `http://${system.gatewayAddress}`;
const get = (path: string) => rawHttp(system.gatewayAddress, [`GET ${path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`]);
const codeOf = (text: string) => /"code":"([A-Z_]+)"/.exec(text)?.[1];

async function stillServes(): Promise<void> {
  expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  const client = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'after-http' }));
  await client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: 'after-http', createIfMissing: true }) });
  await client.close();
}

describe('the gateway over HTTP', () => {
  it('answers a console path that does not decode with 400 BAD_PATH, and lives on', async () => {
    const res = await get('/console/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(codeOf(res.text)).toBe('BAD_PATH');
    expect((await get('/console/%00')).status).toBe(400);
    expect((await get('/console/..%2f..%2f..%2fetc%2fpasswd')).status).toBe(403);
    const page = await fetch(`${base()}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('console');
    await stillServes();
  });

  it('answers request targets that are not paths with 400, and wrong methods with 405', async () => {
    // `new URL('//', base)` throws, and would read `//evil.example/healthz` as another host's /healthz.
    for (const [target, status] of [['//', 404], ['//evil.example/healthz', 404], ['*', 400], ['http://gw/healthz', 400]] as const) {
      const res = await get(target);
      expect({ target, status: res.status }).toEqual({ target, status });
    }
    const post = await fetch(`${base()}/healthz`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await fetch(`${base()}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${base()}/nowhere`)).status).toBe(404);
    await stillServes();
  });

  it('survives upgrade requests with bad targets, bad paths, bad handshakes and peers that vanish', async () => {
    const upgrade = (target: string, extra = '') =>
      `GET ${target} HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
    expect((await rawHttp(system.gatewayAddress, [upgrade('//', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')])).status).toBe(404);
    expect((await rawHttp(system.gatewayAddress, [upgrade('*', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')])).status).toBe(400);
    expect((await rawHttp(system.gatewayAddress, [upgrade('/v2/ws', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')])).status).toBe(404);
    expect((await rawHttp(system.gatewayAddress, [upgrade('/v1/ws', 'Sec-WebSocket-Key: short\r\n')])).status).toBe(400);
    // The peer resets right after asking: its socket's error must not reach the process.
    await rawHttp(system.gatewayAddress, [upgrade('/v2/ws', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n')], { waitMs: 1 });
    await stillServes();
  });
});

describe('the WebSocket Origin check', () => {
  /** The upgrade's HTTP status: 101 when the socket opened, else the refusal's. */
  const open = (origin: string | undefined, token = 'not-a-token') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${system.gatewayUrl}?access_token=${token}`, origin ? { origin } : {});
      ws.on('upgrade', () => {
        resolve({ status: 101, body: '' });
        ws.terminate();
      });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('error', (err) => reject(err));
    });

  it('refuses an origin not on the list with 403 ORIGIN_NOT_ALLOWED, before the token is checked', async () => {
    for (const origin of ['https://evil.example', 'https://example.org', 'http://app.example.com', 'https://app.example.com:8443', 'null']) {
      const res = await open(origin);
      expect({ origin, status: res.status, code: codeOf(res.body) }).toEqual({ origin, status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    }
  });

  it('lets listed origins, wildcard subdomains and clients without an Origin (mini-programs) connect', async () => {
    const token = issueAccessToken(secret, { identity: 'origin-ok' });
    for (const origin of ['https://app.example.com', 'https://a.example.org', 'https://b.c.example.org', 'http://127.0.0.1:9000', undefined]) {
      expect({ origin, status: (await open(origin, token)).status }).toEqual({ origin, status: 101 });
    }
    // A mini-program's socket carries a servicewechat.com Referer and no Origin: let through, then the token decides.
    const wx = new WebSocket(`${system.gatewayUrl}?access_token=${token}`, { headers: { referer: 'https://servicewechat.com/wx1234567890/1/page-frame.html' } });
    await new Promise<void>((resolve, reject) => {
      wx.on('message', () => resolve());
      wx.on('error', reject);
    });
    wx.close(1000);
  });
});
