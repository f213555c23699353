// One timer for the deadlines of many calls. The owner keeps its calls where it keeps them anyway (a
// map of calls awaiting an answer) and tells the sweep each new deadline; the timer is set for the
// earliest and, when it fires, the owner's sweep function expires what is due and says when the next
// call falls due. A call that finishes in time, nearly every one, costs a comparison: no timer, no
// entry in a second collection (a muxed call costs a few tens of microseconds in all).
// Deadlines are on performance.now()'s clock, which the wall clock's steps do not move.

const maxTimerMs = 2 ** 31 - 1;

/**
 * Expires every call due by `now` (performance.now(), already a millisecond ahead: timers may fire
 * that much early) and returns the earliest deadline left, Infinity when none.
 */
export type SweepFunction = (now: number) => number;

export class DeadlineSweep {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /**
   * @param slackMs how late a deadline may be noticed: a call due within this much of the timer
   *   does not move it, so a run of calls with the same timeout sets the timer once.
   */
  constructor(
    private readonly sweep: SweepFunction,
    private readonly slackMs = 10,
  ) {}

  /** A call due at `deadlineAt` (performance.now()) has started. */
  watch(deadlineAt: number): void {
    if (deadlineAt + this.slackMs < this.timerAt) this.arm(deadlineAt);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // Node fires a timer beyond 2^31-1 ms at once: a far deadline is looked at again then, not spun on.
    this.timer = setTimeout(this.fire, Math.min(maxTimerMs, Math.max(0, Math.ceil(at - performance.now()))));
    this.timer.unref(); // a pending deadline alone keeps no process alive
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now() + 1;
    const next = this.sweep(now);
    // Expiring may have started calls (and set the timer); otherwise wait for the next, a little
    // later, so that what falls due meanwhile goes in the same sweep.
    if (next !== Infinity && next + this.slackMs < this.timerAt) this.arm(Math.max(next, now + this.slackMs));
  };
}
