// Closes rooms whose empty or departure timeout has run out, checking every interval. Every instance
// may run it: each close re-checks the room under its lock.
import { Logger } from '@rtcroom/common';
import { Rooms } from './rooms';

export class AutoCloser {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly rooms: Rooms,
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
    try {
      const closed = await this.rooms.closeDue();
      if (closed > 0) this.logger.info('rooms closed by their timeout', { closed });
    } catch (err) {
      this.logger.warn('auto-close failed', { err });
    }
  }
}
