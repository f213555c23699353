// A private nats-server process for tests that stop and restart NATS (the shared one must stay up).
// nats-server binds a port of its own choosing (-p -1) and writes it to a ports file; the test's
// clients use a HeldAddress in front of it, which stays the same across restarts.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeldAddress } from './held-address';

export const natsServerBinary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export class PrivateNatsServer {
  private proc: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'rtcroom-nats-'));
  readonly storeDir = join(this.dir, 'store');

  private constructor(private readonly front: HeldAddress) {}

  static async start(): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await HeldAddress.open());
    await server.resume();
    return server;
  }

  /** The same across kill and resume. */
  get url(): string {
    return `nats://${this.front.address}`;
  }

  /** Starts (again), with the same JetStream store, and waits until it has reported its port. */
  async resume(): Promise<void> {
    let output = '';
    const proc = spawn(natsServerBinary, ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', this.storeDir, '--ports_file_dir', this.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
    proc.once('exit', () => this.proc === proc && this.front.forwardTo(undefined));
    this.proc = proc;
    // nats-server writes the file once it accepts clients, named after its pid (a killed one's stays behind).
    const portsFile = join(this.dir, `nats-server_${proc.pid}.ports`);
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      const url = existsSync(portsFile) ? clientUrl(readFileSync(portsFile, 'utf8')) : undefined;
      if (url) {
        this.front.forwardTo(new URL(url).host);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`nats-server did not report a port:\n${output}`);
  }

  /** Kills the server (as a crash would). */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.kill();
    await this.front.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The client URL in a ports file ({"nats":["nats://127.0.0.1:41234"]}); undefined while it is being written. */
function clientUrl(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { nats?: string[] }).nats?.[0];
  } catch {
    return undefined;
  }
}

/**
 * A JetStream cluster of nats-server processes on loopback, for tests of the scale-out path. Each node
 * has its own store (-sd) and binds ports of its own choosing (-1); the test holds two addresses per
 * node for its whole life (HeldAddress), its client address and its route address, as DNS names would
 * be in a deployment. Every node is routed to the others' route addresses (a JetStream cluster needs
 * its routes configured at start), and clients are given every node's client address (`url`, the
 * comma-separated list NATS_URL takes), so a node killed and started again is found where it was.
 */
export class NatsCluster {
  private readonly dir = mkdtempSync(join(tmpdir(), 'rtcroom-nats-cluster-'));
  private readonly nodes: ClusterNode[] = [];
  private readonly clusterName = `rtc-${process.pid}-${Date.now().toString(36)}`;

  private constructor() {}

  static async start(size = 3): Promise<NatsCluster> {
    const cluster = new NatsCluster();
    try {
      for (let i = 0; i < size; i++) {
        cluster.nodes.push({ name: `n${i}`, storeDir: join(cluster.dir, `n${i}`), client: await HeldAddress.open(), route: await HeldAddress.open(), output: '' });
      }
      for (const node of cluster.nodes) await cluster.launch(node);
      await cluster.jetStreamReady();
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  /** Every node's client address, comma-separated: what NATS_URL takes. */
  get url(): string {
    return this.nodes.map((n) => `nats://${n.client.address}`).join(',');
  }

  /** One node's client URL (the same across kill and resume). */
  nodeUrl(i: number): string {
    return `nats://${this.nodes[i].client.address}`;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** The node's server name (JetStream names stream leaders and replicas by it). */
  nodeName(i: number): string {
    return this.nodes[i].name;
  }

  /**
   * Waits until JetStream answers through the cluster (its meta group has elected a leader, a few
   * seconds after the nodes meet); until then stream management requests time out.
   */
  async jetStreamReady(timeoutMs = 30_000): Promise<void> {
    const { connect } = await import('nats');
    const nc = await connect({ servers: this.url.split(','), maxReconnectAttempts: -1 });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        try {
          const jsm = await nc.jetstreamManager({ timeout: 1000 });
          await jsm.getAccountInfo();
          return;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`the NATS cluster's JetStream did not answer within ${timeoutMs} ms: ${String(err)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await nc.close();
    }
  }

  /** kill -9 one node, as a crash would. */
  async kill(i: number): Promise<void> {
    const proc = this.nodes[i].proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Starts a killed node again, with its store. */
  async resume(i: number): Promise<void> {
    await this.launch(this.nodes[i]);
  }

  async dispose(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.kill(i);
    for (const n of this.nodes) {
      await n.client.close();
      await n.route.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(node: ClusterNode): Promise<void> {
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats://${n.route.address}`);
    const args = ['-a', '127.0.0.1', '-p', '-1', '-n', node.name, '-js', '-sd', node.storeDir, '--cluster_name', this.clusterName];
    args.push('--cluster', 'nats://127.0.0.1:-1', '--routes', routes.join(','), '--ports_file_dir', this.dir);
    node.output = '';
    const proc = spawn(natsServerBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d) => (node.output = (node.output + d).slice(-4000)));
    proc.once('exit', () => {
      if (node.proc !== proc) return;
      node.client.forwardTo(undefined);
      node.route.forwardTo(undefined);
    });
    node.proc = proc;
    const portsFile = join(this.dir, `nats-server_${proc.pid}.ports`);
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      const ports = existsSync(portsFile) ? readPorts(readFileSync(portsFile, 'utf8')) : undefined;
      if (ports?.client && ports.route) {
        node.client.forwardTo(new URL(ports.client).host);
        node.route.forwardTo(new URL(ports.route).host);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`nats-server ${node.name} did not report its ports:\n${node.output}`);
  }
}

interface ClusterNode {
  name: string;
  storeDir: string;
  /** Where clients reach it, and where the other nodes' routes do. */
  client: HeldAddress;
  route: HeldAddress;
  proc?: ChildProcess;
  output: string;
}

/** The client and route URLs in a ports file; undefined while it is being written. */
function readPorts(text: string): { client?: string; route?: string } | undefined {
  try {
    const ports = JSON.parse(text) as { nats?: string[]; cluster?: string[] };
    return { client: ports.nats?.[0], route: ports.cluster?.[0] };
  } catch {
    return undefined;
  }
}
