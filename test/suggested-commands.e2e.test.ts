// Every command the README, the web console and the start banner suggest to a newcomer, run as written
// (npm run build first, as CI does) against a running system: `npm run up`'s process (up.js, spawned on
// the embedded default with every port 0, as README's first command starts it) and, for the commands of
// "How an internal system calls rtcroom", the system with the certificates of `npm run certs`. The
// commands reach the test's systems through the variables they document (GATEWAY_URL,
// ROOM_SERVICE_ADDRESS), and the default addresses and paths they spell out (127.0.0.1:50051,
// .rtcroom-certs, /etc/nginx/...) are replaced by the test's own. What cannot run here is listed
// with the reason. A command added to the README or the console without an entry here fails the test,
// and so does any change these commands leave on a tracked file.
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devSecrets, verifyAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { defaultGatewayUrl, DemoClient, demoCommand, RunningSystem, startAll } from '@rtcroom/dev';
import { consoleCommands, readmeCommands } from './support/suggested-commands';

const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'rtcroom-commands-'));
const certsDir = join(work, 'certs');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** What the spawned start command's banner says. */
interface Banner {
  text: string;
  gatewayUrl: string;
  room: string;
  tokenService: string;
  devToken: string;
  console: string;
  demo: string;
  /** The gateway's /metrics address (host:port). */
  gatewayMetrics: string;
}

let up: ChildProcess | undefined;
let banner: Banner;
let database: TestDatabase | undefined;
let secure: RunningSystem | undefined;
const trackedBefore = gitStatus();

