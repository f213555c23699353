// The system as the images run it: the four services' images are built (on a local base image: no
// registry here) with the media server's (deploy/docker/nginx-rtmp), docker-compose starts them from
// docker-compose.ci.yml (the host's network; this test's Postgres database and a NATS of its own; nginx-rtmp's
// configuration made by the url-issuer image's print-nginx-conf),
// outside development mode, over mutual TLS with `npm run certs` certificates and random secrets. Every
// container must report healthy through its own HEALTHCHECK; the demo clients then walk the thin path
// through the containerized gateway; a member's push is recorded by nginx-rtmp, remuxed to MP4 by the
// url-issuer's container in the shared volume, listed, and served signed by nginx; then the room service's container is stopped (SIGTERM: it must
// drain and exit 0) and replaced by a newly built image while clients stay connected: no seat is lost,
// the sockets stay open, and the other three containers keep running; then the gateway's container
// likewise: its clients are told to go away, resume their sessions on the new one, seats and all.
// Each phase's time is printed.
//
// Docker: DOCKER_HOST when set, else a dockerd of its own (root needed), started with no bridge and no
// firewall rules on a persistent data root (RTCROOM_DOCKER_DATA_ROOT, default
// /var/cache/rtcroom-ci/docker) so the base image and the layers are reused run after run, and stopped
// by its PID afterwards. Skipped when docker is missing, except in CI (CI=true), where it must run
// (scripts/ensure-docker.sh installs docker.io, docker-compose and debootstrap). Needs `npm run build`
// (the demo's dist).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createClient, issueAccessToken } from '@rtcroom/common';
import { roomv1, urlIssuerv1 } from '@rtcroom/proto';
import { createTestDatabase, eventually, PrivateNatsServer, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient } from '../../packages/dev/src/demo-client';
import { makeDevCertificates } from '../../packages/dev/src/dev-certificates';

const root = join(__dirname, '..', '..');
const services = ['url-issuer', 'room', 'presence', 'gateway'] as const;
type Service = (typeof services)[number];

// --- Is docker there? ---------------------------------------------------------------------------
const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const ownDaemon = !process.env.DOCKER_HOST;
const missing = [
  !runs('docker', ['--version']) && 'docker',
  !runs('docker-compose', ['--version']) && 'docker-compose',
  ownDaemon && !runs('dockerd', ['--version']) && 'dockerd (or DOCKER_HOST)',
  ownDaemon && process.getuid?.() !== 0 && 'root, to start dockerd (or DOCKER_HOST)',
  !process.env.NODE_BASE && !runs('debootstrap', ['--version']) && 'debootstrap (or NODE_BASE)',
].filter(Boolean);
const inCi = process.env.CI === 'true';
if (missing.length > 0 && !inCi) {
  // eslint-disable-next-line no-console
  console.warn(`test/containers skipped: ${missing.join(', ')} missing (bash scripts/ensure-docker.sh installs them; CI runs this test)`);
}
const describeContainers = missing.length > 0 && !inCi ? describe.skip : describe;

// --- ffmpeg and ffprobe, for the media server's check (skipped without them, except in CI) ----
const hasFfmpeg = (runs('ffmpeg', ['-version']) && runs('ffprobe', ['-version'])) || inCi;
/** ffmpeg's arguments to push `seconds` of a small test pattern with a tone, in real time. */
const ffmpegPush = (url: string, seconds: number) => [
  ...['-hide_banner', '-v', 'error', '-re'],
  ...['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440'],
  ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-c:a', 'aac', '-f', 'flv', url],
];

