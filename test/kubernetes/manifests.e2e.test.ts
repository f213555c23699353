// The four services (not the media bridge, which needs Janus) run as deploy/kubernetes/base configures them: each process gets the environment
// the kubelet would build from the ConfigMaps and from the Secrets the README's commands create (the
// certificates of `npm run certs` mounted as files), outside development mode, with mutual TLS
// between them. Only what a cluster would supply is replaced: the test's Postgres and NATS for the
// Secret's and ConfigMap's addresses, loopback ports for 0.0.0.0:<port>, and a held loopback address
// for each peer's Service name. Every probe is then run as the kubelet runs it (the image's command,
// in the container's environment), a client takes a seat through the gateway, and each service,
// stopped with SIGTERM, must drain within its grace period less its preStop sleep.
// Needs `npm run build` (the services' and the probe's dist), as the images hold it.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken, isReadyMessage } from '@rtcroom/common';
import { createTestDatabase, deleteTestBucket, deleteTestConsumers, eventually, HeldAddress, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { gatewayv1 } from '@rtcroom/proto';
import { DemoClient } from '../../packages/dev/src/demo-client';
import { makeDevCertificates } from '../../packages/dev/src/dev-certificates';
import { containerEnvironment, K8sObject, named, preStopSeconds, probeKinds, probeTarget, readBase, root, selects, ServiceName, Workload, workloads } from './support/manifests';
import { readmeDeployment, ReadmeDeployment } from './support/readme-secrets';
import { drainBudgetSeconds, hostPort, materialize } from './support/service-config';

interface Running {
  w: Workload;
  /** The environment as the manifests give it, files copied (what the probes run with too). */
  env: Record<string, string>;
  proc: ChildProcess;
  /** By variable: where it listens now (ROOM_GRPC_ADDRESS: 127.0.0.1:41234). */
  listening: Record<string, string>;
  output: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const work = mkdtempSync(join(tmpdir(), 'rtcroom-k8s-e2e-'));
const certs = makeDevCertificates({ outDir: join(work, 'certs') });
const order: ServiceName[] = ['url-issuer', 'room', 'presence', 'gateway'];
const names = { bucket: uniqueTestName('k8s_presence'), media: uniqueTestName('k8s-media'), recordings: uniqueTestName('k8s-recordings') };
const running = new Map<ServiceName, Running>();
const fronts = new Map<ServiceName, HeldAddress>();
let objects: K8sObject[];
let readme: ReadmeDeployment;
let database: TestDatabase;

/** What a cluster supplies: the test's Postgres and NATS, loopback ports, and each peer at its held address. */
function inThisTest(env: Record<string, string>, deployed: Workload[]): Record<string, string> {
  const out: Record<string, string> = { ...env, LOG_LEVEL: process.env.TEST_LOG ?? 'warn', NATS_URL: testNatsUrl };
  if (out.DATABASE_URL) out.DATABASE_URL = database.url;
  for (const [name, value] of Object.entries(out)) {
    if (/^0\.0\.0\.0:\d+$/.test(value)) out[name] = '127.0.0.1:0';
    const dialled = /^([a-z][a-z0-9-]*):(\d+)$/.exec(value);
    const service = dialled && named(objects, 'Service', dialled[1]);
    const peer = service && deployed.find((d) => selects(service.spec.selector, d.deployment.spec.template.metadata.labels));
    if (peer && fronts.has(peer.service)) out[name] = fronts.get(peer.service)!.address;
    // The media bridge needs Janus and ffmpeg and is not run here: the url-issuer goes without it.
    else if (peer) delete out[name];
  }
  // This test's own bucket and durable consumers, so other tests' presence does not share them.
  return { ...out, PRESENCE_KV_BUCKET: names.bucket, PRESENCE_MEDIA_CONSUMER: names.media, ROOM_RECORDINGS_CONSUMER: names.recordings };
}

async function start(w: Workload, env: Record<string, string>, deployed: Workload[]): Promise<Running> {
  const proc = spawn(process.execPath, [join(root, 'services', w.service, 'dist', 'main.js')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...inThisTest(env, deployed) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const r: Running = { w, env, proc, listening: {}, output: '', exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))) };
  proc.stdout!.on('data', (d) => (r.output += d));
  proc.stderr!.on('data', (d) => (r.output += d));
  r.listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${w.service} did not start within 20 s:\n${r.output}`)), 20_000);
    proc.on('message', (m) => isReadyMessage(m) && (clearTimeout(timer), resolve(m.listening)));
    void r.exited.then(({ code }) => (clearTimeout(timer), reject(new Error(`${w.service} exited ${code}:\n${r.output}`))));
  });
  const grpc = Object.entries(r.listening).find(([name]) => name.endsWith('_GRPC_ADDRESS'))![1];
  fronts.get(w.service)?.forwardTo(grpc);
  return r;
}

/** The port the process listens on now for a container port of the manifest (from the variable set to 0.0.0.0:<port>). */
function actualPort(r: Running, containerPort: number): number {
  const variable = Object.keys(r.listening).find((name) => r.env[name] === `0.0.0.0:${containerPort}`);
  if (!variable) throw new Error(`${r.w.service}: no variable listens on ${containerPort}`);
  return hostPort(r.listening[variable]).port;
}

/** Runs a probe once as the kubelet would: true when it passes. */
async function probe(r: Running, kind: (typeof probeKinds)[number]): Promise<{ passed: boolean; said: string }> {
  const target = probeTarget(r.w, kind)!;
  if (target.how === 'http') {
    const res = await fetch(`http://127.0.0.1:${actualPort(r, target.port)}${target.path}`).catch((err: Error) => err);
    return res instanceof Error ? { passed: false, said: res.message } : { passed: res.ok, said: String(res.status) };
  }
  if (target.how === 'grpc') throw new Error(`${r.w.service} ${kind}: the kubelet's grpc probe is not run here (the base speaks TLS)`);
  const [program, ...args] = target.command.map((a) => a.replace(`:${target.port}`, `:${actualPort(r, target.port)}`));
  const timeoutMs = (r.w.container[kind].timeoutSeconds ?? 1) * 1000;
  return new Promise((resolve) => {
    execFile(program, args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...r.env }, timeout: timeoutMs }, (err, stdout, stderr) => resolve({ passed: !err, said: `${stdout}${stderr}`.trim() }));
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  objects = readBase();
  readme = readmeDeployment(certs.dir);
  const deployed = workloads(objects);
  for (const service of ['url-issuer', 'room', 'presence'] as const) fronts.set(service, await HeldAddress.open());
  for (const service of order) {
    const w = deployed.find((d) => d.service === service)!;
    const env = materialize(containerEnvironment(objects, w, readme.secrets), join(work, 'pods', service));
    const r = await start(w, env, deployed);
    running.set(service, r);
    // Started when its startup probe passes, as the kubelet decides.
    for (let passed = false, tries = 0; !passed; tries++) {
      if (tries > 100) throw new Error(`${service}'s startup probe never passed:\n${r.output}`);
      passed = (await probe(r, 'startupProbe')).passed;
      if (!passed) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}, 120_000);

afterAll(async () => {
  for (const r of running.values()) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  await Promise.all([...running.values()].map((r) => r.exited));
  for (const front of fronts.values()) await front.close();
  await deleteTestBucket(names.bucket).catch(() => undefined);
  await deleteTestConsumers('MEDIA_EVENTS', [names.media, names.recordings]).catch(() => undefined);
  await database?.drop();
  rmSync(work, { recursive: true, force: true });
});

it('every probe of every container passes, run as the kubelet runs it', async () => {
  const results: string[] = [];
  for (const r of running.values()) {
    for (const kind of probeKinds) {
      if (!probeTarget(r.w, kind)) continue;
      const { passed, said } = await probe(r, kind);
      results.push(`${r.w.service} ${kind}: ${passed ? 'passed' : `failed (${said})`}`);
    }
  }
  expect(results.filter((line) => !line.endsWith('passed'))).toEqual([]);
  expect(results.length).toBeGreaterThanOrEqual(11);
}, 60_000);

it("a client takes a seat through the gateway, with a push URL on the ConfigMap's media server", async () => {
  const secret = readme.secrets.find((s) => s.name === 'rtcroom-secrets')!.data.ACCESS_TOKEN_SECRET.toString('utf8');
  const gateway = running.get('gateway')!;
  const client = await DemoClient.connect(`ws://${gateway.listening.GATEWAY_ADDRESS}/v1/ws`, issueAccessToken(secret, { identity: 'k8s-alice' }));
  try {
    const joined = await client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: uniqueTestName('k8s'), createIfMissing: true }) });
    const mediaBase = named(objects, 'ConfigMap', 'rtcroom-url-issuer')!.data.MEDIA_RTMP_BASE as string;
    expect(joined.pushUrl?.url.startsWith(`${mediaBase}/`)).toBe(true);
  } finally {
    await client.close();
  }
}, 30_000);

