// Runs actions at set monotonic times from one timer, so thousands of scheduled joins cost one
// timeout at a time rather than one each.
import { nowMs } from '../clock';

interface Action {
  at: number;
  run: () => void;
}

export class Pacer {
  private actions: Action[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  add(at: number, run: () => void): void {
    if (this.running) throw new Error('add actions before start()');
    this.actions.push({ at, run });
  }

  start(): void {
    this.actions.sort((a, b) => a.at - b.at);
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    const now = nowMs();
    while (this.next < this.actions.length && this.actions[this.next].at <= now) {
      this.actions[this.next++].run();
    }
    if (this.next < this.actions.length) {
      const wait = this.actions[this.next].at - nowMs();
      this.timer = setTimeout(this.tick, Math.min(Math.max(wait, 0), 100));
    }
  };
}
