// Server reflection tells the truth: each gRPC port lists exactly the services it serves (its own,
// the mux stream, health and reflection), asked the way an operator would, with `buf curl`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { RunningSystem, startAll } from '@rtcroom/dev';

const root = join(__dirname, '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
let system: RunningSystem;

function bufCurl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`buf curl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

const everyPort = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'rtcroom.mux.v1.MuxService'];

beforeAll(async () => {
  system = await startAll({ env: { RTCROOM_DEV: 'true' }, ephemeralPorts: true, logLevel: 'silent' });
}, 90_000); // PGlite's first start: seconds here, over 30 on a loaded machine
afterAll(() => system?.stop());

it.each([
  ['room', () => system.roomGrpcAddress, ['rtcroom.desk.v1.DeskService', 'rtcroom.room.v1.CallService', 'rtcroom.room.v1.RoomService', 'rtcroom.room.v1.WebhookService']],
  ['presence', () => system.presenceGrpcAddress, ['rtcroom.presence.v1.PresenceService']],
  ['url-issuer', () => system.urlIssuerAddress, ['rtcroom.media.v1.UrlIssuerService']],
  ['gateway', () => system.gatewayGrpcAddress, ['rtcroom.gateway.v1.TokenService']],
])('%s port lists exactly its services', async (_name, address, own) => {
  const listed = (await bufCurl(['--list-services', `http://${address()}`])).trim().split('\n').sort();
  expect(listed).toEqual([...own, ...everyPort].sort());
});

it('reflection describes the services well enough to call them without a local schema', async () => {
  const out = await bufCurl(['-d', '{"identity":"alice","ttlSeconds":3600}', `http://${system.gatewayGrpcAddress}/rtcroom.gateway.v1.TokenService/IssueAccessToken`]);
  expect(JSON.parse(out)).toEqual({ token: expect.stringMatching(/^eyJ/), expiresAt: expect.any(String) });
  const health = await bufCurl(['-d', '{"service":"rtcroom.room.v1.RoomService"}', `http://${system.roomGrpcAddress}/grpc.health.v1.Health/Check`]);
  expect(JSON.parse(health)).toEqual({ status: 'SERVING' });
});
