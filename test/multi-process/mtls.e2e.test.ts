// The services as separate processes, deployed the secure way (no RTCROOM_DEV): real secrets,
// Postgres, NATS, and mutual TLS with the certificates `npm run certs` makes. A service without its
// certificates refuses to start and names the variable; with them a join goes through, a business
// backend gets tokens with the internal certificate, and the containers' health probe answers.
// Needs `npm run build` (the processes run dist/main.js) and openssl.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, DevCertificates, makeDevCertificates } from '@rtcroom/dev';
import { gatewayv1, tokenv1 } from '@rtcroom/proto';
import { Cluster, ServiceProcess } from '../support/service-processes';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rtcroom-mp-mtls-'));
const secret = () => randomBytes(32).toString('hex');
let certs: DevCertificates;
let database: TestDatabase;
let cluster: Cluster;
let production: Record<string, string>;

beforeAll(async () => {
  certs = makeDevCertificates({ outDir: dir });
  database = await createTestDatabase();
  production = { RTCROOM_DEV: 'false', DATABASE_URL: database.url, STREAM_ID_KEY: secret(), MEDIA_SIGNING_KEY: secret() };
  cluster = await Cluster.start({ databaseUrl: database.url, natsUrl: testNatsUrl, accessTokenSecret: secret(), gateways: 1, presences: 1, certsDir: dir, env: production });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses to start without its certificates outside development, naming the variable', async () => {
  const bare = new ServiceProcess('presence', { ...production, NATS_URL: testNatsUrl });
  await expect(bare.start()).rejects.toThrow(/exited \(2\)[\s\S]*GRPC_TLS_CA is required outside development/);
});

it('carries a join between the processes over mutual TLS, with a token from the TokenService', async () => {
  const tokens = createClient(tokenv1.TokenServiceService, cluster.gateways[0].listening.GATEWAY_GRPC_ADDRESS, 5000, { tls: { caFile: certs.caFile, ...certs.files.internal } });
  const token = async (identity: string) => (await tokens.issueAccessToken(tokenv1.IssueAccessTokenRequest.fromPartial({ identity }))).token;
  const alice = await DemoClient.connect(cluster.gatewayUrl(0), await token('alice'));
  const bob = await DemoClient.connect(cluster.gatewayUrl(0), await token('bob'));
  try {
    const a = await alice.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: `mp-mtls-${Date.now().toString(36)}`, createIfMissing: true }) });
    await bob.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId: a.room!.id }) });
    await alice.request({ $case: 'reportPusherEvent', value: { roomId: a.room!.id, code: 1002, message: '' } });
    const started = await bob.waitForNotice((n) => n.notice?.$case === 'streamStarted');
    expect(started.notice?.$case === 'streamStarted' && started.notice.value.playUrl?.streamId).toBe(a.pushUrl?.streamId);
  } finally {
    tokens.close();
    await alice.close();
    await bob.close();
  }
});

it('answers the containers’ health probe over TLS without a client certificate', async () => {
  const probe = join(root, 'packages', 'common', 'dist', 'grpc', 'health-probe.js');
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [probe, cluster.room.address], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 }).then(
      (r) => r.stdout.trim(),
      (err: { stdout: string }) => err.stdout.trim(),
    );
  expect(await run({ GRPC_TLS_CA: certs.caFile })).toBe('SERVING');
  expect(await run({})).toMatch(/^NOT SERVING/);
});
