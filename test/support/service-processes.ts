// Runs rtcroom's services as real, separate processes (node services/<name>/dist/main.js, so
// `npm run build` must have run), for tests that kill, restart and multiply them.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@rtcroom/common';
import { deleteTestBucket, deleteTestConsumers } from '@rtcroom/common/testing';

const root = join(__dirname, '..', '..');

export type ServiceName = 'url-issuer' | 'room' | 'presence' | 'gateway';

export class ServiceProcess {
  private proc: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly name: ServiceName,
    readonly env: Record<string, string>,
    readonly address: string,
  ) {}

  /** Starts the process and waits until it listens. */
  async start(): Promise<void> {
    this.output = '';
    const proc = spawn(process.execPath, [join(root, 'services', this.name, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: process.env.TEST_LOG ?? 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout?.on('data', (d) => (this.output += d));
    proc.stderr?.on('data', (d) => {
      this.output += d;
      if (process.env.TEST_LOG) process.stderr.write(`[${this.name}] ${d}`);
    });
    const [host, port] = [this.address.slice(0, this.address.lastIndexOf(':')), Number(this.address.slice(this.address.lastIndexOf(':') + 1))];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`${this.name} exited (${proc.exitCode}):\n${this.output}`);
      if (await listening(host, port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} did not listen on ${this.address}:\n${this.output}`);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** kill -9: no goodbye, no cleanup. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the service drains and exits. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => (clearTimeout(timer), resolve()));
      proc.kill(sig);
    });
  }
}

async function listening(host: string, port: number): Promise<boolean> {
  const { Socket } = await import('node:net');
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.connect(port, host);
  });
}

export interface ClusterOptions {
  databaseUrl: string;
  natsUrl: string;
  accessTokenSecret: string;
  gateways: number;
  presences: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Mutual TLS: the output of `npm run certs`; each process presents its own service's certificate. */
  certsDir?: string;
}

/** url-issuer, room, N presence instances and M gateways, each its own process. */
export class Cluster {
  readonly gateways: ServiceProcess[] = [];
  readonly presences: ServiceProcess[] = [];
  urlIssuer!: ServiceProcess;
  /** This cluster's own presence bucket, so clusters in other test files do not sweep its sessions. */
  bucket = '';
  natsUrl = '';
  room!: ServiceProcess;

  static async start(o: ClusterOptions): Promise<Cluster> {
    const c = new Cluster();
    const at = async () => `127.0.0.1:${await freePort()}`;
    c.bucket = `presence_c_${process.pid}_${Date.now().toString(36)}`;
    c.natsUrl = o.natsUrl;
    const common = { RTCROOM_DEV: 'true', NATS_URL: o.natsUrl, ACCESS_TOKEN_SECRET: o.accessTokenSecret, PRESENCE_KV_BUCKET: c.bucket, ...o.env };
    const tls = (name: ServiceName): Record<string, string> =>
      o.certsDir ? { GRPC_TLS_CA: join(o.certsDir, 'ca.crt'), GRPC_TLS_CERT: join(o.certsDir, `${name}.crt`), GRPC_TLS_KEY: join(o.certsDir, `${name}.key`) } : {};
    const urls = await at();
    const room = await at();
    const presences = await Promise.all(Array.from({ length: o.presences }, at));
    // Each gateway talks to one presence instance (round robin); presence state is shared in NATS.
    c.urlIssuer = new ServiceProcess('url-issuer', { ...common, ...tls('url-issuer'), URL_ISSUER_GRPC_ADDRESS: urls, URL_ISSUER_HTTP_ADDRESS: await at(), ROOM_SERVICE_ADDRESS: room }, urls);
    c.room = new ServiceProcess('room', { ...common, ...tls('room'), ROOM_GRPC_ADDRESS: room, DATABASE_URL: o.databaseUrl, URL_ISSUER_ADDRESS: urls, PRESENCE_SERVICE_ADDRESS: presences[0] }, room);
    for (const [i, addr] of presences.entries()) {
      c.presences.push(new ServiceProcess('presence', { ...common, ...tls('presence'), PRESENCE_GRPC_ADDRESS: addr, ROOM_SERVICE_ADDRESS: room, PRESENCE_MEDIA_CONSUMER: `presence-mp-${process.pid}-${i}` }, addr));
    }
    for (let i = 0; i < o.gateways; i++) {
      const addr = await at();
      c.gateways.push(
        new ServiceProcess(
          'gateway',
          { ...common, ...tls('gateway'), GATEWAY_ADDRESS: addr, GATEWAY_GRPC_ADDRESS: await at(), GATEWAY_ID: `gw-${i}-${process.pid}`, ROOM_SERVICE_ADDRESS: room, PRESENCE_SERVICE_ADDRESS: presences[i % presences.length], URL_ISSUER_ADDRESS: urls },
          addr,
        ),
      );
    }
    await c.urlIssuer.start();
    await c.room.start();
    for (const p of c.presences) await p.start();
    for (const g of c.gateways) await g.start();
    return c;
  }

  gatewayUrl(i: number): string {
    return `ws://${this.gateways[i].address}/v1/ws`;
  }

  async stop(): Promise<void> {
    for (const g of this.gateways) await g.stop();
    for (const p of this.presences) await p.stop();
    await this.room?.stop();
    await this.urlIssuer?.stop();
    await deleteTestBucket(this.bucket, this.natsUrl);
    await deleteTestConsumers('MEDIA_EVENTS', this.presences.map((_, i) => `presence-mp-${process.pid}-${i}`), this.natsUrl);
  }
}