/** A command line run by bash from the repository's root, as a newcomer types it, with the test's addresses for the defaults. */
function sh(command: string, extraEnv: NodeJS.ProcessEnv = {}, addresses: Record<string, string> = {}): Promise<Ran> {
  let line = command.replaceAll('.rtcroom-certs', certsDir).replaceAll('/etc/nginx/rtcroom-rtmp.conf', join(work, 'rtcroom-rtmp.conf'));
  for (const [from, to] of Object.entries({ '127.0.0.1:50051': banner.room, '127.0.0.1:50054': banner.tokenService, ...addresses })) line = line.replaceAll(from, to);
  const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_URL: banner.gatewayUrl, ROOM_SERVICE_ADDRESS: banner.room, ...extraEnv };
  for (const name of ['ACCESS_TOKEN_SECRET', 'RTCROOM_CERTS_DIR', 'GRPC_TLS_CA', 'GRPC_TLS_CERT', 'GRPC_TLS_KEY']) if (!(name in extraEnv)) delete env[name];
  return new Promise((resolve) => {
    execFile('bash', ['-c', line], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

async function succeeds(command: string, extraEnv?: NodeJS.ProcessEnv, addresses?: Record<string, string>): Promise<string> {
  const ran = await sh(command, extraEnv, addresses);
  if (ran.code !== 0) throw new Error(`${command} exited ${ran.code}:\n${ran.stdout}\n${ran.stderr}`);
  // What the command printed, without npm's "> rtcroom@0.1.0 token" header.
  return ran.stdout.replace(/^\n?(> .*\n)+\n/, '');
}

/** A token a command printed: signed with npm run up's secret, and welcomed by its gateway. */
async function welcomed(stdout: string): ReturnType<typeof verifyAccessToken> {
  const token = stdout.trim();
  const claims = await verifyAccessToken(devSecrets.accessToken, token);
  const client = await DemoClient.connect(banner.gatewayUrl, token);
  expect(client.welcome?.identity).toBe(claims.sub);
  await client.close();
  return claims;
}

/** Each suggested command: how this test runs it and what it must see, or why it cannot run here. */
const plan: Record<string, ((command: string) => Promise<void>) | { skip: string }> = {
  'npm run up': async () => {
    // Spawned in beforeAll (up.js is what npm run up starts once installed and built; scripts/smoke-start.sh runs npm run up itself).
    expect(banner.text).toContain('rtcroom is up.');
    expect((await fetch(banner.console)).status).toBe(200);
    expect((await verifyAccessToken(devSecrets.accessToken, ((await (await fetch(banner.devToken)).json()) as { token: string }).token)).sub).toBe('alice');
  },
  'curl -s http://127.0.0.1:9464/metrics | grep rtcroom_gateway_': async (command) => {
    const out = await succeeds(command, {}, { '127.0.0.1:9464': banner.gatewayMetrics });
    expect(out).toMatch(/^rtcroom_gateway_connections\{service="gateway"\} \d+$/m);
  },
  'npm run demo': async (command) => expect(await succeeds(command)).toContain('the thin path works end to end'),
  'npm run token -- alice --list': async (command) => expect((await welcomed(await succeeds(command))).grants).toMatchObject({ roomList: true }),
  // A synopsis: every option it shows, given.
  'npm run token -- alice [--ttl 3600] [--room lobby] [--list] [--admin] [--agent claims]': async () => {
    const claims = await welcomed(await succeeds('npm run token -- alice --ttl 3600 --room lobby --list --admin --agent claims'));
    expect(claims.grants).toMatchObject({ room: 'lobby', roomList: true, roomAdmin: true, agentTeams: ['claims'] });
  },
  'npm run token -- agent-7 --ttl 28800 --agent claims': async (command) =>
    expect((await welcomed(await succeeds(command))).grants).toMatchObject({ agentTeams: ['claims'] }),
  'npm run token -- boss --supervisor claims': async (command) =>
    expect((await welcomed(await succeeds(command))).grants).toMatchObject({ supervisorTeams: ['claims'] }),
  'npm run token -- agent-1 --agent claims': async (command) =>
    expect((await welcomed(await succeeds(command))).grants).toMatchObject({ agentTeams: ['claims'] }),
  'npx rtcroom desk teams create claims --display-name "Insurance claims" --record mp4,hls --ring 20 --wrap-up 30 --queue-limit 50': async (command) =>
    expect(await succeeds(command)).toMatch(/^name: +claims\ndisplay name: Insurance claims\nrecording: +mp4,hls\nring timeout: 20 s\nwrap-up: +30 s\nqueue limit: +50\n/m),
  'npx rtcroom desk teams show claims': async (command) => expect(await succeeds(command)).toMatch(/^name: +claims$[\s\S]*^0 call\(s\) waiting$/m),
  'npx rtcroom desk stats claims': async (command) => expect(await succeeds(command)).toMatch(/^offered: +0$/m),
  'npx rtcroom desk recordings --team claims': async (command) => expect(await succeeds(command)).toBe('no recordings\n'),
  'npm run desk -- teams list': async (command) => expect(await succeeds(command)).toMatch(/^ID +NAME +DISPLAY NAME +QUEUE LIMIT\n\S+ +claims +Insurance claims +50$/m),
  // "Admin CLI", in order, against npm run up.
  'npx rtcroom --help': async (command) => expect(await succeeds(command)).toMatch(/^usage: rtcroom <command> \[flags\]\n/),
  'npx rtcroom rooms create lobby --display-name Lobby --max-members 8': async (command) =>
    expect(await succeeds(command)).toMatch(/^id: +r_\w+\nname: +lobby\ndisplay name: Lobby\nkind: +group\nstate: +open\nmembers: +0\/8\n/),
  'npx rtcroom rooms list': async (command) => expect(await succeeds(command)).toMatch(/^ID +NAME +KIND +MEMBERS +CREATED\n(.*\n)*r_\w+ +lobby +group +0\/8 /),
  'npx rtcroom rooms get lobby --json': async (command) => expect(JSON.parse(await succeeds(command))).toMatchObject({ room: { name: 'lobby', displayName: 'Lobby' }, seq: 1 }),
  'npx rtcroom rooms update lobby --metadata \'{"case":42}\'': async (command) => expect(await succeeds(command)).toMatch(/^metadata: +\{"case":42\}$/m),
  'npx rtcroom members list lobby': async (command) => expect(await succeeds(command)).toBe('nobody is seated\n'),
  'npx rtcroom members ban lobby troll --for 2h --reason spam': async (command) => expect(await succeeds(command)).toMatch(/^banned troll until \S+Z\n$/),
  'npx rtcroom members unban lobby troll': async (command) => expect(await succeeds(command)).toBe('lifted the ban of troll\n'),
  'npx rtcroom events tail lobby --from-start --count 2': async (command) => {
    const lines = (await succeeds(command)).trim().split('\n');
    expect(lines.map((l) => l.trim().split(/\s+/).filter((_, i) => i !== 1).join(' '))).toEqual(['1 room.created lobby "Lobby"', '2 room.updated lobby "Lobby"']);
  },
  'npx rtcroom tokens issue alice --ttl 8h --list': async (command) =>
    expect((await welcomed(await succeeds(command, { TOKEN_SERVICE_ADDRESS: banner.tokenService }))).grants).toMatchObject({ roomList: true }),
  'npx rtcroom webhooks add https://crm.example/rtc-hooks': {
    skip: "registers the reader's own endpoint (crm.example is no host); packages/cli/test/cli.e2e.test.ts adds a local one",
  },
  'npx rtcroom webhooks test wh_...': { skip: 'takes the id webhooks add printed (wh_...); packages/cli/test/cli.e2e.test.ts tests an endpoint' },
  'npx rtcroom webhooks dead-letters wh_...': { skip: 'takes the id webhooks add printed (wh_...); packages/cli/test/cli.e2e.test.ts lists dead letters' },
  'npx rtcroom webhooks redeliver wh_... --event e_...': { skip: 'takes ids (wh_..., e_...); packages/cli/test/cli.e2e.test.ts redelivers' },
  'npx rtcroom rooms close lobby': async (command) => expect(await succeeds(command)).toMatch(/^state: +closed$/m),
  'npx buf curl --schema proto --protocol grpc --http2-prior-knowledge -d \'{"room":{"name":"claims-42","maxMembers":3,"recording":true}}\' http://127.0.0.1:50051/rtcroom.room.v1.RoomService/CreateRoom':
    async (command) => {
      expect(JSON.parse(await succeeds(command))).toMatchObject({ room: { name: 'claims-42', maxMembers: 3, recording: true } });
    },
  'npx buf curl --schema proto --protocol grpc --http2-prior-knowledge -d \'{"identity":"agent-7","ttlSeconds":3600,"grants":{"roomJoin":true,"roomAdmin":true}}\' http://127.0.0.1:50054/rtcroom.gateway.v1.TokenService/IssueAccessToken':
    async (command) => {
      const { token } = JSON.parse(await succeeds(command)) as { token: string };
      expect((await welcomed(token)).grants).toMatchObject({ roomJoin: true, roomAdmin: true });
    },
  'npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://127.0.0.1:50051': async (command) => {
    const methods = (await succeeds(command)).trim().split('\n');
    expect(methods).toEqual(expect.arrayContaining(['rtcroom.room.v1.RoomService/CreateRoom', 'rtcroom.desk.v1.DeskService/CreateTeam', 'grpc.health.v1.Health/Check']));
    expect(methods.filter((m) => m.startsWith('rtcroom.presence.') || m.startsWith('rtcroom.gateway.'))).toEqual([]);
  },
  'npx buf curl --schema proto --protocol grpc --http2-prior-knowledge -d \'{"url":"https://crm.example/rtc-hooks"}\' http://127.0.0.1:50051/rtcroom.room.v1.WebhookService/CreateWebhook': {
    skip: "registers the reader's own endpoint (crm.example is no host); services/room/test/webhook*.integration.test.ts drive WebhookService",
  },
  'npx buf curl --schema proto --protocol grpc --http2-prior-knowledge -d \'{"webhookId":"wh_..."}\' http://127.0.0.1:50051/rtcroom.room.v1.WebhookService/ListDeadLetters': {
    skip: 'takes the id CreateWebhook returned (wh_...); services/room/test/webhook-dead-letters.integration.test.ts lists dead letters',
  },
  'npx buf curl --schema proto --protocol grpc --http2-prior-knowledge -d \'{"webhookId":"wh_...","eventIds":[]}\' http://127.0.0.1:50051/rtcroom.room.v1.WebhookService/RedeliverDeadLetters': {
    skip: 'takes the id CreateWebhook returned (wh_...); services/room/test/webhook-dead-letters.integration.test.ts redelivers',
  },
  'npm run build': async (command) => void (await succeeds(command)),
  'npm run build && npm run certs -- --out .rtcroom-certs': async (command) => expect(await succeeds(command)).toContain('made a new CA'),
  'RTCROOM_CERTS_DIR=.rtcroom-certs npm run up': async () => {
    // The same start, in this process (startAll), on the test's Postgres and NATS with the certificates just made.
    database = await createTestDatabase();
    secure = await startAll({ env: { RTCROOM_CERTS_DIR: certsDir, DATABASE_URL: database.url, NATS_URL: testNatsUrl }, ephemeralPorts: true, logLevel: 'silent' });
    expect(secure.certsDir).toBe(certsDir);
  },
  'npx buf curl --schema proto --protocol grpc --cacert .rtcroom-certs/ca.crt --cert .rtcroom-certs/internal.crt --key .rtcroom-certs/internal.key -d \'{"identity":"alice","ttlSeconds":3600}\' https://127.0.0.1:50054/rtcroom.gateway.v1.TokenService/IssueAccessToken':
    async (command) => {
      const { token } = JSON.parse(await succeeds(command, {}, { '127.0.0.1:50054': secure!.gatewayGrpcAddress })) as { token: string };
      expect((await verifyAccessToken(devSecrets.accessToken, token)).sub).toBe('alice');
    },
  'npx rtcroom rooms list --ca .rtcroom-certs/ca.crt --cert .rtcroom-certs/internal.crt --key .rtcroom-certs/internal.key': async (command) =>
    expect(await succeeds(command, { ROOM_SERVICE_ADDRESS: secure!.roomGrpcAddress })).toMatch(/^(no open rooms|ID +NAME)/),
  'node services/url-issuer/dist/print-nginx-conf.js --record-path /var/lib/rtcroom/recordings > /etc/nginx/rtcroom-rtmp.conf': async (command) => {
    // "with the url-issuer's environment": npm run up's.
    await succeeds(command, { RTCROOM_DEV: 'true' });
    expect(readFileSync(join(work, 'rtcroom-rtmp.conf'), 'utf8')).toMatch(/^rtmp \{[\s\S]*record_path \/var\/lib\/rtcroom\/recordings/m);
  },
  // A benchmark of 2 s per measurement: run with 0.2 s each, on the test's Postgres (else an empty embedded one).
  'node services/url-issuer/bench/sign-throughput.js': async () =>
    expect(await succeeds('node services/url-issuer/bench/sign-throughput.js 0.2', { DATABASE_URL: database?.url })).toContain('IssuePlayUrls'),
  'npm run certs': { skip: 'names the command; its form with --out is run above' },
  'npm run desk': { skip: 'names the command; a form of it is run above' },
  'npx rtcroom': { skip: 'names the command; its forms are run above' },
  'npm run test:all': { skip: 'the whole CI run (this test is part of it)' },
  'npm test': { skip: 'the jest suite (this test is part of it)' },
  'npm run typecheck': { skip: 'CI runs it before the tests' },
  'npm run proto:generate': { skip: 'rewrites the generated code after a proto change; CI checks that it changes nothing' },
  'docker-compose config': { skip: 'docker-compose is not part of a clone; CI validates docker-compose.yml' },
  'bash deploy/docker/build-images.sh': { skip: 'needs a Docker daemon, and root with debootstrap for the local base; test/containers runs it' },
  'docker-compose -f docker-compose.ci.yml up': { skip: "needs the images and the environment the test gives it; test/containers runs it" },
  // "Kubernetes": no cluster here. The block runs in test/kubernetes, with a kubectl that records.
  'kubectl create namespace rtcroom': { skip: "needs a Kubernetes cluster; test/kubernetes/manifests.unit.test.ts runs this block as written with a stand-in kubectl (test/kubernetes/support/readme-secrets.ts) and starts each service's configuration from the Secrets it creates" },
  'kubectl -n rtcroom create secret generic rtcroom-secrets --from-literal=ACCESS_TOKEN_SECRET="$(openssl rand -hex 32)" --from-literal=STREAM_ID_KEY="$(openssl rand -hex 32)" --from-literal=MEDIA_SIGNING_KEY="$(openssl rand -hex 32)" --from-literal=JANUS_API_SECRET="$(openssl rand -hex 32)" --from-literal=JANUS_ADMIN_SECRET="$(openssl rand -hex 32)" --from-literal=JANUS_PLUGIN_ADMIN_KEY="$(openssl rand -hex 32)" --from-literal=DATABASE_URL=\'postgres://rtcroom:<password>@postgres.example.internal:5432/rtcroom\'':
    { skip: "needs a Kubernetes cluster; test/kubernetes/manifests.unit.test.ts runs this block as written with a stand-in kubectl (test/kubernetes/support/readme-secrets.ts) and starts each service's configuration from the Secrets it creates" },
  'kubectl -n rtcroom create secret generic rtcroom-tls-$s --from-file=ca.crt=.rtcroom-certs/ca.crt --from-file=tls.crt=.rtcroom-certs/$s.crt --from-file=tls.key=.rtcroom-certs/$s.key':
    { skip: "needs a Kubernetes cluster (and the loop's $s); test/kubernetes/manifests.unit.test.ts runs this block as written with a stand-in kubectl (test/kubernetes/support/readme-secrets.ts) and starts each service's configuration from the Secrets it creates" },
  'kubectl apply -k deploy/kubernetes/overlays/example': {
    skip: 'needs a Kubernetes cluster; test/kubernetes/manifests.unit.test.ts renders the overlay with kubectl kustomize and checks it against the schemas and the services\' configuration',
  },
  'kubectl apply -k': { skip: 'names the command; its form with the example overlay is listed above' },
  'kubectl kustomize': { skip: 'names the command; test/kubernetes/manifests.unit.test.ts runs it on every overlay' },
  'node services/<name>/dist/main.js': { skip: 'a pattern; test/support/service-processes.ts starts each service this way (test/multi-process)' },
  'apt-get install nginx libnginx-mod-rtmp': { skip: 'installs Debian packages (scripts/ensure-media-tools.sh does it for CI)' },
  "echo 'include /etc/nginx/rtcroom-rtmp.conf;' >> /etc/nginx/nginx.conf": { skip: "edits the machine's nginx configuration" },
  'install -d -o www-data /var/lib/rtcroom/recordings && nginx -s reload': { skip: "creates a system directory and reloads the machine's nginx" },
  'bash scripts/ensure-media-tools.sh && npx jest test/media': { skip: 'installs Debian packages; CI runs test/media' },
  'bash scripts/ensure-browser.sh': { skip: 'installs Debian packages; CI runs it before test/browser' },
  'npm install': { skip: "in examples/miniprogram; packages/sdk/test/miniprogram installs the example as its README says" },
  'GATEWAY_ADDRESS=0.0.0.0:8787 npm run up': { skip: 'listens on every interface (tests stay on loopback); packages/dev/src/lan-urls.unit.test.ts covers the URLs it prints' },
  'npm pack': { skip: 'in packages/sdk; packages/sdk/test/package.integration.test.ts packs the SDK and installs the tarball' },
  'npm run bench': { skip: 'a 4-minute benchmark; test/command-lines.e2e.test.ts runs bench/dist/run.js --help' },
  'npm run bench:full': { skip: 'a benchmark of a quarter of an hour' },
  'node bench/dist/mux-micro.js': { skip: 'a benchmark; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/presence-micro.js': { skip: 'a benchmark; test/command-lines.e2e.test.ts runs its --help' },
  'npm test -- packages/sdk/test/miniprogram/service-page.integration.test.ts': { skip: 'a jest run of one file of this suite (it makes docs/miniprogram-call.png into test-artifacts/)' },
  'node bench/dist/gateway-interest.js': { skip: 'a benchmark of several minutes; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/relay-micro.js': { skip: 'a benchmark of a minute or more; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/pairs.js': { skip: 'paired benchmark runs of two checkouts, a quarter of an hour; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/inproc-micro.js --mode inproc|mux': { skip: 'a benchmark; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/memory.js [--one-process] --members 600': { skip: 'a benchmark; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/run.js --full --lifecycle join-leave --rate 200': { skip: 'a benchmark of a few minutes; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/run.js --full --floor-only --floor-design --scenarios churn --lifecycle join-leave --rate 200': { skip: 'a benchmark of a minute or two; test/command-lines.e2e.test.ts runs its --help' },
  'node bench/dist/pairs.js --lifecycle join-leave': { skip: 'paired benchmark runs of two checkouts, a quarter of an hour; test/command-lines.e2e.test.ts runs its --help' },
  // A small storm (its own four processes and a second gateway, on this machine's Postgres and NATS):
  // every member back on the other gateway, nothing written to the rooms.
  'node bench/dist/resume-storm.js': async (command) => {
    const out = await succeeds(`${command} --members 30 --seat-rate 30`);
    expect(out).toMatch(/^resume-storm \(SIGTERM\): 30\/30 resumed and synced in \d+ ms; not resumed 0, seats lost 0, failed 0/m);
    // What the hand-off is for: nobody shown dropped (memberConnectionChanged). Other events may land
    // in the window on a loaded machine (the seating's own, written late), so they are not counted.
    expect(out).toMatch(/^  members shown dropped or back meanwhile: 0$/m);
  },
};

function gitStatus(): string | undefined {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  } catch {
    return undefined; // not a git checkout
  }
}

/** Starts up.js as npm run up does, every port 0, its stores in the test's directory, and reads its banner. */
async function startUp(): Promise<Banner> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', EMBEDDED_DATA_DIR: join(work, 'pglite'), URL_ISSUER_EMBEDDED_DATA_DIR: join(work, 'url-issuer') };
  for (const name of ['DATABASE_URL', 'NATS_URL', 'ACCESS_TOKEN_SECRET', 'RTCROOM_CERTS_DIR']) delete env[name];
  for (const name of ['GATEWAY_ADDRESS', 'GATEWAY_GRPC_ADDRESS', 'ROOM_GRPC_ADDRESS', 'PRESENCE_GRPC_ADDRESS', 'URL_ISSUER_GRPC_ADDRESS', 'URL_ISSUER_HTTP_ADDRESS']) env[name] = '127.0.0.1:0';
  for (const name of ['GATEWAY_METRICS_ADDRESS', 'ROOM_METRICS_ADDRESS', 'PRESENCE_METRICS_ADDRESS', 'URL_ISSUER_METRICS_ADDRESS']) env[name] = '127.0.0.1:0';
  up = spawn(process.execPath, [join(root, 'packages/dev/dist/up.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    up!.stdout!.on('data', (chunk) => {
      text += chunk;
      if (text.includes('Ctrl-C stops everything.')) resolve();
    });
    up!.stderr!.on('data', (chunk) => (text += chunk));
    up!.once('exit', (code) => reject(new Error(`up.js exited ${code}:\n${text}`)));
  });
  const read = (pattern: RegExp) => pattern.exec(text)?.[1] ?? '';
  return {
    text,
    gatewayUrl: read(/gateway \(WebSocket\): (\S+)/),
    room: read(/gRPC: +room (\S+)/),
    tokenService: read(/TokenService ([^\s;]+)/),
    devToken: read(/dev token: (\S+)/),
    console: read(/web console: (\S+)/),
    demo: read(/in another terminal:\n +(.+)\n/),
    gatewayMetrics: read(/metrics: gateway http:\/\/([^/\s]+)\/metrics/),
  };
}

beforeAll(async () => {
  banner = await startUp();
}, 120_000);

afterAll(async () => {
  if (up && up.exitCode === null) {
    up.kill('SIGTERM');
    await new Promise((resolve) => up!.once('exit', resolve));
  }
  await secure?.stop();
  await database?.drop();
  rmSync(work, { recursive: true, force: true });
});

it('has an entry here for every command the README and the console suggest, and none they no longer do', () => {
  const suggested = [...readmeCommands(), ...consoleCommands()];
  const missing = suggested.filter((s) => !(s.command in plan)).map((s) => `${s.where}: ${s.command}`);
  const stale = Object.keys(plan).filter((command) => !suggested.some((s) => s.command === command));
  expect({ missing, stale }).toEqual({ missing: [], stale: [] });
});

it("the banner's demo command is the README's at the default address, and runs as printed", async () => {
  expect(demoCommand(defaultGatewayUrl)).toBe('npm run demo');
  expect(readmeCommands().map((s) => s.command)).toContain(demoCommand(defaultGatewayUrl));
  expect(banner.demo).toBe(`GATEWAY_URL=${banner.gatewayUrl} npm run demo`);
  expect(await succeeds(banner.demo, { GATEWAY_URL: '' })).toContain('the thin path works end to end');
}, 60_000);

describe('each suggested command, in order', () => {
  for (const [command, step] of Object.entries(plan)) {
    if (typeof step === 'function') it(command, () => step(command), 90_000);
    else it.skip(`${command} (not run: ${step.skip})`, () => undefined);
  }
});

it('none of them changed a tracked file', () => {
  if (trackedBefore === undefined) return;
  expect(gitStatus()).toBe(trackedBefore);
});
