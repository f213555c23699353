// Every command rtcroom ships, run as built (npm run build first): --help prints its usage and exits 0,
// a flag it does not know is refused with exit code 2, what is wrong and the usage; the token and certs
// commands take every flag README shows; and a command that finds nothing to talk to says what to
// start. (Every command README and the console suggest, run as written against a running system:
// test/suggested-commands.e2e.test.ts; the bench's options: bench/src/options.unit.test.ts; npm run up
// itself and the demo it prints: CI's smoke start, scripts/smoke-start.sh.)
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devSecrets, loadAccessTokenKeys, verifyAccessToken } from '@rtcroom/common';
import { createTestDatabase } from '@rtcroom/common/testing';

const root = join(__dirname, '..');

/** Each command's built script, from the repository's root. */
const commands = [
  'packages/cli/dist/main.js',
  'packages/dev/dist/token.js',
  'packages/dev/dist/certs.js',
  'packages/dev/dist/demo.js',
  'packages/dev/dist/up.js',
  'packages/common/dist/grpc/health-probe.js',
  'services/url-issuer/dist/print-nginx-conf.js',
  'services/url-issuer/bench/sign-throughput.js',
  'bench/dist/run.js',
  'bench/dist/mux-micro.js',
  'bench/dist/presence-micro.js',
  'bench/dist/inproc-micro.js',
  'bench/dist/memory.js',
  'bench/dist/bus-publish-micro.js',
  'bench/dist/relay-micro.js',
  'bench/dist/pairs.js',
  'bench/dist/gateway-interest.js',
  'bench/dist/resume-storm.js',
  'bench/dist/floor/main.js',
  'bench/dist/floor/store-main.js',
  'bench/profile-top.cjs',
  'bench/span-breakdown.cjs',
];

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    // No service address is reachable from here: a command that went past its command line would fail, not hang.
    const environment = { ...process.env, ROOM_SERVICE_ADDRESS: '127.0.0.1:1', ...env };
    execFile(process.execPath, [join(root, script), ...args], { env: environment, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  const missing = commands.filter((c) => !existsSync(join(root, c)));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} (npm run build)`);
});

describe.each(commands)('%s', (script) => {
  it('prints its usage with --help and exits 0', async () => {
    const ran = await run(script, ['--help']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toMatch(/^usage: /);
  });

  it('refuses a flag it does not know with exit code 2, the flag and the usage', async () => {
    const ran = await run(script, ['--no-such-flag']);
    expect(ran).toMatchObject({ code: 2, stdout: '' });
    expect(ran.stderr).toMatch(/^Unknown option '--no-such-flag'\nusage: /);
  });
});

it("mints README's tokens: every flag, and the ttl given second", async () => {
  const full = await run('packages/dev/dist/token.js', ['alice', '--ttl', '3600', '--room', 'lobby', '--list', '--admin', '--agent', 'claims'], { ACCESS_TOKEN_SECRET: '' });
  expect(full.code).toBe(0);
  const claims = await verifyAccessToken(devSecrets.accessToken, full.stdout.trim());
  expect(claims).toMatchObject({ sub: 'alice', grants: { room: 'lobby', roomList: true, roomAdmin: true, agentTeams: ['claims'] } });
  expect(claims.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
  const short = await run('packages/dev/dist/token.js', ['alice', '600'], { ACCESS_TOKEN_SECRET: '' });
  expect((await verifyAccessToken(devSecrets.accessToken, short.stdout.trim())).exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(600);
  expect(await run('packages/dev/dist/token.js', ['alice', '--ttl', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--ttl must be a whole number') });
  // With the gateway's key list: the current key signs, named in the header, with the gateway's iss and aud.
  const rotating = { ACCESS_TOKEN_SECRET: '', ACCESS_TOKEN_KEYS: `new:${'n'.repeat(32)},old:${'o'.repeat(32)}`, ACCESS_TOKEN_ISSUER: 'acme', ACCESS_TOKEN_AUDIENCE: 'acme-rooms' };
  const keyed = await run('packages/dev/dist/token.js', ['alice'], rotating);
  expect(JSON.parse(Buffer.from(keyed.stdout.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid: 'new' });
  expect(await verifyAccessToken(loadAccessTokenKeys(rotating), keyed.stdout.trim())).toMatchObject({ sub: 'alice', iss: 'acme', aud: 'acme-rooms' });
  expect(await run('packages/dev/dist/token.js', ['alice'], { ACCESS_TOKEN_KEYS: 'no-kid-here' })).toMatchObject({ code: 2, stderr: expect.stringContaining('ACCESS_TOKEN_KEYS') });
  expect(await run('packages/dev/dist/token.js', [])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^an identity is needed\nusage: /) });
});

it("makes README's certificates (npm run certs -- --out DIR, with --client and --host)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-certs-'));
  try {
    const made = await run('packages/dev/dist/certs.js', ['--out', dir, '--client', 'internal-billing', '--host', 'room.example.internal', '--days', '30']);
    expect(made).toMatchObject({ code: 0, stdout: expect.stringContaining('made a new CA') });
    for (const file of ['ca.crt', 'room.crt', 'room.key', 'internal-billing.crt']) expect(existsSync(join(dir, file))).toBe(true);
    expect(await run('packages/dev/dist/certs.js', ['--out', dir, '--days', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('days must be') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A loopback port nothing listens on: one the system gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('demo with no gateway to reach says so and what to start, not "fetch failed"', async () => {
  const url = `ws://127.0.0.1:${await closedPort()}/v1/ws`;
  const expected = `no gateway at ${url} (ECONNREFUSED); start it with \`npm run up\` (or set GATEWAY_URL to where it listens)\n`;
  // Tokens from the gateway's /dev/token, and (with ACCESS_TOKEN_SECRET) signed here and straight to the socket.
  expect(await run('packages/dev/dist/demo.js', [], { GATEWAY_URL: url, ACCESS_TOKEN_SECRET: '' })).toEqual({ code: 1, stdout: '', stderr: expected });
  expect(await run('packages/dev/dist/demo.js', [], { GATEWAY_URL: url, ACCESS_TOKEN_SECRET: 'a-secret-of-sixteen-or-more' })).toEqual({ code: 1, stdout: '', stderr: expected });
});

