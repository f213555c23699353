// The real media test: nginx with the RTMP module, configured as print-nginx-conf configures it,
// asks rtcroom about every push and play. Two members join through the gateway, ffmpeg pushes a test
// pattern with sound to one member's push URL, the other member is told the stream began (by the
// media server: nobody reports pusher event 1002 here) and reads frames from its play URL; a recording
// room's file is remuxed to MP4, announced, listed, on disk and served by nginx over HTTP only with a
// signature for its viewer; forged, expired, foreign and stale URLs are refused.
//
// Needs nginx, libnginx-mod-rtmp and ffmpeg (bash scripts/ensure-media-tools.sh installs them). Skipped
// when they are missing, except in CI (CI=true), where their absence is a failure.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createLogger, freePort, issueAccessToken, NatsEventBus } from '@rtcroom/common';
import { createTestDatabase, eventually, HeldAddress, PrivateNatsServer, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, mediaEventv1, roomEventv1, roomv1, urlIssuerv1 } from '@rtcroom/proto';
import { createSelfHostedProvider, nginxRtmpHookPaths, renderStandaloneNginxConf, signPush } from '@rtcroom/url-issuer';

const secret = 'media-e2e-secret-long-enough';
const signingKey = 'media-e2e-signing-key-0123456789';
const token = (identity: string) => issueAccessToken(secret, { identity, ttlSeconds: 600 });

// --- Are the tools there? ---------------------------------------------------------------------
const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
const rtmpModule = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'].find(existsSync);
const runs = (cmd: string) => spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [!nginxBin && 'nginx', !rtmpModule && 'libnginx-mod-rtmp', !runs('ffmpeg') && 'ffmpeg', !runs('ffprobe') && 'ffprobe'].filter(Boolean);
const inCi = process.env.CI === 'true';
if (missing.length > 0 && !inCi) {
  // eslint-disable-next-line no-console
  console.warn(`test/media skipped: ${missing.join(', ')} not installed (bash scripts/ensure-media-tools.sh installs them)`);
}
const describeMedia = missing.length > 0 && !inCi ? describe.skip : describe;

// --- Processes ----------------------------------------------------------------------------------
interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

/** ffmpeg pushes `seconds` of a 320x240 test pattern with a 440 Hz tone, in real time. */
const push = (url: string, seconds: number) =>
  run(
    'ffmpeg',
    [
      ...['-hide_banner', '-v', 'error', '-re'],
      ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440'],
      ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-c:a', 'aac', '-f', 'flv', url],
    ],
    (seconds + 15) * 1000,
  ).done;

/** Decodes `frames` video frames of a play URL; resolves with how many it got. */
async function readFrames(url: string, frames = 10): Promise<{ code: number | null; frames: number; stderr: string }> {
  const { code, stdout, stderr } = await run(
    'ffmpeg',
    ['-hide_banner', '-v', 'error', '-rw_timeout', '5000000', '-i', url, '-map', '0:v:0', '-frames:v', String(frames), '-f', 'framemd5', '-'],
    15_000,
  ).done;
  return { code, frames: stdout.split('\n').filter((l) => /^\s*0,/.test(l)).length, stderr };
}

async function probe(target: string): Promise<string[]> {
  const { code, stdout } = await run('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', target], 15_000).done;
  return code === 0 ? stdout.split('\n').map((s) => s.trim()).filter(Boolean).sort() : [];
}

/**
 * nginx, which cannot listen on port 0 and say where it is, on a port picked for it. Another process
 * may take that port first: nginx then exits, and it is tried on another. It counts as started when it
 * has written its pid file, which it does only once its ports are bound (not when "something answers"
 * on the port, which may be someone else).
 */
