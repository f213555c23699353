// The knee of the join-rate steps: the highest rate the target sustains before join -> notify p99
// passes the limit (or it falls behind the rate, or loses joins or notices).
import type { ChurnFigures } from './churn';

export interface RateStep {
  rate: number;
  figures: ChurnFigures;
}

export interface KneeFinding {
  /** The highest rate held before the first failing step; null if even the lowest failed. */
  sustained: number | null;
  /** The first rate that failed; null if none did (the knee lies above the highest step tried). */
  firstOver: number | null;
  /** Why the first failing step failed. */
  reason: string | null;
}

export function stepFailure(step: RateStep, p99LimitMs: number): string | null {
  const f = step.figures;
  if (f.joinsAcked < f.joinsPlanned * 0.99) return `${f.joinsPlanned - f.joinsAcked} of ${f.joinsPlanned} joins not acknowledged`;
  if (f.achievedRate === null || f.achievedRate < step.rate * 0.9) return `achieved ${Math.round(f.achievedRate ?? 0)} joins/s`;
  if (f.missed.join > f.joinsAcked * 0.01) return `${f.missed.join} joins not notified to everyone`;
  if (!f.joinNotify) return 'no join -> notify samples';
  if (f.joinNotify.p99 > p99LimitMs) return `join -> notify p99 ${f.joinNotify.p99.toFixed(1)} ms`;
  return null;
}

export function findKnee(steps: readonly RateStep[], p99LimitMs: number): KneeFinding {
  let sustained: number | null = null;
  for (const step of [...steps].sort((a, b) => a.rate - b.rate)) {
    const reason = stepFailure(step, p99LimitMs);
    if (reason) return { sustained, firstOver: step.rate, reason };
    sustained = step.rate;
  }
  return { sustained, firstOver: null, reason: null };
}
