// One timer for the deadlines of many calls. A call joins when it starts and leaves when answered;
// the timer is set for the earliest deadline and, when it fires, expires what is due and sets itself
// for the next. Calls that finish in time, nearly all of them, cost a Set insertion and deletion
// each, not a timer each (a muxed call costs a few tens of microseconds in all: a timer is not free).
// Deadlines are on performance.now()'s clock, which the wall clock's steps do not move.

const maxTimerMs = 2 ** 31 - 1;

export interface Expiring {
  /** performance.now() at which the call is due; Infinity: never. */
  readonly deadlineAt: number;
  /** Called once, when the deadline has passed and the call is still registered. */
  expire(): void;
}

export class DeadlineSweep {
  private readonly waiting = new Set<Expiring>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /**
   * @param slackMs how late a deadline may be noticed: a call due within this much of the timer
   *   does not move it, so a run of calls with the same timeout sets the timer once.
   */
  constructor(private readonly slackMs = 10) {}

  add(entry: Expiring): void {
    if (entry.deadlineAt === Infinity) return;
    this.waiting.add(entry);
    if (entry.deadlineAt + this.slackMs < this.timerAt) this.arm(entry.deadlineAt);
  }

  delete(entry: Expiring): void {
    // The timer stays: when it fires with nothing due it sets itself for the next one, or stops.
    this.waiting.delete(entry);
  }

  /** Forgets every call without expiring it. */
  clear(): void {
    this.waiting.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  get size(): number {
    return this.waiting.size;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Node fires a timer beyond 2^31-1 ms at once: a far deadline is looked at again then, not spun on.
    this.timer = setTimeout(this.sweep, Math.min(maxTimerMs, Math.max(0, Math.ceil(at - performance.now()))));
    this.timer.unref(); // a pending deadline alone keeps no process alive
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    // Timers may fire a fraction of a millisecond early by this clock: what is due within 1 ms is due.
    const now = performance.now() + 1;
    let next = Infinity;
    for (const entry of this.waiting) {
      if (entry.deadlineAt <= now) {
        this.waiting.delete(entry);
        entry.expire();
      } else if (entry.deadlineAt < next) {
        next = entry.deadlineAt;
      }
    }
    // expire() may have added calls (and set the timer); otherwise wait for the next, a little later
    // so that what falls due meanwhile goes in the same sweep.
    if (next !== Infinity && next + this.slackMs < this.timerAt) this.arm(Math.max(next, now + this.slackMs));
  };
}