async function startNginx(dir: string, conf: (rtmpListen: string, httpListen: string) => string): Promise<{ proc: ChildProcess; port: number; httpPort: number }> {
  const pidFile = join(dir, 'nginx.pid');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const httpPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), conf(`127.0.0.1:${port}`, `127.0.0.1:${httpPort}`));
    rmSync(pidFile, { force: true });
    // -e: the error log from the first moment, before nginx has read its configuration.
    const proc = spawn(nginxBin!, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    const outcome = await eventually(
      () => (proc.exitCode !== null ? 'exited' : existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(proc.pid) && 'bound'),
      10_000,
      'nginx to bind its port or exit',
    );
    if (outcome === 'bound') return { proc, port, httpPort };
    if (attempt === 5) throw new Error(`nginx did not start:\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
  }
}

// --- The gateway, the way a client uses it ------------------------------------------------------
/** A request's answer, or a failure that says which request went unanswered and whether the socket closed. */
function answered<T>(c: DemoClient, request: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms (socket ${c.closeCode ? `closed ${c.closeCode}` : 'open'})`)), timeoutMs);
  });
  return Promise.race([request, late]).finally(() => clearTimeout(timer));
}
const createRoom = (c: DemoClient, room: Partial<roomv1.Room>) =>
  answered(c, c.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial(room) } }), 'createRoom');
const joinRoom = (c: DemoClient, value: Partial<gatewayv1.JoinRoomRequest>) =>
  answered(c, c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) }), 'joinRoom');
const leaveRoom = (c: DemoClient, roomId: string) => answered(c, c.request({ $case: 'leaveRoom', value: { roomId } }), 'leaveRoom');
let rooms = 0;
const roomName = () => `media-${Date.now().toString(36)}-${rooms++}`;
const queryOf = (url: string) => Object.fromEntries(new URL(url.replace(/^rtmp:/, 'http:')).searchParams);
const isStarted = (identity: string) => (n: gatewayv1.RoomNotice) => n.notice?.$case === 'streamStarted' && n.notice.value.member?.identity === identity;
const isStopped = (identity: string) => (n: gatewayv1.RoomNotice) => n.notice?.$case === 'streamStopped' && n.notice.value.member?.identity === identity;

