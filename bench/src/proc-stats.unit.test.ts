// The bench's reading of /proc, on this very process.
import { sampleProc, switchesOf, usageBetween } from './proc-stats';

describe('proc-stats', () => {
  it('counts the sleeps of every thread of a process', () => {
    const before = switchesOf(process.pid);
    // Blocking waits, each certainly a sleep: a timer of the event loop may already be due when the
    // loop looks again on a loaded machine, and then it does not sleep (CI saw 4 sleeps for 5 timers).
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 5; i++) Atomics.wait(cell, 0, 0, 5);
    const after = switchesOf(process.pid);
    expect(after.sleeps).toBeGreaterThanOrEqual(before.sleeps + 5);
    expect(after.preempted).toBeGreaterThanOrEqual(before.preempted);
    expect(switchesOf(-1)).toEqual({ sleeps: 0, preempted: 0 });
  });

  it('gives the kernel share of the CPU between two samples', () => {
    const at = (at: number, cpuMs: number, sysMs: number, sleeps: number) => ({ at, cpuMs, sysMs, rssKb: 2048, peakKb: 4096, sleeps, preempted: 1 });
    const usage = usageBetween('x', 1, at(0, 100, 20, 10), at(1000, 300, 70, 25), true);
    expect(usage).toMatchObject({ cpuSeconds: 0.2, cpuPercent: 20, sysPercent: 25, sleeps: 15, preempted: 0, rssMb: 2 });
    expect(sampleProc(process.pid)).toMatchObject({ sleeps: expect.any(Number), sysMs: expect.any(Number) });
  });
});
