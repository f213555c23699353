// @rtcroom/sdk as a published package: packed with `npm pack`, installed from the tarball into a
// throw-away app outside the workspace, and used there as an app would, against the real system:
// examples/example.mjs (import) and examples/example.cjs (require) run in the app with `node`, while
// a client in this test sits in the same room and sees them come, publish and go. Also: the tarball
// holds only what ships, both module systems resolve to their own build, and their types check.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RtcRoomClient } from '@rtcroom/sdk';
import { cleanEnv, packSdk, packWs, PackedSdk, repoRoot, sdkDir, throwawayApp } from './packed-sdk';
import { connectClient, recorder, roomName, startTestSystem, TestSystem, token } from './system';

const run = promisify(execFile);

let t: TestSystem;
let packs: string;
let packed: PackedSdk;
let app: { dir: string; remove(): void };
beforeAll(async () => {
  packs = mkdtempSync(join(tmpdir(), 'rtcroom-packs-'));
  packed = await packSdk(packs);
  app = await throwawayApp('node-app', [packed.tarball, await packWs(packs)]);
  for (const f of ['example.mjs', 'example.cjs']) copyFileSync(join(sdkDir, 'examples', f), join(app.dir, f));
  t = await startTestSystem();
}, 180_000);
afterAll(async () => {
  await t?.stop();
  app?.remove();
  if (packs) rmSync(packs, { recursive: true, force: true });
});

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

it('the tarball holds the two builds with their types, the README and the license; no sources, maps or build state', () => {
  expect(packed.files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/package.json']));
  const unexpected = packed.files.filter((f) => !['LICENSE', 'README.md', 'package.json', 'dist/esm/package.json'].includes(f) && !/^dist\/(cjs|esm)\/.+\.(js|d\.ts)$/.test(f));
  expect(unexpected).toEqual([]);
  expect(packed.files.filter((f) => /\.test\.|tsbuildinfo|\.map$|^src\//.test(f))).toEqual([]);
});

it('installs with npm --offline: the SDK has no dependencies', async () => {
  const bare = await throwawayApp('offline', []);
  try {
    await run('npm', ['install', packed.tarball, '--offline', '--no-audit', '--no-fund'], { cwd: bare.dir, env: cleanEnv() });
    const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: bare.dir, env: cleanEnv() });
    expect(stdout.trim().split('\n').slice(1).map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length))).toEqual(['@rtcroom/sdk']);
  } finally {
    bare.remove();
  }
});

it('import takes the ES module build, require the CommonJS one', async () => {
  const node = (args: string[]) => run(process.execPath, args, { cwd: app.dir, env: cleanEnv() }).then((r) => r.stdout.trim());
  expect(await node(['--input-type=module', '-e', "console.log(import.meta.resolve('@rtcroom/sdk'))"])).toMatch(/node_modules\/@rtcroom\/sdk\/dist\/esm\/index\.js$/);
  expect(await node(['-p', "require.resolve('@rtcroom/sdk')"])).toMatch(/node_modules\/@rtcroom\/sdk\/dist\/cjs\/index\.js$/);
});

it('its types check for an ES module and a CommonJS TypeScript app (node16 resolution, the SDK\'s .d.ts checked too)', async () => {
  const use = (sdk: string) => `
const client = new ${sdk}RtcRoomClient({ socket: ${sdk}wxSocket({ connectSocket: () => { throw new Error('not here'); } }) });
const joined: Promise<${sdk.replace('.', '')}JoinedRoom> = client.enterRoom('demo');
client.on('memberJoined', (e) => e.member.identity.toUpperCase());
// @ts-expect-error not an event of the client
client.on('noSuchEvent', () => undefined);
const code: ${sdk.replace('.', '')}ErrorCode = 'ROOM_FULL';
export { joined, code };
`;
  writeFileSync(join(app.dir, 'check.mts'), `import { RtcRoomClient, wxSocket } from '@rtcroom/sdk';\nimport type { ErrorCode, JoinedRoom } from '@rtcroom/sdk';\n${use('')}`);
  writeFileSync(join(app.dir, 'check.cts'), `import sdk = require('@rtcroom/sdk');\ntype sdkJoinedRoom = sdk.JoinedRoom;\ntype sdkErrorCode = sdk.ErrorCode;\n${use('sdk.')}`);
  writeFileSync(join(app.dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'ES2022', lib: ['ES2022'], strict: true, noEmit: true, types: [], skipLibCheck: false }, files: ['check.mts', 'check.cts'] }));
  await expect(run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app.dir], { cwd: app.dir, env: cleanEnv() })).resolves.toBeDefined();
}, 60_000);

describe.each([
  ['example.mjs', 'ACCESS_TOKEN'],
  ['example.cjs', 'the gateway\'s /dev/token'],
])('node %s in the app, with a token from %s', (example, tokenFrom) => {
  it('takes a seat beside someone already publishing, plays them, announces its push and leaves: the other side sees it all', async () => {
    const room = roomName('pkg');
    const watcher = await connectClient(t.system, 'watcher');
    clients.push(watcher);
    const joined = await watcher.enterRoom(room);
    await watcher.reportPusherEvent(joined.room.id, 1002);
    const arrivals = recorder(watcher, 'memberJoined');
    const streams = recorder(watcher, 'streamReady');
    const departures = recorder(watcher, 'memberLeft');

    const identity = example.replace('.', '-');
    const env = cleanEnv({ GATEWAY_URL: t.system.gatewayUrl, ROOM: room, IDENTITY: identity, ...(tokenFrom === 'ACCESS_TOKEN' ? { ACCESS_TOKEN: token(identity) } : {}) });
    const { stdout, stderr } = await run(process.execPath, [example], { cwd: app.dir, env, timeout: 20_000 });
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`connected as ${identity}`);
    expect(lines[1]).toBe(`in room ${room} with watcher, ${identity}`);
    expect(lines[2]).toMatch(/^push URL: rtmp:\/\/\S+/);
    expect(lines[3]).toMatch(new RegExp(`^watcher plays at rtmp://\\S+viewer=${identity}`));
    expect(lines.slice(4)).toEqual(['push reported: STREAM_STARTED', 'left']);

    expect((await arrivals.next((e) => e.member.identity === identity)).self).toBe(false);
    expect((await streams.next((e) => e.member.identity === identity)).playUrl?.rtcUrl).toMatch(/^rtmp:\/\//);
    expect((await departures.next((e) => e.member.identity === identity)).reason).toBe('LEAVE_REASON_LEFT');
  }, 30_000);
});