describeMedia('self-hosted media: nginx-rtmp asks rtcroom, with real pushes and plays', () => {
  let dir: string;
  let database: TestDatabase;
  let nats: PrivateNatsServer;
  let system: RunningSystem;
  let nginx: ChildProcess | undefined;
  let hooks: HeldAddress | undefined;
  let bus: NatsEventBus;
  let rtmpBase: string;
  let alice: DemoClient;
  let bob: DemoClient;
  let carol: DemoClient;

  /** What nginx-rtmp would POST to on_publish for this push URL, and what rtcroom answers. */
  async function publishHook(pushUrl: string): Promise<{ status: number; reason: string }> {
    const u = new URL(pushUrl.replace(/^rtmp:/, 'http:'));
    const [, app, name] = u.pathname.split('/');
    const form = new URLSearchParams({ app, name, addr: '127.0.0.1', call: 'publish', tcurl: `${rtmpBase}/${app}`, ...Object.fromEntries(u.searchParams) });
    const res = await fetch(`http://${system.mediaHooksAddress}${nginxRtmpHookPaths.onPublish}`, { method: 'POST', body: form, signal: AbortSignal.timeout(5000) });
    return { status: res.status, reason: (await res.text()).trim() };
  }

  async function playHook(playUrl: string): Promise<{ status: number; reason: string }> {
    const u = new URL(playUrl.replace(/^rtmp:/, 'http:'));
    const [, app, name] = u.pathname.split('/');
    const form = new URLSearchParams({ app, name, addr: '127.0.0.1', call: 'play', ...Object.fromEntries(u.searchParams) });
    const res = await fetch(`http://${system.mediaHooksAddress}${nginxRtmpHookPaths.onPlay}`, { method: 'POST', body: form, signal: AbortSignal.timeout(5000) });
    return { status: res.status, reason: (await res.text()).trim() };
  }

  /** Room events and media facts of a room, as they cross NATS. */
  function watch(roomId: string) {
    const roomEvents: roomEventv1.RoomEvent[] = [];
    const mediaEvents: mediaEventv1.MediaEvent[] = [];
    const subs = [
      bus.subscribe(`rtcroom.room.${roomId}.>`, (m) => roomEvents.push(roomEventv1.RoomEvent.decode(m.data))),
      bus.subscribe(`rtcroom.media.${roomId}.>`, (m) => mediaEvents.push(mediaEventv1.MediaEvent.decode(m.data))),
    ];
    return { roomEvents, mediaEvents, stop: () => subs.forEach((s) => s.unsubscribe()) };
  }

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`CI=true but ${missing.join(', ')} missing: run bash scripts/ensure-media-tools.sh`);
    dir = mkdtempSync(join(tmpdir(), 'rtcroom-media-'));
    mkdirSync(join(dir, 'recordings'));
    database = await createTestDatabase();
    // A NATS of its own: presence keeps sessions in a bucket every presence on a server shares, and
    // other test files' systems (with other timeouts) must not judge this one's long-lived sessions.
    nats = await PrivateNatsServer.start();
    // nginx and the url-issuer need each other's address: nginx goes first, with the hooks at an
    // address held here, which is pointed at the url-issuer once it listens.
    const held = await HeldAddress.open();
    hooks = held;
    const started = await startNginx(dir, (rtmpListen, recordHttpListen) =>
      renderStandaloneNginxConf({
        recordHttpListen,
        modulePath: rtmpModule!,
        prefix: dir,
        rtmpListen,
        hooksBase: `http://${held.address}`,
        signingKey,
        app: 'live',
        recordApp: 'record',
        recordPath: join(dir, 'recordings'),
      }),
    );
    nginx = started.proc;
    rtmpBase = `rtmp://127.0.0.1:${started.port}`;
    system = await startAll({
      env: {
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        ACCESS_TOKEN_SECRET: secret,
        RTCROOM_DEV: 'true',
        MEDIA_PROVIDER: 'self-hosted',
        MEDIA_SIGNING_KEY: signingKey,
        MEDIA_RTMP_BASE: rtmpBase,
        // Debian's RTMP module serves neither HTTP-FLV nor (without more setup) HLS.
        MEDIA_HTTP_BASE: '',
        MEDIA_RECORD_URL_BASE: `http://127.0.0.1:${started.httpPort}/recordings`,
      },
      ephemeralPorts: true,
      logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
    });
    held.forwardTo(system.mediaHooksAddress);
    bus = await NatsEventBus.connect(nats.url, 'media-e2e-observer', [], createLogger({}, 'silent'));
    alice = await DemoClient.connect(system.gatewayUrl, token('alice'));
    bob = await DemoClient.connect(system.gatewayUrl, token('bob'));
    carol = await DemoClient.connect(system.gatewayUrl, token('carol'));
  }, 30_000);

  afterAll(async () => {
    await Promise.all([alice, bob, carol].map((c) => c?.close()));
    await bus?.close();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    await system?.stop();
    await hooks?.close();
    await nats?.dispose();
    await database?.drop();
    if (dir && process.env.TEST_KEEP_MEDIA !== 'true') rmSync(dir, { recursive: true, force: true });
    else if (dir) console.log(`media test files kept in ${dir}`); // eslint-disable-line no-console
  }, 30_000);

  it('refuses a tampered signature and an expired URL before any media flows', async () => {
    const created = await createRoom(alice, { name: roomName() });
    const a = await joinRoom(alice, { roomId: created.room!.id });
    const url = a.pushUrl!.url;
    const { sig } = queryOf(url);
    const tampered = url.replace(`sig=${sig}`, `sig=${(sig[0] === 'a' ? 'b' : 'a') + sig.slice(1)}`);
    const exp = Math.floor(Date.now() / 1000) - 60;
    const expired = `${rtmpBase}/live/${a.pushUrl!.streamId}?exp=${exp}&sig=${signPush(signingKey, 'live', a.pushUrl!.streamId, exp)}`;
    // The same URL on the recording application: the signature covers the application.
    const switched = url.replace('/live/', '/record/');

    const [t, e, s] = await Promise.all([push(tampered, 2), push(expired, 2), push(switched, 2)]);
    for (const refused of [t, e, s]) expect(refused.code).not.toBe(0);
    expect(await publishHook(tampered)).toEqual({ status: 403, reason: 'BAD_SIGNATURE' });
    expect(await publishHook(expired)).toEqual({ status: 403, reason: 'EXPIRED' });
    expect(await publishHook(switched)).toEqual({ status: 403, reason: 'BAD_SIGNATURE' });
    expect(await publishHook(url)).toEqual({ status: 200, reason: 'OK' });
    await leaveRoom(alice, created.room!.id);
  }, 20_000);

  it("tells B that A's stream began, from the media server; B plays it; a non-member cannot; B is told it ended", async () => {
    const created = await createRoom(alice, { name: roomName() });
    const roomId = created.room!.id;
    const watching = watch(roomId);
    await bus.flush();
    const a = await joinRoom(alice, { roomId });
    await joinRoom(bob, { roomId });

    const pushing = push(a.pushUrl!.url, 8);
    const started = await bob.waitForNotice((n) => isStarted('alice')(n) && n.roomId === roomId, 10_000);
    const playUrl = started.notice?.$case === 'streamStarted' ? started.notice.value.playUrl : undefined;
    expect(playUrl?.viewerIdentity).toBe('bob');
    expect(playUrl?.rtcUrl.startsWith(`${rtmpBase}/live/${a.pushUrl!.streamId}?`)).toBe(true);
    // Nobody reported pusher event 1002: the room heard it from the media server.
    const startedEvent = await eventually(() => watching.roomEvents.find((e) => e.payload?.$case === 'streamStarted'), 5000, 'stream.started');
    expect(startedEvent.payload?.$case === 'streamStarted' && startedEvent.payload.value.source).toBe(roomv1.StreamSource.STREAM_SOURCE_MEDIA_SERVER);
    expect(watching.mediaEvents.find((e) => e.payload?.$case === 'streamBegan')).toMatchObject({ identity: 'alice', streamId: a.pushUrl!.streamId });

    const read = await readFrames(playUrl!.rtcUrl);
    expect(read).toMatchObject({ code: 0, frames: 10 });
    expect(await probe(playUrl!.rtcUrl)).toEqual(['aac', 'h264']);

    // Carol holds no seat in the room; a play URL signed for her is still refused.
    const forCarol = createSelfHostedProvider({
      kind: 'self-hosted',
      rtmpBase,
      httpBase: undefined,
      signingKey,
      app: 'live',
      recordApp: 'record',
      pushTtlSeconds: 600,
      playTtlSeconds: 600,
    }).playUrl(a.pushUrl!.streamId, 'carol', new Date()).rtcUrl;
    expect((await readFrames(forCarol, 1)).code).not.toBe(0);
    expect(await playHook(forCarol)).toEqual({ status: 403, reason: 'VIEWER_NOT_A_MEMBER' });
    // Bob's own URL, with its viewer changed to carol's: the signature covers the viewer.
    const borrowed = playUrl!.rtcUrl.replace('viewer=bob', 'viewer=carol');
    expect((await readFrames(borrowed, 1)).code).not.toBe(0);
    expect(await playHook(borrowed)).toEqual({ status: 403, reason: 'BAD_SIGNATURE' });

    expect((await pushing).code).toBe(0);
    await bob.waitForNotice((n) => isStopped('alice')(n) && n.roomId === roomId, 10_000);
    expect(watching.mediaEvents.map((e) => e.payload?.$case)).toEqual(['streamBegan', 'streamEnded']);
    watching.stop();
    await leaveRoom(alice, roomId);
    await leaveRoom(bob, roomId);
  }, 40_000);

  it('refuses the push URL and the play URL of a member who has left', async () => {
    const created = await createRoom(alice, { name: roomName() });
    const roomId = created.room!.id;
    const a = await joinRoom(alice, { roomId });
    const b = await joinRoom(bob, { roomId });
    const pushing = push(a.pushUrl!.url, 6);
    const started = await bob.waitForNotice((n) => isStarted('alice')(n) && n.roomId === roomId, 10_000);
    const bobPlays = started.notice?.$case === 'streamStarted' ? started.notice.value.playUrl!.rtcUrl : '';
    expect((await readFrames(bobPlays, 3)).code).toBe(0);

    await leaveRoom(bob, roomId);
    expect((await readFrames(bobPlays, 1)).code).not.toBe(0);
    expect(await playHook(bobPlays)).toEqual({ status: 403, reason: 'VIEWER_NOT_A_MEMBER' });
    expect((await push(b.pushUrl!.url, 2)).code).not.toBe(0);
    expect(await publishHook(b.pushUrl!.url)).toEqual({ status: 403, reason: 'MEMBER_LEFT' });

    await pushing;
    await leaveRoom(alice, roomId);
  }, 40_000);

  it('records a recording room: members play through the relay; the file is remuxed to MP4, announced, listed, and served only signed', async () => {
    const created = await createRoom(alice, { name: roomName(), recording: true });
    const roomId = created.room!.id;
    const watching = watch(roomId);
    await bus.flush();
    const a = await joinRoom(alice, { roomId });
    expect(a.pushUrl!.recording).toBe(true);
    expect(a.pushUrl!.url.startsWith(`${rtmpBase}/record/`)).toBe(true);
    await joinRoom(bob, { roomId });

    const pushing = push(a.pushUrl!.url, 5);
    const started = await bob.waitForNotice((n) => isStarted('alice')(n) && n.roomId === roomId, 10_000);
    const playUrl = started.notice?.$case === 'streamStarted' ? started.notice.value.playUrl!.rtcUrl : '';
    // Viewers play from the play application, into which nginx relays the recorded push.
    expect(playUrl.startsWith(`${rtmpBase}/live/`)).toBe(true);
    expect(await readFrames(playUrl, 5)).toMatchObject({ code: 0, frames: 5 });
    expect((await pushing).code).toBe(0);

    const ready = await eventually(() => watching.mediaEvents.find((e) => e.payload?.$case === 'recordingReady'), 10_000, 'recording.ready');
    const recording = ready.payload?.$case === 'recordingReady' ? ready.payload.value.recording! : undefined;
    expect(recording).toMatchObject({ roomId, identity: 'alice', streamId: a.pushUrl!.streamId, format: 'mp4' });
    expect(recording!.filePath.startsWith(join(dir, 'recordings'))).toBe(true);
    expect(statSync(recording!.filePath).size).toBe(recording!.sizeBytes);
    expect(recording!.sizeBytes).toBeGreaterThan(10_000);
    expect(await probe(recording!.filePath)).toEqual(['aac', 'h264']);
    expect(readFileSync(recording!.filePath).subarray(4, 8).toString()).toBe('ftyp');
    // The FLV nginx wrote is gone: the MP4 holds the same media.
    expect(existsSync(recording!.filePath.replace(/\.mp4$/, '.flv'))).toBe(false);

    const issuer = createClient(urlIssuerv1.UrlIssuerServiceService, system.urlIssuerAddress);
    try {
      const listed = await issuer.listRecordings({ roomId, pageSize: 10, pageToken: '', viewerIdentity: '' });
      expect(listed.recordings.map((r) => [r.id, r.filePath])).toEqual([[recording!.id, recording!.filePath]]);
      // Served by nginx over HTTP: signed for bob it plays (and seeks: ranges), unsigned or re-addressed it does not.
      const signed = (await issuer.listRecordings({ roomId, pageSize: 10, pageToken: '', viewerIdentity: 'bob' })).recordings[0].url;
      const whole = await fetch(signed, { signal: AbortSignal.timeout(5000) });
      expect([whole.status, whole.headers.get('content-type'), Number(whole.headers.get('content-length'))]).toEqual([200, 'video/mp4', recording!.sizeBytes]);
      await whole.arrayBuffer();
      expect((await fetch(signed, { headers: { range: 'bytes=0-99' }, signal: AbortSignal.timeout(5000) })).status).toBe(206);
      expect(await probe(signed)).toEqual(['aac', 'h264']);
      expect((await fetch(recording!.url, { signal: AbortSignal.timeout(5000) })).status).toBe(403);
      expect((await fetch(signed.replace('viewer=bob', 'viewer=carol'), { signal: AbortSignal.timeout(5000) })).status).toBe(403);
      expect((await fetch(`${recording!.url.replace(/[^/]+$/, '')}`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
    } finally {
      issuer.close();
    }
    // Only the member's own push counts: nginx's relay into the play application is no second stream.
    expect(watching.mediaEvents.map((e) => e.payload?.$case)).toEqual(['streamBegan', 'streamEnded', 'recordingReady']);
    watching.stop();
  }, 40_000);
});
