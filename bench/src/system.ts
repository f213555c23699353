// Starts and stops what the harness measures, as child processes: the floor hub, or rtcroom's four
// services (url-issuer, room, presence, gateway) on a fresh database. Each child logs to a file under
// results/tmp/, and a target counts as ready only when a client gets `welcome` (and, for rtcroom,
// when a probe can join a room: the whole chain answers).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { issueAccessToken } from '@rtcroom/common';
import { deleteTestBucket } from '@rtcroom/common/testing';
import { createBenchDatabase, type BenchDatabase } from './bench-database';
import { BenchClient } from './client';
import { nowMs, sleep } from './clock';
import { wsUrl } from './protocol';

export type TargetKind = 'floor' | 'rtcroom';

export interface SystemOptions {
  repoRoot: string;
  logDir: string;
  secret: string;
  natsUrl: string;
  pgAdminUrl: string;
  startTimeoutMs: number;
  /** Prefix of probe identities and room names, unique per run. */
  tag: string;
  /** Another build of the gateway's main.js to run (the code before a change, for A/B runs). */
  gatewayScript?: string;
  /** The four services in one process (packages/dev's start, startAll), as `npm start` runs them. */
  oneProcess?: boolean;
  /** The floor of rtcroom's design instead of the bare floor: its hub and a store on Postgres and NATS (floor/store.ts). */
  floorDesign?: boolean;
}

export class StartError extends Error {
  override name = 'StartError';
}

