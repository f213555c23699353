// Runs rtcroom's services as real, separate processes (node services/<name>/dist/main.js, so
// `npm run build` must have run), for tests that kill, restart and multiply them.
//
// No port is picked for a process: each binds port 0 and reports what it got (runMain's ready message
// over the IPC channel), and counts as started once every gRPC port it reported answers the health
// service with SERVING. A port picked here and bound there could be taken in between by another test's
// process, and "something answers on it" would then pass for ready (the desk-restart flake: the gateway
// URL answered by someone else's HTTP/2 server, `Parse Error: Expected HTTP/`). The services that others
// call (room, presence, url-issuer) sit behind a HeldAddress, which their peers are configured with and
// which stays theirs across restarts.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { checkHealth, isReadyMessage } from '@rtcroom/common';
import { deleteTestBucket, deleteTestConsumers, HeldAddress } from '@rtcroom/common/testing';

const root = join(__dirname, '..', '..');

export type ServiceName = 'url-issuer' | 'room' | 'presence' | 'gateway' | 'media-bridge';

/** The variables each service listens at; the first is the address its clients use. */
const listenVariables: Record<ServiceName, string[]> = {
  'url-issuer': ['URL_ISSUER_GRPC_ADDRESS', 'URL_ISSUER_HTTP_ADDRESS', 'URL_ISSUER_METRICS_ADDRESS'],
  room: ['ROOM_GRPC_ADDRESS', 'ROOM_METRICS_ADDRESS'],
  presence: ['PRESENCE_GRPC_ADDRESS', 'PRESENCE_METRICS_ADDRESS'],
  gateway: ['GATEWAY_ADDRESS', 'GATEWAY_GRPC_ADDRESS', 'GATEWAY_METRICS_ADDRESS'],
  'media-bridge': ['MEDIA_BRIDGE_GRPC_ADDRESS', 'MEDIA_BRIDGE_METRICS_ADDRESS'],
};

const startTimeoutMs = 60_000; // a deadline, not a speed check: starts take seconds on a busy machine

export class ServiceProcess {
  private proc: ChildProcess | undefined;
  private output = '';
  /** What the running process listens at, by variable (GATEWAY_ADDRESS: '127.0.0.1:41234'), as it reported. */
  listening: Record<string, string> = {};

  constructor(
    readonly name: ServiceName,
    readonly env: Record<string, string>,
    /** Where its peers reach it, whatever port it binds; without one, its own port (which changes on restart). */
    readonly front?: HeldAddress,
  ) {}

  /** Where clients reach it: its held address, or where it listens now. */
  get address(): string {
    if (this.front) return this.front.address;
    const own = this.listening[listenVariables[this.name][0]];
    if (!own) throw new Error(`${this.name} has not started`);
    return own;
  }