it('rtcroom (and npm run desk, its desk group) with no room service to reach says so and what to start', async () => {
  const address = `127.0.0.1:${await closedPort()}`;
  const expected = `UNREACHABLE: no room service at ${address} (ECONNREFUSED); start it (\`npm run up\` in development) or give --address / ROOM_SERVICE_ADDRESS\n`;
  expect(await run('packages/cli/dist/main.js', ['desk', 'team', 'list'], { ROOM_SERVICE_ADDRESS: address })).toEqual({ code: 3, stdout: '', stderr: expected });
  expect(await run('packages/cli/dist/main.js', ['rooms', 'list', '--address', address], {})).toEqual({ code: 3, stdout: '', stderr: expected });
});

it('npm run up on an address in use names it and its variable, and says what to do, without a stack trace', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = `127.0.0.1:${(holder.address() as { port: number }).port}`;
  const database = await createTestDatabase(); // the real Postgres: no embedded store to set up first
  try {
    const anyPort = '127.0.0.1:0';
    const ran = await run('packages/dev/dist/up.js', [], {
      DATABASE_URL: database.url,
      NATS_URL: '',
      LOG_LEVEL: 'error',
      GATEWAY_ADDRESS: taken,
      ...Object.fromEntries(['GATEWAY_GRPC_ADDRESS', 'ROOM_GRPC_ADDRESS', 'PRESENCE_GRPC_ADDRESS', 'URL_ISSUER_GRPC_ADDRESS', 'URL_ISSUER_HTTP_ADDRESS', 'GATEWAY_METRICS_ADDRESS', 'ROOM_METRICS_ADDRESS', 'PRESENCE_METRICS_ADDRESS', 'URL_ISSUER_METRICS_ADDRESS'].map((v) => [v, anyPort])),
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(
      `rtcroom failed to start: ${taken} (GATEWAY_ADDRESS) is in use: is \`npm run up\` already running? Stop it, or set GATEWAY_ADDRESS to another address (port 0: any free one)\n`,
    );
    expect(ran.stderr).not.toMatch(/\n\s+at /);
  } finally {
    holder.close();
    await database.drop();
  }
});