it('each service drains on SIGTERM within its grace period less its preStop sleep, the gateway sending its clients away', async () => {
  const secret = readme.secrets.find((s) => s.name === 'rtcroom-secrets')!.data.ACCESS_TOKEN_SECRET.toString('utf8');
  const gateway = running.get('gateway')!;
  const client = await DemoClient.connect(`ws://${gateway.listening.GATEWAY_ADDRESS}/v1/ws`, issueAccessToken(secret, { identity: 'k8s-bob' }));
  await client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: uniqueTestName('k8s'), createIfMissing: true }) });
  const frames: string[] = [];
  client.socket.on('message', (data) => frames.push(String(data)));
  const drains: string[] = [];
  // The gateway first, while presence takes its sessions back; then each while its callers still hold
  // their connections, as in a rolling update.
  for (const service of ['gateway', 'url-issuer', 'room', 'presence'] as const) {
    const r = running.get(service)!;
    const allowedMs = (r.w.pod.terminationGracePeriodSeconds - preStopSeconds(r.w)) * 1000;
    const started = Date.now();
    r.proc.kill('SIGTERM');
    const { code } = await r.exited;
    const tookMs = Date.now() - started;
    drains.push(`${service}: exit ${code} after ${tookMs} ms`);
    expect([service, code, tookMs <= Math.min(allowedMs, drainBudgetSeconds * 1000)]).toEqual([service, 0, true]);
  }
  expect(frames.some((f) => f.includes('"goAway"'))).toBe(true);
  expect(await eventually(() => client.closeCode, 5000, 'the socket to close')).toBe(1001);
  console.log(`drained: ${drains.join('; ')}`);
}, 90_000);
