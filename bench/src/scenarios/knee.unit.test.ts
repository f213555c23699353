import type { ChurnFigures } from './churn';
import { findKnee } from './knee';

function step(rate: number, p99: number, over: Partial<ChurnFigures> = {}) {
  const summary = { n: 100, p50: p99 / 4, p95: p99 / 2, p99, max: p99, mean: p99 / 4 };
  const figures: ChurnFigures = {
    joinsPlanned: 600,
    joinsAcked: 600,
    achievedRate: rate,
    connect: null,
    joinLate: null,
    joinAck: summary,
    joinNotify: summary,
    pushAck: null,
    pushNotify: null,
    leaveAck: null,
    leaveNotify: null,
    missed: { join: 0, push: 0, leave: 0 },
    errors: {},
    seqGaps: 0,
    roomsUnfinished: 0,
    ...over,
  };
  return { rate, figures };
}

describe('findKnee', () => {
  it('is the last rate held before the first step whose p99 passes the limit', () => {
    const knee = findKnee([step(2000, 80), step(500, 10), step(1000, 30), step(1500, 60)], 50);
    expect(knee).toEqual({ sustained: 1000, firstOver: 1500, reason: 'join -> notify p99 60.0 ms' });
  });

  it('counts falling behind the set rate as failing, however fast the notices', () => {
    const knee = findKnee([step(500, 5), step(1000, 5, { achievedRate: 700 })], 50);
    expect(knee.sustained).toBe(500);
    expect(knee.firstOver).toBe(1000);
  });

  it('says the knee lies above the highest step when none fails', () => {
    expect(findKnee([step(500, 5), step(1000, 9)], 50)).toEqual({ sustained: 1000, firstOver: null, reason: null });
  });
});
