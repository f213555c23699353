import { percentile, ratePerSecond, ratio, summarize } from './stats';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('takes the nearest rank, so p99 of 1..100 is 99 and p50 is 50', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('never interpolates: a single slow sample in ten is the p95', () => {
    expect(percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 50], 95)).toBe(50);
    expect(percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 50], 50)).toBe(1);
  });

  it('refuses no samples and out-of-range percentiles', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts, and reports count, percentiles, max and mean', () => {
    const s = summarize([5, 3, 1, 4, 2]);
    expect(s).toEqual({ n: 5, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
  });

  it('says null, not zero, when nothing was measured', () => {
    expect(summarize([])).toBeNull();
    expect(summarize([Number.NaN, Number.POSITIVE_INFINITY])).toBeNull();
  });

  it('leaves its input untouched', () => {
    const input = [3, 1, 2];
    summarize(input);
    expect(input).toEqual([3, 1, 2]);
  });
});

describe('ratio and rate', () => {
  it('gives the ratio to the floor, or null without a usable floor figure', () => {
    expect(ratio(6, 2)).toBe(3);
    expect(ratio(6, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(6, undefined)).toBeNull();
  });

  it('counts events per second over a window', () => {
    expect(ratePerSecond(500, 0, 1000)).toBe(500);
    expect(ratePerSecond(0, 0, 1000)).toBeNull();
    expect(ratePerSecond(10, 5, 5)).toBeNull();
  });
});
