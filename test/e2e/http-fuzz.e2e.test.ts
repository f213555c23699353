// Random and mutated HTTP requests thrown at a running system's HTTP side: the gateway (console
// files, health, dev tokens, WebSocket upgrades) and the url-issuer (nginx-rtmp hooks, Tencent
// callbacks, health). Through fetch, and through bare sockets for request lines and headers fetch
// refuses to send. No malformed request gets a 5xx, nothing crashes or hangs, and afterwards both
// still answer /healthz and a normal join works. Seeded, so a failure can be replayed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';
import { rawHttp } from '../support/raw-http';

const secret = 'http-fuzz-secret-long-enough';
let system: RunningSystem;
let database: TestDatabase;
let consoleDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  consoleDir = mkdtempSync(join(tmpdir(), 'rtcroom-fuzz-console-'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(consoleDir, 'app.js'), 'export {};');
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      GATEWAY_CONSOLE_DIR: consoleDir,
      GATEWAY_ALLOWED_ORIGINS: 'https://app.example.com',
      TENCENT_CALLBACK_KEY: 'fuzz-callback-key',
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

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const randomBytes = (r: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));

const gatewayPaths = ['/healthz', '/console', '/console/', '/console/index.html', '/console/app.js', '/dev/token', '/v1/ws', '/'];
const issuerPaths = ['/healthz', '/v1/tencent/callback', '/v1/nginx-rtmp/on_publish', '/v1/nginx-rtmp/on_play', '/v1/nginx-rtmp/on_publish_done', '/v1/nginx-rtmp/on_play_done', '/v1/nginx-rtmp/on_record_done'];
const pathNoise = ['%', '%E0%A4%A', '%C0%AF', '%00', '%2e%2e%2f', '../', '..%5c', '//', '%ZZ', '\u00e9', '\ud83d\udca5', '?identity=%FF', '?a=1&a=2', ';x', '#frag', '%25', 'x'.repeat(3000)];
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const contentTypes = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''];

function mutatePath(r: Rng, path: string): string {
  let p = path;
  for (let i = Math.floor(r() * 3); i > 0; i--) {
    const noise = pick(r, pathNoise);
    p = r() < 0.5 ? `${p}${noise}` : `${p.slice(0, Math.floor(r() * p.length))}${noise}${p.slice(Math.floor(r() * p.length))}`;
  }
  return p.startsWith('/') ? p : `/${p}`;
}

function randomBody(r: Rng): string | Buffer | undefined {
  switch (Math.floor(r() * 7)) {
    case 0: return undefined;
    case 1: return randomBytes(r, Math.floor(r() * 400));
    case 2: return JSON.stringify({ t: pick(r, [1, '99999999999', -1, 'x', 1e300, null]), sign: pick(r, ['0'.repeat(32), 'zz', '', 7]), event_type: pick(r, [0, 1, 100, '1', {}, []]), stream_id: pick(r, ['s', '', 5, { a: 1 }]) });
    case 3: return new URLSearchParams({ app: pick(r, ['live', 'record', '', '💥']), name: pick(r, ['s_x', '', '../x']), sig: 'a'.repeat(Math.floor(r() * 80)), exp: pick(r, ['1', 'NaN', '-5', '9'.repeat(30)]), path: pick(r, ['/etc/passwd', '', '\0']), constructor: 'x', __proto__: 'y' }).toString();
    case 4: return '['.repeat(Math.floor(r() * 20000));
    case 5: return 'x'.repeat(60_000 + Math.floor(r() * 10_000)); // around the 64 KiB limit
    default: return JSON.stringify(pick(r, [null, 1, 'str', [], { code: 0 }]));
  }
}

