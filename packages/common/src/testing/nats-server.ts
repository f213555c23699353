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
