// The one timer behind every call's deadline: what is due expires once, what left in time never does,
// and a deadline too far for a Node timer neither fires early nor spins.
import { DeadlineSweep, Expiring } from './deadline-sweep';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function entry(inMs: number, expired: string[], name: string): Expiring {
  return { deadlineAt: performance.now() + inMs, expire: () => expired.push(name) };
}

describe('DeadlineSweep', () => {
  it('expires what is due, in one pass or the next, and never what was deleted', async () => {
    const sweep = new DeadlineSweep(5);
    const expired: string[] = [];
    const kept = entry(20, expired, 'answered in time');
    for (const e of [entry(60, expired, 'late'), entry(20, expired, 'first'), kept, entry(Infinity, expired, 'no deadline')]) sweep.add(e);
    sweep.delete(kept);
    await sleep(45);
    expect(expired).toEqual(['first']);
    await sleep(60);
    expect(expired).toEqual(['first', 'late']);
    expect(sweep.size).toBe(0); // Infinity is never registered
  });

  it('holds a deadline beyond what a Node timer can wait without firing it or spinning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const sweep = new DeadlineSweep();
      const expired: string[] = [];
      sweep.add(entry(2 ** 40, expired, 'far'));
      await sleep(50);
      expect(expired).toEqual([]);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
      sweep.clear();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
