// The harness side of the client processes: forks them, hands each its share, gathers the answers.
// Clients run in their own processes so the client side is not what limits the system under test.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { FromWorker, ToWorker } from './messages';

type Kind = FromWorker['kind'];
type Answer<K extends Kind> = Extract<FromWorker, { kind: K }>;

export class ClientPool {
  private constructor(private readonly workers: ChildProcess[]) {}

  static start(size: number): ClientPool {
    const script = path.join(__dirname, 'worker-main.js');
    const workers = Array.from({ length: size }, () =>
      fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=2048'] }),
    );
    return new ClientPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid ?? -1);
  }

  /** Sends messages[i] to worker i and waits for each one's answer of `kind`. */
  ask<K extends Kind>(messages: ToWorker[], kind: K, timeoutMs: number): Promise<Answer<K>[]> {
    if (messages.length > this.workers.length) throw new Error(`only ${this.workers.length} client processes`);
    return Promise.all(messages.map((m, i) => this.askOne(this.workers[i], m, kind, timeoutMs)));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            const timer = setTimeout(() => w.kill('SIGKILL'), 3000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (w.connected) w.send({ kind: 'exit' } satisfies ToWorker);
            else w.kill('SIGTERM');
          }),
      ),
    );
  }

  private askOne<K extends Kind>(worker: ChildProcess, message: ToWorker, kind: K, timeoutMs: number): Promise<Answer<K>> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (answer: FromWorker) => {
        if (answer.kind === kind) {
          done();
          resolve(answer as Answer<K>);
        } else if (answer.kind === 'failed') {
          done();
          reject(new Error(`client process failed: ${answer.message}`));
        }
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`client process exited (${code}) before answering ${message.kind}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`client process gave no ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('exit', onExit);
      worker.send(message);
    });
  }
}
