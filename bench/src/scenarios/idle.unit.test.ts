import { cpuPercentBetween } from './idle';

const at = (at: number, cpuMs: number) => ({ at, cpuMs, sysMs: 0, rssKb: 0, peakKb: 0, sleeps: 0, preempted: 0 });

describe('cpuPercentBetween', () => {
  it('adds the processes CPU over the wall time between the samples, as % of one core', () => {
    expect(cpuPercentBetween([at(0, 100), at(0, 50)], [at(2000, 300), at(2000, 150)])).toBe(15);
  });

  it('is null when a process could not be read or no time passed', () => {
    expect(cpuPercentBetween([at(0, 0), null], [at(1000, 10), at(1000, 10)])).toBeNull();
    expect(cpuPercentBetween([at(1000, 0)], [at(1000, 10)])).toBeNull();
    expect(cpuPercentBetween([], [])).toBeNull();
  });
});