// --- Processes ----------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'rtcroom-containers-'));
const dockerEnv: NodeJS.ProcessEnv = { ...process.env };
const timings: [string, number][] = [];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = dockerEnv, timeoutMs = 10 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    // 'close', not 'exit': the process may exit before its output has all been read, and a command
    // whose answer is its output (ps -q, inspect) would then seem to have said nothing.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}):\n${out.slice(-4000)}\n${err}`));
    });
  });
}

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    const seconds = (Date.now() - started) / 1000;
    timings.push([name, seconds]);
    process.stdout.write(`test/containers: ${name}: ${seconds.toFixed(1)} s\n`);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The persistent data root, when no other run's dockerd holds it (a lock directory with its owner's
 * pid; a dead owner's is taken over); else a fresh one in this run's directory: slower, never shared.
 */
function claimDataRoot(): { dataRoot: string; release: () => void } {
  const dataRoot = process.env.RTCROOM_DOCKER_DATA_ROOT ?? '/var/cache/rtcroom-ci/docker';
  const lock = `${dataRoot}.lock`;
  mkdirSync(join(dataRoot, '..'), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return { dataRoot, release: () => rmSync(lock, { recursive: true, force: true }) };
    } catch {
      const owner = Number(readFileSync(join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (owner && alive(owner)) break;
      rmSync(lock, { recursive: true, force: true });
    }
  }
  process.stdout.write(`test/containers: ${dataRoot} is in use by another run; building without its cache\n`);
  return { dataRoot: join(work, 'docker'), release: () => undefined };
}

/** Its own dockerd, on the persistent data root; resolves once `docker info` answers. */
async function startDockerd(): Promise<{ daemon: ChildProcess; release: () => void }> {
  const { dataRoot, release } = claimDataRoot();
  mkdirSync(dataRoot, { recursive: true });
  // Short paths: the sockets under the exec root must fit a unix socket's 108 bytes.
  const dir = mkdtempSync('/tmp/rtcroom-dockerd-');
  const socket = join(dir, 'docker.sock');
  const daemon = spawn(
    'dockerd',
    ['--bridge=none', '--iptables=false', '--ip6tables=false', '--data-root', dataRoot, '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'), '-H', `unix://${socket}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  daemon.stderr?.on('data', (d) => (log = (log + d).slice(-4000)));
  dockerEnv.DOCKER_HOST = `unix://${socket}`;
  // Once it has exited: the data root is free again, and the exec root goes, with the network
  // namespace dockerd bind-mounts there and leaves behind.
  const forget = () => {
    spawnSync('umount', [join(dir, 'exec', 'netns', 'default')], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    release();
  };
  try {
    await eventually(
      () => {
        if (daemon.exitCode !== null) throw new Error(`dockerd exited (${daemon.exitCode}):\n${log}`);
        return runs('docker', ['-H', `unix://${socket}`, 'info']);
      },
      60_000,
      'dockerd to answer',
    );
  } catch (err) {
    if (daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    forget();
    throw err;
  }
  return { daemon, release: forget };
}

// --- Compose ------------------------------------------------------------------------------------
const project = `rtcroomci${process.pid}`;
const composeEnv: NodeJS.ProcessEnv = {};
const compose = (...args: string[]) => run('docker-compose', ['-p', project, '-f', 'docker-compose.ci.yml', ...args], { ...dockerEnv, ...composeEnv });
const docker = (...args: string[]) => run('docker', args);

/** What compose keeps running: the four services and the media server. */
const running = [...services, 'nginx-rtmp'] as const;
type Running = (typeof running)[number];

/** Janus and the media bridge: compose's media-bridge profile, started by the last test only. */
type MediaBridgeService = 'janus' | 'media-bridge';

async function containerOf(service: Running | MediaBridgeService): Promise<string> {
  const id = await compose('ps', '-q', service);
  if (!id) throw new Error(`no container for ${service}`);
  return id;
}

interface ContainerState {
  id: string;
  image: string;
  status: string;
  health: string;
  exitCode: number;
}

async function inspect(id: string): Promise<ContainerState> {
  const out = await docker('inspect', '-f', '{{.Id}} {{.Image}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}', id);
  const [fullId, image, status, health, exitCode] = out.split(' ');
  return { id: fullId, image, status, health, exitCode: Number(exitCode) };
}

/** Waits until the service's container says healthy through its HEALTHCHECK; fails fast when it exits or turns unhealthy. */
async function healthy(service: Running | MediaBridgeService, timeoutMs = 180_000): Promise<ContainerState> {
  const id = await containerOf(service);
  return eventually(
    async () => {
      const state = await inspect(id);
      if (state.status === 'exited' || state.health === 'unhealthy') {
        // Both streams: the services log to stdout, node's own errors go to stderr.
        const logs = spawnSync('docker', ['logs', '--tail', '40', id], { env: dockerEnv, encoding: 'utf8', timeout: 30_000 });
        throw new Error(`${service} is ${state.status}/${state.health} (exit ${state.exitCode}):\n${logs.stdout}${logs.stderr}`);
      }
      return state.health === 'healthy' && state;
    },
    timeoutMs,
    `${service}'s container to report healthy`,
  );
}

// On its own daemon (one run at a time holds its data root) the tags are fixed, so the images stay and
// their layers are the next run's cache; on someone else's they are this run's own, removed after.
const tag = ownDaemon ? 'ci' : `ci${process.pid}`;
const randomHex = () => randomBytes(32).toString('hex');

// The containers' ports on the host network. Not from freePort(): that gives a port from the kernel's
// ephemeral range, which any connection or port-0 listener of the other tests running meanwhile may be
// given in the seconds before compose starts the container (seen: the url-issuer's HTTP port taken).
// These come from below that range (32768-60999 here), picked at random and checked bindable.
const portsGiven = new Set<number>();
async function hostPort(): Promise<number> {
  for (;;) {
    const port = 12_000 + Math.floor(Math.random() * 8000);
    if (portsGiven.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!free) continue;
    portsGiven.add(port);
    return port;
  }
}
const secret = randomHex();

describeContainers('the images, run by compose on the host network', () => {
  let daemon: ChildProcess | undefined;
  let release = () => undefined as void;
  let database: TestDatabase | undefined;
  let nats: PrivateNatsServer | undefined;
  let gatewayUrl = '';
  let composeUp = false;
  const clients: DemoClient[] = [];
  let roomId = '';
  let urlIssuerAddress = '';
  let internalTls = { caFile: '', certFile: '', keyFile: '' };
  const token = (identity: string) => issueAccessToken(secret, { identity, ttlSeconds: 900 });

  beforeAll(async () => {
    if (ownDaemon) ({ daemon, release } = await phase('start dockerd', startDockerd));
    const base = process.env.NODE_BASE ?? (await phase('base image (cached by its recipe)', () => run('bash', ['deploy/docker/base-image.sh'])));
    process.stdout.write(`test/containers: base ${base}\n`);
    const built = await phase('build the four images and nginx-rtmp', () => run('bash', ['deploy/docker/build-images.sh', tag, 'url-issuer', 'room', 'presence', 'gateway', 'nginx-rtmp'], { ...dockerEnv, NODE_BASE: base }));
    process.stdout.write(`${built}\n`);

    database = await createTestDatabase();
    nats = await PrivateNatsServer.start();
    const certDir = join(work, 'certs');
    const certs = makeDevCertificates({ outDir: certDir });
    // An operator's client certificate (role internal): ListRecordings is theirs.
    internalTls = { caFile: certs.caFile, ...certs.files.internal };
    // The services run as uid 1000 and the files are this (root) process's: the keys are made readable
    // to it, in this test's directory only (a deployment gives the keys to the service's group).
    for (const f of readdirSync(certDir)) chmodSync(join(certDir, f), 0o644);
    const port = { room: await hostPort(), presence: await hostPort(), urlIssuer: await hostPort(), urlIssuerHttp: await hostPort(), gateway: await hostPort(), gatewayGrpc: await hostPort(), rtmp: await hostPort(), recordHttp: await hostPort() };
    // Each service's /metrics too: on the host network the defaults (9461-9464) may be anyone's.
    const metricsPort = { room: await hostPort(), presence: await hostPort(), urlIssuer: await hostPort(), gateway: await hostPort() };
    Object.assign(composeEnv, {
      RTCROOM_CERTS_DIR: certDir,
      CI_IMAGE_TAG: tag,
      CI_ROOM_IMAGE_TAG: tag,
      CI_GATEWAY_IMAGE_TAG: tag,
      CI_NATS_URL: nats.url,
      CI_DATABASE_URL: database.url,
      CI_ROOM_PORT: String(port.room),
      CI_PRESENCE_PORT: String(port.presence),
      CI_URL_ISSUER_PORT: String(port.urlIssuer),
      CI_URL_ISSUER_HTTP_PORT: String(port.urlIssuerHttp),
      CI_GATEWAY_PORT: String(port.gateway),
      CI_GATEWAY_GRPC_PORT: String(port.gatewayGrpc),
      CI_ROOM_METRICS_PORT: String(metricsPort.room),
      CI_PRESENCE_METRICS_PORT: String(metricsPort.presence),
      CI_URL_ISSUER_METRICS_PORT: String(metricsPort.urlIssuer),
      CI_GATEWAY_METRICS_PORT: String(metricsPort.gateway),
      CI_RTMP_PORT: String(port.rtmp),
      CI_RECORD_HTTP_PORT: String(port.recordHttp),
      ACCESS_TOKEN_SECRET: secret,
      STREAM_ID_KEY: randomHex(),
      MEDIA_SIGNING_KEY: randomHex(),
      LOG_LEVEL: process.env.TEST_LOG ?? 'warn',
    });
    gatewayUrl = `ws://127.0.0.1:${port.gateway}/v1/ws`;
    urlIssuerAddress = `127.0.0.1:${port.urlIssuer}`;
    await phase('compose up until every container is healthy', async () => {
      composeUp = true;
      await compose('up', '-d', ...running);
      for (const s of running) await healthy(s);
    });
  }, 20 * 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    if (composeUp) {
      const logs = await compose('logs', '--no-color', '--tail', '30').catch((e: Error) => e.message);
      if (process.env.TEST_LOG) process.stdout.write(logs);
      await compose('down', '--volumes', '--timeout', '30').catch((e: Error) => process.stderr.write(`${e.message}\n`));
      // --no-prune: the layers stay as cache. The build stages' last layers are untagged by nature (only
      // the final stage gets the tag), so a prune would throw the cache away: on this run's own daemon
      // only what no build has made for a week goes (stages of sources and locks long gone).
      if (!ownDaemon) await docker('image', 'rm', '--no-prune', ...running.map((s) => `rtcroom/${s}:${tag}`), `rtcroom/room:${tag}-next`, `rtcroom/gateway:${tag}-next`).catch(() => undefined);
      else await docker('image', 'prune', '--force', '--filter', 'until=168h').catch(() => undefined);
    }
    await nats?.dispose();
    await database?.drop();
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    release();
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`test/containers: phases ${timings.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join('; ')}\n`);
  }, 3 * 60_000);

  test('an image holds no embedded store: a service started without DATABASE_URL stops and names it', async () => {
    const started = spawnSync('docker', ['run', '--rm', '--network', 'host', '-e', 'RTCROOM_DEV=true', '-e', 'ROOM_GRPC_ADDRESS=127.0.0.1:0', `rtcroom/room:${tag}`], {
      env: dockerEnv,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ code: started.status, stderr: started.stderr.trim() }).toEqual({
      code: 2,
      stderr: 'room: configuration: DATABASE_URL is required: this installation has no embedded store (@rtcroom/embedded-store)',
    });
  }, 90_000);

  test('the demo clients walk the thin path through the containerized gateway', async () => {
    const out = await phase('npm run demo through the gateway container', () =>
      run(process.execPath, [join(root, 'packages/dev/dist/demo.js')], { ...process.env, GATEWAY_URL: gatewayUrl, ACCESS_TOKEN_SECRET: secret }, 60_000),
    );
    expect(out).toContain('the thin path works end to end');
  }, 90_000);

  // The media path through the images: nginx-rtmp from its image, configured by the url-issuer image's
  // print-nginx-conf, asks the url-issuer container about a push (its hooks reach it) and tells it the
  // stream began, which the room announces to the other member; a forged push is refused. The room
  // records: when the push ends nginx's record_done reaches the url-issuer, whose container remuxes the
  // FLV to MP4 in the volume they share; it lists the MP4, and nginx serves it signed for a viewer only.
  (hasFfmpeg ? test : test.skip)("nginx-rtmp's container asks the url-issuer's: a member's push is let through, announced and recorded (MP4, served signed), a forged one refused", async () => {
    const [mia, noah] = [await DemoClient.connect(gatewayUrl, token('mia')), await DemoClient.connect(gatewayUrl, token('noah'))];
    try {
      const created = await mia.request({ $case: 'createRoom', value: { room: { name: `media-${tag}`, maxMembers: 4, recording: true } as never } });
      const join = { roomId: created.room!.id, roomName: '', displayName: '', createIfMissing: false, createOptions: undefined, idempotencyKey: '', role: roomv1.MemberRole.MEMBER_ROLE_SEAT };
      const seat = await mia.request({ $case: 'joinRoom', value: join });
      await noah.request({ $case: 'joinRoom', value: join });
      const pushUrl = seat.pushUrl!.url;
      expect(pushUrl.startsWith(`rtmp://127.0.0.1:${composeEnv.CI_RTMP_PORT}/record/`)).toBe(true);

      const forged = pushUrl.replace(/sig=([0-9a-f])/, (_, c: string) => `sig=${c === '0' ? '1' : '0'}`);
      await expect(phase('a forged push is refused', () => run('ffmpeg', ffmpegPush(forged, 1), dockerEnv, 20_000))).rejects.toThrow();

      const started = noah.waitForNotice((n) => n.notice?.$case === 'streamStarted' && n.notice.value.member?.identity === 'mia', 15_000);
      await phase("a member's push through nginx-rtmp, announced to the other member", async () => {
        await Promise.all([started, run('ffmpeg', ffmpegPush(pushUrl, 3), dockerEnv, 30_000)]);
      });

      const issuer = createClient(urlIssuerv1.UrlIssuerServiceService, urlIssuerAddress, 5000, { tls: internalTls });
      try {
        const list = (viewerIdentity: string) => issuer.listRecordings({ roomId: created.room!.id, pageSize: 10, pageToken: '', viewerIdentity });
        const recording = await phase('the recording remuxed to MP4 and listed', () => eventually(async () => (await list('')).recordings.find((r) => r.format === 'mp4'), 30_000, 'the MP4 recording listed'));
        expect(recording).toMatchObject({ identity: 'mia', format: 'mp4', filePath: expect.stringMatching(/^\/var\/lib\/rtcroom\/recordings\/[\w-]+\.mp4$/) });
        expect(recording.sizeBytes).toBeGreaterThan(10_000);
        const [signed] = (await list('noah')).recordings;
        expect(signed.url.startsWith(`http://127.0.0.1:${composeEnv.CI_RECORD_HTTP_PORT}/recordings/`)).toBe(true);
        const frames = await run('ffprobe', ['-v', 'error', '-rw_timeout', '5000000', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', signed.url], dockerEnv, 20_000);
        expect(Number(frames)).toBeGreaterThan(10);
        expect((await fetch(recording.url, { signal: AbortSignal.timeout(5000) })).status).toBe(403);
      } finally {
        issuer.close();
      }
    } finally {
      await Promise.all([mia.close(), noah.close()]);
    }
  }, 120_000);

  test('the room service is replaced by a newly built image while clients stay connected: no seat lost, the rest keep running', async () => {
    const identities = ['ana', 'ben', 'chloe', 'dev'];
    for (const identity of identities) clients.push(await DemoClient.connect(gatewayUrl, token(identity)));
    const created = await clients[0].request({ $case: 'createRoom', value: { room: { name: `containers-${tag}`, maxMembers: 8 } as never } });
    roomId = created.room!.id;
    for (const c of clients) {
      await c.request({ $case: 'joinRoom', value: { roomId, roomName: '', displayName: '', createIfMissing: false, createOptions: undefined, idempotencyKey: '', role: roomv1.MemberRole.MEMBER_ROLE_SEAT } });
    }
    const before = Object.fromEntries(await Promise.all(running.map(async (s) => [s, await inspect(await containerOf(s))] as const)));

    await phase('build a new room image', () => run('bash', ['deploy/docker/build-images.sh', `${tag}-next`, 'room']));
    const newImage = (await docker('image', 'inspect', '-f', '{{.Id}}', `rtcroom/room:${tag}-next`)).trim();
    expect(newImage).not.toBe(before.room.image);

    // SIGTERM through tini: the service drains and exits 0 within compose's grace period.
    await phase('stop the room container (SIGTERM, drain)', () => compose('stop', '--timeout', '30', 'room'));
    const stopped = await inspect(before.room.id);
    expect(stopped).toMatchObject({ status: 'exited', exitCode: 0 });

    composeEnv.CI_ROOM_IMAGE_TAG = `${tag}-next`;
    const after = await phase('the new room container up until healthy', async () => {
      await compose('up', '-d', '--no-deps', 'room');
      return healthy('room');
    });
    expect(after.image).toBe(newImage);
    expect(after.id).not.toBe(before.room.id);

    // The rest kept running: the same containers, still healthy; every client's socket is still open.
    for (const s of running.filter((s) => s !== 'room')) {
      const now = await inspect(await containerOf(s));
      expect({ service: s, id: now.id, status: now.status, health: now.health }).toEqual({ service: s, id: before[s].id, status: 'running', health: 'healthy' });
    }
    for (const c of clients) expect(c.socket.readyState).toBe(c.socket.OPEN);

    // No seat lost: a newcomer is told every member, and every connected member is told of it.
    const told = clients.map((c) => c.waitForNotice((n) => n.notice?.$case === 'memberJoined' && n.notice.value.member?.identity === 'eve', 15_000));
    const eve = await DemoClient.connect(gatewayUrl, token('eve'));
    clients.push(eve);
    const joined = await phase('a newcomer joins through the new room service', () =>
      eve.request({ $case: 'joinRoom', value: { roomId, roomName: '', displayName: '', createIfMissing: false, createOptions: undefined, idempotencyKey: '', role: roomv1.MemberRole.MEMBER_ROLE_SEAT } }),
    );
    expect(joined.members.map((m) => m.identity).sort()).toEqual([...identities, 'eve'].sort());
    await Promise.all(told);
  }, 10 * 60_000);

  test('the gateway is replaced by a newly built image: its clients are told to go away and resume their sessions, seats and all, on the new one', async () => {
    expect(roomId).not.toBe('');
    const members = clients.map((c) => ({ identity: c.welcome!.identity, resumeToken: c.welcome!.resumeToken, closed: new Promise((r) => c.socket.once('close', r)) }));
    const before = Object.fromEntries(await Promise.all(running.map(async (s) => [s, await inspect(await containerOf(s))] as const)));

    await phase('build a new gateway image', () => run('bash', ['deploy/docker/build-images.sh', `${tag}-next`, 'gateway']));
    await phase('stop the gateway container (SIGTERM: go-away to every client, drain)', () => compose('stop', '--timeout', '30', 'gateway'));
    expect(await inspect(before.gateway.id)).toMatchObject({ status: 'exited', exitCode: 0 });
    await Promise.all(members.map((m) => m.closed));

    composeEnv.CI_GATEWAY_IMAGE_TAG = `${tag}-next`;
    const after = await phase('the new gateway container up until healthy', async () => {
      await compose('up', '-d', '--no-deps', 'gateway');
      return healthy('gateway');
    });
    expect(after.id).not.toBe(before.gateway.id);
    for (const s of running.filter((s) => s !== 'gateway')) expect((await inspect(await containerOf(s))).id).toBe(before[s].id);

    const resumed = await phase('every client resumes on the new gateway', () => Promise.all(members.map((m) => DemoClient.connect(gatewayUrl, token(m.identity), m.resumeToken))));
    clients.push(...resumed);
    // Seen once under heavy load (a resume refused): the logs say whether presence had interrupted or
    // expired the session before the gateway went.
    if (resumed.some((c) => !c.welcome?.resumed)) console.log('presence and gateway logs:\n' + (await compose('logs', '--no-color', '--tail', '200', 'presence', 'gateway').catch((e) => String(e))));
    for (const c of resumed) {
      expect(c.welcome).toMatchObject({ resumed: true });
      expect(c.welcome!.seats.map((s) => s.roomId)).toEqual([roomId]);
      // As the protocol asks of a resumed session (and the SDK does): sync each seat held.
      const synced = await c.request({ $case: 'syncRoom', value: { roomId, afterSeq: c.welcome!.seats[0].seq } });
      expect(synced.members.map((m) => m.identity).sort()).toEqual(members.map((m) => m.identity).sort());
    }
    const told = resumed.map((c) => c.waitForNotice((n) => n.notice?.$case === 'memberJoined' && n.notice.value.member?.identity === 'fay', 15_000));
    const fay = await DemoClient.connect(gatewayUrl, token('fay'));
    clients.push(fay);
    const joined = await fay.request({ $case: 'joinRoom', value: { roomId, roomName: '', displayName: '', createIfMissing: false, createOptions: undefined, idempotencyKey: '', role: roomv1.MemberRole.MEMBER_ROLE_SEAT } });
    expect(joined.members.map((m) => m.identity).sort()).toEqual([...members.map((m) => m.identity), 'fay'].sort());
    await Promise.all(told);
  }, 10 * 60_000);

  // Last, and on their own, so the run above is the same with or without them: the media bridge's and
  // Janus's images build (their own phase: ~5 s cached, ~47 s when the bridge's sources changed, ~220 s
  // the first time, fetching Janus and ffmpeg) and start beside the others, healthy by their own
  // HEALTHCHECKs (the bridge's says NOT_SERVING until it holds a Janus session: so Janus is admitting
  // the bridge's secrets too).
  it('builds the media bridge and Janus images and runs them healthy (compose profile media-bridge)', async () => {
    const base = process.env.NODE_BASE ?? (await run('bash', ['deploy/docker/base-image.sh']));
    const built = await phase('build the media bridge and Janus', () => run('bash', ['deploy/docker/build-images.sh', tag, 'media-bridge', 'janus'], { ...dockerEnv, NODE_BASE: base }));
    process.stdout.write(`${built}\n`);
    const bridgePort = await hostPort();
    Object.assign(composeEnv, {
      COMPOSE_PROFILES: 'media-bridge',
      CI_MEDIA_BRIDGE_PORT: String(bridgePort),
      CI_MEDIA_BRIDGE_METRICS_PORT: String(await hostPort()),
      JANUS_API_SECRET: randomHex(),
      JANUS_ADMIN_SECRET: randomHex(),
      JANUS_PLUGIN_ADMIN_KEY: randomHex(),
    });
    const [janus, bridge] = await phase('Janus and the media bridge up until healthy', async () => {
      await compose('up', '-d', '--no-recreate', 'janus', 'media-bridge');
      return [await healthy('janus'), await healthy('media-bridge')];
    });
    expect([janus.status, bridge.status]).toEqual(['running', 'running']);
  }, 8 * 60_000);
});
