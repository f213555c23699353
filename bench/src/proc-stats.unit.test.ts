// The bench's reading of /proc, on this very process.
import { sampleProc, switchesOf, usageBetween } from './proc-stats';

describe('proc-stats', () => {
  it('counts the sleeps of every thread of a process', async () => {
    const before = switchesOf(process.pid);
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 2));
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
