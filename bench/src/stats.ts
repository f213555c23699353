// Percentiles and summaries of latency samples (milliseconds), the arithmetic every figure rests on.

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100): the smallest sample with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** p50/p95/p99/max/mean of the samples; null when there are none (a figure not measured is not zero). */
export function summarize(samples: readonly number[]): Summary | null {
  const finite = samples.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

/** `value / base`, or null when either is missing or the base is not positive. */
export function ratio(value: number | null | undefined, base: number | null | undefined): number | null {
  if (value == null || base == null || !(base > 0) || !Number.isFinite(value)) return null;
  return value / base;
}

/** Events per second over [startMs, endMs]; null when the window is empty. */
export function ratePerSecond(count: number, startMs: number, endMs: number): number | null {
  const spanMs = endMs - startMs;
  if (count <= 0 || !(spanMs > 0)) return null;
  return (count * 1000) / spanMs;
}