export class ServiceProcess {
  readonly child: ChildProcess;
  exit: string | undefined;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    readonly logPath: string,
  ) {
    const log = openSync(logPath, 'w');
    // Node or V8 flags for one service, to try them under load (BENCH_NODE_ARGS_GATEWAY="--max-semi-space-size=2").
    // rtcroom's processes run with the flags their images and `npm start` give them (the floor with none).
    const nodeArgs = (process.env[`BENCH_NODE_ARGS_${name.toUpperCase().replace(/-/g, '_')}`] ?? (name.startsWith('floor') ? '' : '--max-semi-space-size=4')).split(' ').filter(Boolean);
    this.child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child.on('exit', (code, signal) => (this.exit = signal ? `killed by ${signal}` : `exited with code ${code}`));
    this.child.on('error', (err) => (this.exit = `failed to start: ${err.message}`));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  tail(maxChars = 1500): string {
    try {
      const text = readFileSync(this.logPath, 'utf8').trimEnd();
      return text.length > maxChars ? `...${text.slice(-maxChars)}` : text;
    } catch {
      return '';
    }
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

export interface Target {
  kind: TargetKind;
  /** host:port of the WebSocket endpoint. */
  address: string;
  processes: ServiceProcess[];
  /** The process holding the clients' WebSockets (the gateway, or the floor itself). */
  socketHolder: ServiceProcess;
  /** The services' environment (rtcroom only), to start more of them beside. */
  env?: NodeJS.ProcessEnv;
  /** Whether it runs on Postgres and NATS (their CPU is counted with its own). */
  usesSharedServices: boolean;
  /** Why the target is no longer usable (a process died), or undefined. */
  failure(): string | undefined;
  stop(): Promise<void>;
}

export async function startFloor(o: SystemOptions): Promise<Target> {
  mkdirSync(o.logDir, { recursive: true });
  if (o.floorDesign) return startDesignFloor(o);
  const script = path.join(__dirname, 'floor', 'main.js');
  const address = `127.0.0.1:${await freePort()}`;
  const env = { ...process.env, FLOOR_ADDRESS: address, ACCESS_TOKEN_SECRET: o.secret, LOG_LEVEL: 'warn' };
  const floor = new ServiceProcess('floor', script, env, path.join(o.logDir, 'floor.log'));
  const target = makeTarget('floor', address, [floor], floor, false, async () => undefined);
  await ready(target, o, false);
  return target;
}

/** The design floor: the hub and its store (floor/store.ts) on a database of the run's own and NATS. */
async function startDesignFloor(o: SystemOptions): Promise<Target> {
  const db = await runDatabase(o);
  const address = `127.0.0.1:${await freePort()}`;
  const storeAddress = `127.0.0.1:${await freePort()}`;
  const prefix = `floor_${o.tag}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const env = {
    ...process.env,
    FLOOR_ADDRESS: address,
    FLOOR_STORE_ADDRESS: storeAddress,
    FLOOR_SUBJECT_PREFIX: prefix,
    DATABASE_URL: db.url,
    NATS_URL: o.natsUrl,
    ACCESS_TOKEN_SECRET: o.secret,
    LOG_LEVEL: 'warn',
  };
  const store = new ServiceProcess('floor-store', path.join(__dirname, 'floor', 'store-main.js'), env, path.join(o.logDir, 'floor-store.log'));
  const floor = new ServiceProcess('floor', path.join(__dirname, 'floor', 'main.js'), env, path.join(o.logDir, 'floor.log'));
  // The store deletes its stream as it stops; the database goes here.
  const target = makeTarget('floor', address, [store, floor], floor, true, () => db.drop().catch(() => undefined));
  try {
    await ready(target, o, true);
  } catch (err) {
    await target.stop();
    throw err;
  }
  return target;
}

const SERVICES = ['url-issuer', 'room', 'presence', 'gateway'] as const;

export async function startRtcroom(o: SystemOptions): Promise<Target> {
  mkdirSync(o.logDir, { recursive: true });
  const scripts = o.oneProcess
    ? [path.join(o.repoRoot, 'packages', 'dev', 'dist', 'up.js')]
    : SERVICES.map((s) => (s === 'gateway' && o.gatewayScript ? o.gatewayScript : path.join(o.repoRoot, 'services', s, 'dist', 'main.js')));
  const missing = scripts.filter((s) => !existsSync(s)).map((s) => path.relative(o.repoRoot, s));
  if (missing.length > 0) throw new StartError(`${missing.join(', ')} not found: build the services first (npm run build)`);
  const db = await runDatabase(o);
  const [urlIssuer, room, presence, gateway] = await Promise.all(SERVICES.map(async () => `127.0.0.1:${await freePort()}`));
  const bucket = `bench_${o.tag}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RTCROOM_DEV: 'true',
    LOG_LEVEL: 'warn',
    NATS_URL: o.natsUrl,
    DATABASE_URL: db.url,
    URL_ISSUER_GRPC_ADDRESS: urlIssuer,
    ROOM_GRPC_ADDRESS: room,
    PRESENCE_GRPC_ADDRESS: presence,
    GATEWAY_ADDRESS: gateway,
    URL_ISSUER_ADDRESS: urlIssuer,
    ROOM_SERVICE_ADDRESS: room,
    PRESENCE_SERVICE_ADDRESS: presence,
    ACCESS_TOKEN_SECRET: o.secret,
    GATEWAY_ID: `${o.tag}-gw1`,
    GATEWAY_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    URL_ISSUER_HTTP_ADDRESS: `127.0.0.1:${await freePort()}`,
    // Each process serves /metrics on a port of its own choosing, as the defaults (9461-9464) may be
    // taken by a running `npm run up`; the gateway's on a free port the bench knows, for the scenarios
    // that read it (gateway-interest's calls step).
    ROOM_METRICS_ADDRESS: '127.0.0.1:0',
    PRESENCE_METRICS_ADDRESS: '127.0.0.1:0',
    URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
    GATEWAY_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    // Its own presence bucket: sessions of other systems on this NATS are not its business.
    PRESENCE_KV_BUCKET: bucket,
  };
  const processes = o.oneProcess
    ? [new ServiceProcess('rtcroom', scripts[0]!, env, path.join(o.logDir, 'rtcroom.log'))]
    : SERVICES.map((s, i) => new ServiceProcess(s, scripts[i]!, env, path.join(o.logDir, `${s}.log`)));
  const target: Target = makeTarget('rtcroom', gateway, processes, processes[processes.length - 1]!, true, async () => {
    await db.drop().catch((err: Error) => process.stderr.write(`bench: could not drop ${db.name}: ${err.message}\n`));
    await deleteTestBucket(bucket, o.natsUrl); // the run's presence bucket goes with it
  });
  target.env = env;
  try {
    await ready(target, o, true);
  } catch (err) {
    await target.stop();
    throw err;
  }
  return target;
}

export interface ExtraGateway {
  address: string;
  process: ServiceProcess;
}

/**
 * One more gateway beside a running rtcroom target (its own ports and id, the same services), ready
 * once a client gets its welcome; `script` may be another build of the gateway (A/B runs).
 */
export async function startGateway(
  target: Target,
  o: { name: string; script: string; logPath: string; gatewayId: string; probeToken: string; timeoutMs?: number },
): Promise<ExtraGateway> {
  const address = `127.0.0.1:${await freePort()}`;
  const env = {
    ...target.env,
    GATEWAY_ADDRESS: address,
    GATEWAY_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
    GATEWAY_ID: o.gatewayId,
    GATEWAY_METRICS_ADDRESS: '127.0.0.1:0',
  };
  const gateway = { address, process: new ServiceProcess(o.name, o.script, env, o.logPath) };
  const deadline = nowMs() + (o.timeoutMs ?? 30_000);
  for (;;) {
    if (!gateway.process.running) throw new StartError(`${o.name} ${gateway.process.exit}:\n${gateway.process.tail()}`);
    const client = await BenchClient.open(wsUrl(address, o.probeToken), 'probe', { timeoutMs: 2000 }).catch(() => null);
    if (client) {
      await client.close(1000);
      return gateway;
    }
    if (nowMs() > deadline) {
      await gateway.process.stop();
      throw new StartError(`${o.name} did not welcome within ${o.timeoutMs ?? 30_000} ms:\n${gateway.process.tail()}`);
    }
    await sleep(250);
  }
}

/** The run's own database, or a StartError naming the server and carrying the cause. */
async function runDatabase(o: SystemOptions): Promise<BenchDatabase> {
  try {
    return await createBenchDatabase(o.pgAdminUrl);
  } catch (err) {
    throw new StartError(`cannot create the bench database on ${o.pgAdminUrl}: ${(err as Error).message}`, { cause: err });
  }
}

function makeTarget(kind: TargetKind, address: string, processes: ServiceProcess[], socketHolder: ServiceProcess, usesSharedServices: boolean, cleanup: () => Promise<void>): Target {
  let stopped: Promise<void> | undefined;
  return {
    kind,
    address,
    processes,
    socketHolder,
    usesSharedServices,
    failure() {
      const dead = processes.find((p) => !p.running);
      return dead ? `${dead.name} ${dead.exit}` : undefined;
    },
    stop() {
      // Stop in reverse order of dependency: the gateway first, the url-issuer last.
      stopped ??= (async () => {
        for (const p of [...processes].reverse()) await p.stop();
        await cleanup();
      })();
      return stopped;
    },
  };
}

/** Polls until a client gets `welcome` and, with `probeJoin`, until a join is acknowledged. */
async function ready(target: Target, o: SystemOptions, probeJoin: boolean): Promise<void> {
  const deadline = nowMs() + o.startTimeoutMs;
  const token = issueAccessToken(o.secret, { identity: `${o.tag}-probe-${target.kind}` });
  let last = 'no answer yet';
  while (nowMs() < deadline) {
    const dead = target.failure();
    if (dead) throw new StartError(`${target.kind}: ${dead}\n${describeLogs(target)}`);
    try {
      const client = await BenchClient.open(wsUrl(target.address, token), 'probe', { timeoutMs: 3000 });
      try {
        if (!probeJoin) return;
        const room = `${o.tag}-probe`;
        const reply = await client.request({ joinRoom: { roomName: room, createIfMissing: true, createOptions: { maxMembers: 6 } } }, 5000);
        const roomId = reply.frame.joinRoom?.room?.id;
        if (roomId) {
          await client.request({ leaveRoom: { roomId } }, 5000);
          return;
        }
        last = `probe join answered ${JSON.stringify(reply.frame.error ?? reply.frame)}`;
      } finally {
        await client.close(1000);
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new StartError(`${target.kind} not ready within ${o.startTimeoutMs} ms (last: ${last})\n${describeLogs(target)}`);
}

function describeLogs(target: Target): string {
  return target.processes
    .map((p) => {
      const tail = p.tail();
      return `--- ${p.name} (${p.logPath})${tail ? `\n${tail}` : ': no output'}`;
    })
    .join('\n');
}

/**
 * A port for a service to listen on, picked below the kernel's ephemeral range (32768 and up here):
 * the bench opens thousands of connections, whose local ports come from that range, and a port the
 * kernel handed out free could be some connection's by the time the service binds it (a run lost
 * the room service to EADDRINUSE that way).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  return listenOn(0);
}

function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}
