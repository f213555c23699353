import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const noJitter = { jitter: 0 };

  it('doubles from the initial delay', () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, noJitter))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('stops growing at the maximum', () => {
    expect(backoffDelay(20, noJitter)).toBe(30_000);
    expect(backoffDelay(3, { ...noJitter, initialDelayMs: 100, maxDelayMs: 500 })).toBe(500);
  });

  it('replaces the jitter share of the delay with a random amount', () => {
    // Half jitter (the default): between half and all of the nominal delay.
    expect(backoffDelay(2, {}, () => 0)).toBe(1000);
    expect(backoffDelay(2, {}, () => 0.999999)).toBe(2000);
    expect(backoffDelay(2, { jitter: 1 }, () => 0.25)).toBe(500);
  });

  it('spreads clients out: many delays for the same attempt are not all alike', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(2000), expect(d).toBeLessThanOrEqual(4000);
  });
});