/** One request through fetch; returns the status (0 when the server cut the connection). */
async function fuzzFetch(r: Rng, i: number): Promise<{ what: string; status: number }> {
  const onGateway = r() < 0.5;
  const address = onGateway ? system.gatewayAddress : system.mediaHooksAddress;
  const path = mutatePath(r, pick(r, onGateway ? gatewayPaths : issuerPaths));
  const method = pick(r, methods);
  const headers: Record<string, string> = {};
  const type = pick(r, contentTypes);
  if (type) headers['content-type'] = type;
  if (r() < 0.2) headers.origin = pick(r, ['https://evil.example', 'null', 'https://app.example.com']);
  if (r() < 0.1) headers.authorization = `Bearer ${'x'.repeat(Math.floor(r() * 100))}`;
  if (r() < 0.1) headers['x-forwarded-for'] = '127.0.0.1, ::1';
  const body = method === 'GET' || method === 'HEAD' ? undefined : randomBody(r);
  const what = `#${i} ${method} ${address === system.gatewayAddress ? 'gateway' : 'url-issuer'} ${path.slice(0, 80)}`;
  try {
    const res = await fetch(`http://${address}${path}`, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer().catch(() => undefined);
    return { what, status: res.status };
  } catch (err) {
    // A server may close on a body it refuses (413 with Connection: close) before undici has sent it all.
    if ((err as Error).name === 'TimeoutError') return { what: `${what} (hung)`, status: 599 };
    return { what, status: 0 };
  }
}

const requestLines = [
  () => 'GET / HTTP/1.1',
  (r: Rng) => `${pick(r, ['GET', 'POST', 'G\u0000T', 'BREW', 'GET GET', ''])} ${mutatePath(r, pick(r, [...gatewayPaths, ...issuerPaths]))} ${pick(r, ['HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.1 extra', ''])}`,
  (r: Rng) => `GET ${pick(r, ['*', '//', 'http://x/healthz', 'localhost:80', '/\u0000', '/%', `/${'a'.repeat(20_000)}`])} HTTP/1.1`,
  (r: Rng) => randomBytes(r, 40).toString('latin1'),
];
const headerLines = [
  'Host: x',
  'Host: x\r\nHost: y',
  'Content-Length: 5\r\nContent-Length: 6',
  'Content-Length: -1',
  'Content-Length: 5\r\nTransfer-Encoding: chunked',
  'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: identity',
  'NoColonHere',
  ' Leading: space',
  'Bad Name: x',
  'X: a\r\n folded',
  'X: \u0000',
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13',
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 99\r\nOrigin: https://evil.example',
  'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings',
  `X-Big: ${'b'.repeat(17_000)}`,
  'Expect: 100-continue\r\nContent-Length: 10',
  'Content-Type: application/json\r\nContent-Length: 2',
];

/** One request over a bare socket: any 4xx, or a close without an answer, is fine; a 5xx is not. */
async function fuzzRaw(r: Rng, i: number): Promise<{ what: string; status: number }> {
  const address = r() < 0.5 ? system.gatewayAddress : system.mediaHooksAddress;
  const line = pick(r, requestLines)(r);
  const headers = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, headerLines));
  const ending = pick(r, ['\r\n\r\n', '\n\n', '\r\n', '\r\r', '']);
  const body = pick(r, ['', '{}', 'zz\r\nx\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', randomBytes(r, 50).toString('latin1')]);
  const text = `${line}\r\n${headers.join('\r\n')}${ending}${body}`;
  const res = await rawHttp(address, [Buffer.from(text, 'latin1')], { waitMs: 1500 });
  return { what: `raw #${i} ${JSON.stringify(text.slice(0, 100))}`, status: res.status ?? 0 };
}

it('answers every random or malformed HTTP request below 500, stays up, and still serves', async () => {
  const r = rng(20261124);
  const failures: string[] = [];
  const check = ({ what, status }: { what: string; status: number }) => {
    if (status >= 500) failures.push(`${what} -> ${status}`);
  };
  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 25 }, (_, j) => fuzzFetch(r, batch * 25 + j).then(check)));
  }
  for (let batch = 0; batch < 10; batch++) {
    await Promise.all(Array.from({ length: 25 }, (_, j) => fuzzRaw(r, batch * 25 + j).then(check)));
  }
  // Bodies that trickle in and stop: the servers keep serving everyone else meanwhile.
  const slow = [system.gatewayAddress, system.mediaHooksAddress].map((address) =>
    rawHttp(address, ['POST /v1/tencent/callback HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', '{"t":', '1'], { pauseMs: 200, waitMs: 1000 }),
  );
  expect((await fetch(`http://${system.gatewayAddress}/healthz`)).status).toBe(200);
  for (const res of await Promise.all(slow)) if (res.status !== undefined) expect(res.status).toBeLessThan(500);
  expect(failures).toEqual([]);

  expect((await fetch(`http://${system.gatewayAddress}/healthz`)).status).toBe(200);
  expect((await fetch(`http://${system.mediaHooksAddress}/healthz`)).status).toBe(200);
  const client = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'after-fuzz' }));
  const joined = await client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: 'after-http-fuzz', createIfMissing: true }) });
  expect(joined.members.map((m) => m.identity)).toEqual(['after-fuzz']);
  await client.close();
}, 120_000);
