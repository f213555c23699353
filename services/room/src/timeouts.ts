// Runs the room service's timeouts every interval: rooms whose empty or departure timeout ran out
// close, calls nobody answered in time end. Every instance may run them: each change re-checks under
// the room's lock.
import { Logger } from '@rtcroom/common';

export type TimeoutTask = { name: string; run: () => Promise<number> };

export class Timeouts {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly tasks: TimeoutTask[],
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    for (const task of this.tasks) {
      try {
        const done = await task.run();
        if (done > 0) this.logger.info('timeouts ran out', { task: task.name, count: done });
      } catch (err) {
        this.logger.warn('timeout task failed', { task: task.name, err });
      }
    }
  }
}
