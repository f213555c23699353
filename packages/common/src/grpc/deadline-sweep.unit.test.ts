// The one timer behind every call's deadline: what is due expires, what left in time never does, what
// falls due later is swept later, and a deadline too far for a Node timer neither fires nor spins.
import { DeadlineSweep } from './deadline-sweep';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls by name and deadline, kept the way the mux keeps them: in a map, gone once answered. */
function calls() {
  const waiting = new Map<string, number>();
  const expired: string[] = [];
  let sweeps = 0;
  const sweep = new DeadlineSweep((now) => {
    sweeps++;
    let next = Infinity;
    for (const [name, deadlineAt] of waiting) {
      if (deadlineAt <= now) {
        waiting.delete(name);
        expired.push(name);
      } else {
        next = Math.min(next, deadlineAt);
      }
    }
    return next;
  }, 5);
  const start = (name: string, inMs: number) => {
    const deadlineAt = performance.now() + inMs;
    waiting.set(name, deadlineAt);
    sweep.watch(deadlineAt);
  };
  return { waiting, expired, sweep, start, sweeps: () => sweeps };
}

describe('DeadlineSweep', () => {
  it('expires what is due, then what falls due later, and never what was answered in time', async () => {
    const c = calls();
    c.start('late', 400);
    c.start('first', 20);
    c.start('answered in time', 20);
    c.waiting.delete('answered in time');
    await sleep(150);
    expect(c.expired).toEqual(['first']);
    await sleep(350);
    expect(c.expired).toEqual(['first', 'late']);
    expect(c.sweeps()).toBe(2);
  });

  it('sets its timer once for a run of calls with the same timeout', async () => {
    const c = calls();
    for (let i = 0; i < 100; i++) c.start(`call-${i}`, 30);
    await sleep(80);
    expect(c.expired).toHaveLength(100);
    expect(c.sweeps()).toBeLessThanOrEqual(2);
  });

  it('holds a deadline beyond what a Node timer can wait without firing it or spinning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const c = calls();
      c.start('far', 2 ** 40);
      await sleep(50);
      expect(c.expired).toEqual([]);
      expect(c.sweeps()).toBe(0);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
      c.sweep.stop();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