  /** Starts the process, on ports of its own choosing, and waits until it serves. */
  async start(): Promise<void> {
    this.output = '';
    this.listening = {};
    const ownPorts = Object.fromEntries(listenVariables[this.name].map((v) => [v, '127.0.0.1:0']));
    const proc = spawn(process.execPath, [join(root, 'services', this.name, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: process.env.TEST_LOG ?? 'warn', ...this.env, ...ownPorts },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.proc = proc;
    proc.stdout?.on('data', (d) => (this.output += d));
    proc.stderr?.on('data', (d) => {
      this.output += d;
      if (process.env.TEST_LOG) process.stderr.write(`[${this.name}] ${d}`);
    });
    proc.once('exit', () => this.proc === proc && this.front?.forwardTo(undefined));
    this.listening = await this.readyReport(proc);
    await this.serving(proc);
    this.front?.forwardTo(this.listening[listenVariables[this.name][0]]);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** kill -9: no goodbye, no cleanup. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /**
   * kill -9, and its held address sends new connections to `survivor` from then on: what a Kubernetes
   * Service does once the dead pod's endpoint is removed (its callers reconnect and reach a live one).
   */
  async killAndHandOver(survivor: ServiceProcess): Promise<void> {
    if (!this.front) throw new Error(`${this.name} has no held address to hand over`);
    await this.kill();
    this.front.forwardTo(survivor.listening[listenVariables[survivor.name][0]]);
  }

  /** SIGTERM: the service drains and exits; how it exited (null, null: it was not running). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.signal('SIGTERM');
  }

  /** The addresses the process reports once it is up; its output if it exits first. */
  private readyReport(proc: ChildProcess): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`${this.name} did not report ready within ${startTimeoutMs} ms:\n${this.output}`)), startTimeoutMs);
      const onMessage = (message: unknown) => {
        if (!isReadyMessage(message)) return;
        done();
        resolve(message.listening);
      };
      const onExit = (code: number | null, signal: string | null) => fail(new Error(`${this.name} exited (${code ?? signal}):\n${this.output}`));
      const done = () => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
      };
      const fail = (err: Error) => {
        done();
        proc.kill('SIGKILL');
        reject(err);
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
    });
  }

  /** Every gRPC port it reported answers grpc.health.v1 SERVING (over TLS when it has a CA). */
  private async serving(proc: ChildProcess): Promise<void> {
    const tls = this.env.GRPC_TLS_CA ? { caFile: this.env.GRPC_TLS_CA } : undefined;
    const deadline = Date.now() + startTimeoutMs;
    for (const [variable, address] of Object.entries(this.listening).filter(([v]) => v.endsWith('_GRPC_ADDRESS'))) {
      for (;;) {
        const answer = await checkHealth(address, '', tls, 2000);
        if (answer.serving) break;
        if (proc.exitCode !== null || Date.now() > deadline) {
          proc.kill('SIGKILL');
          throw new Error(`${this.name}'s ${variable} (${address}) is not serving: ${answer.error}\n${this.output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private async signal(sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return { code: null, signal: null };
    return new Promise((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', (code, signal) => (clearTimeout(timer), resolve({ code, signal })));
      proc.kill(sig);
    });
  }

  /** What the process wrote to stdout and stderr since it started. */
  get log(): string {
    return this.output;
  }
}

export interface ClusterOptions {
  databaseUrl: string;
  natsUrl: string;
  accessTokenSecret: string;
  gateways: number;
  presences: number;
  /** Room-service instances (default 1); callers are spread over them as over the presence instances. */
  rooms?: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Mutual TLS: the output of `npm run certs`; each process presents its own service's certificate. */
  certsDir?: string;
}

/** url-issuer, K room-service instances, N presence instances and M gateways, each its own process. */
export class Cluster {
  readonly gateways: ServiceProcess[] = [];
  readonly presences: ServiceProcess[] = [];
  readonly rooms: ServiceProcess[] = [];
  urlIssuer!: ServiceProcess;
  /** This cluster's own presence bucket, so clusters in other test files do not sweep its sessions. */
  bucket = '';
  natsUrl = '';
  /** The first room-service instance (the only one unless `rooms` asked for more). */
  room!: ServiceProcess;
  private readonly fronts: HeldAddress[] = [];

  static async start(o: ClusterOptions): Promise<Cluster> {
    const c = new Cluster();
    try {
      await c.launch(o);
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  private async launch(o: ClusterOptions): Promise<void> {
    this.bucket = `presence_c_${process.pid}_${Date.now().toString(36)}`;
    this.natsUrl = o.natsUrl;
    // A gateway stopped here hands nothing off unless the test says so (GATEWAY_DRAIN_HOLD_MS): the
    // clients these tests leave open never come back, and each stop would wait out the hold.
    const common = { RTCROOM_DEV: 'true', NATS_URL: o.natsUrl, ACCESS_TOKEN_SECRET: o.accessTokenSecret, PRESENCE_KV_BUCKET: this.bucket, GATEWAY_DRAIN_HOLD_MS: '0', ...o.env };
    const tls = (name: ServiceName): Record<string, string> =>
      o.certsDir ? { GRPC_TLS_CA: join(o.certsDir, 'ca.crt'), GRPC_TLS_CERT: join(o.certsDir, `${name}.crt`), GRPC_TLS_KEY: join(o.certsDir, `${name}.key`) } : {};
    // Room and presence call each other, as room and url-issuer do: each is given the other's held address.
    const hold = async () => {
      const front = await HeldAddress.open();
      this.fronts.push(front);
      return front;
    };
    const urls = await hold();
    const rooms: HeldAddress[] = [];
    for (let i = 0; i < (o.rooms ?? 1); i++) rooms.push(await hold());
    const presences = await Promise.all(Array.from({ length: o.presences }, hold));
    // The i-th caller of a kind goes to instance i modulo their number, as a Service would spread them.
    const roomFor = (i: number) => rooms[i % rooms.length].address;
    this.urlIssuer = new ServiceProcess('url-issuer', { ...common, ...tls('url-issuer'), ROOM_SERVICE_ADDRESS: roomFor(rooms.length - 1) }, urls);
    for (const [i, front] of rooms.entries()) {
      this.rooms.push(
        new ServiceProcess(
          'room',
          { ...common, ...tls('room'), DATABASE_URL: o.databaseUrl, URL_ISSUER_ADDRESS: urls.address, PRESENCE_SERVICE_ADDRESS: presences[i % presences.length].address },
          front,
        ),
      );
    }
    this.room = this.rooms[0];
    for (const [i, front] of presences.entries()) {
      this.presences.push(new ServiceProcess('presence', { ...common, ...tls('presence'), ROOM_SERVICE_ADDRESS: roomFor(i), PRESENCE_MEDIA_CONSUMER: `presence-mp-${process.pid}-${i}` }, front));
    }
    // Each gateway talks to one presence instance (round robin); presence state is shared in NATS.
    for (let i = 0; i < o.gateways; i++) {
      this.gateways.push(
        new ServiceProcess('gateway', {
          ...common,
          ...tls('gateway'),
          GATEWAY_ID: `gw-${i}-${process.pid}`,
          ROOM_SERVICE_ADDRESS: roomFor(i),
          PRESENCE_SERVICE_ADDRESS: presences[i % presences.length].address,
          URL_ISSUER_ADDRESS: urls.address,
        }),
      );
    }
    await this.urlIssuer.start();
    for (const r of this.rooms) await r.start();
    for (const p of this.presences) await p.start();
    for (const g of this.gateways) await g.start();
  }

  gatewayUrl(i: number): string {
    return `ws://${this.gateways[i].address}/v1/ws`;
  }

  async stop(): Promise<void> {
    for (const g of this.gateways) await g.stop();
    for (const p of this.presences) await p.stop();
    for (const r of this.rooms) await r.stop();
    await this.urlIssuer?.stop();
    for (const f of this.fronts) await f.close();
    await deleteTestBucket(this.bucket, this.natsUrl);
    await deleteTestConsumers('MEDIA_EVENTS', this.presences.map((_, i) => `presence-mp-${process.pid}-${i}`), this.natsUrl);
  }
}
