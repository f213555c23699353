// The issue's targets, each set against what this run measured. Benchmarks, not tests: a missed
// target is reported, never failed.
import type { ChurnFigures } from '../scenarios/churn';
import { findKnee, type RateStep } from '../scenarios/knee';
import type { TargetKind } from '../system';
import type { BenchReport, Goal } from './model';
import { fmtMs } from './format';

const GOAL_RATE = 500;
const GOAL_P99_AT_RATE_MS = 20;
const KNEE_P99_LIMIT_MS = 50;
const GOAL_KNEE_RATE = 1000;
const GOAL_FLOOR_RATIO = 3;
const GOAL_IDLE_CONNECTIONS = 20_000;
const GOAL_IDLE_KB = 20;

export function rateSteps(report: BenchReport, kind: TargetKind): RateStep[] {
  return report.churn
    .filter((e) => e.setRate !== null && e.results[kind]?.figures)
    .map((e) => ({ rate: e.setRate!, figures: e.results[kind]!.figures! as ChurnFigures }));
}

export function evaluateGoals(report: BenchReport): Goal[] {
  return [p99AtRate(report), knee(report), floorRatio(report), idle(report), silentClient(report)];
}

function at(report: BenchReport, kind: TargetKind, rate: number): ChurnFigures | undefined {
  const entries = report.churn.filter((e) => e.setRate === rate);
  const entry = entries.find((e) => e.scenario === 'churn') ?? entries[0];
  return entry?.results[kind]?.figures;
}

function p99AtRate(report: BenchReport): Goal {
  const show = (f: ChurnFigures | undefined) =>
    f?.joinNotify ? `p99 ${fmtMs(f.joinNotify.p99)} ms (achieved ${Math.round(f.achievedRate ?? 0)}/s)` : 'not measured';
  const sys = at(report, 'rtcroom', GOAL_RATE);
  const p99 = sys?.joinNotify?.p99;
  const probe = report.churn.find((e) => e.scenario === 'churn' && e.setRate === GOAL_RATE)?.results.rtcroom?.commitProbe;
  const stalled = probe?.commits && probe.stalls > 0 ? `the disk stalled ${probe.stalls} side commits during the run (max ${fmtMs(probe.commits.max)} ms)` : '';
  return {
    goal: `join -> notify p99 at ${GOAL_RATE} joins/s`,
    target: `<= ${GOAL_P99_AT_RATE_MS} ms`,
    rtcroom: show(sys),
    floor: show(at(report, 'floor', GOAL_RATE)),
    verdict: p99 === undefined ? 'not measured' : p99 <= GOAL_P99_AT_RATE_MS ? 'met' : 'missed',
    note: p99 === undefined ? `run the churn scenario at ${GOAL_RATE} joins/s against the system` : stalled,
  };
}

function knee(report: BenchReport): Goal {
  const show = (kind: TargetKind) => {
    const steps = rateSteps(report, kind);
    if (steps.length === 0) return { text: 'not measured', sustained: null as number | null };
    const k = findKnee(steps, KNEE_P99_LIMIT_MS);
    const top = Math.max(...steps.map((s) => s.rate));
    const text =
      k.firstOver === null
        ? `>= ${k.sustained} joins/s (highest step tried)`
        : `${k.sustained ?? `< ${k.firstOver}`} joins/s (at ${k.firstOver}: ${k.reason})`;
    return { text, sustained: k.firstOver === null ? Math.max(k.sustained ?? 0, top) : k.sustained };
  };
  const sys = show('rtcroom');
  return {
    goal: `joins/s sustained before join -> notify p99 > ${KNEE_P99_LIMIT_MS} ms`,
    target: `>= ${GOAL_KNEE_RATE} joins/s`,
    rtcroom: sys.text,
    floor: show('floor').text,
    verdict: sys.text === 'not measured' ? 'not measured' : (sys.sustained ?? 0) >= GOAL_KNEE_RATE ? 'met' : 'missed',
    note: 'a step holds when p99 <= 50 ms, >= 90% of the set rate is achieved and < 1% of joins or notices are lost',
  };
}

function floorRatio(report: BenchReport): Goal {
  const entry =
    report.churn.find((e) => e.scenario === 'churn' && e.setRate === GOAL_RATE) ??
    report.churn.find((e) => e.setRate === GOAL_RATE) ??
    report.churn.find((e) => e.scenario === 'churn');
  const ratio = entry?.ratioToFloor.joinNotify?.p50 ?? null;
  const f = entry?.results.floor?.figures?.joinNotify;
  const s = entry?.results.rtcroom?.figures?.joinNotify;
  return {
    goal: `join -> notify p50 as a multiple of the floor's${entry ? ` (${entry.label})` : ''}`,
    target: `<= ${GOAL_FLOOR_RATIO}x`,
    rtcroom: s && ratio !== null ? `${ratio.toFixed(2)}x (p50 ${fmtMs(s.p50)} ms)` : 'not measured',
    floor: f ? `1x (p50 ${fmtMs(f.p50)} ms)` : 'not measured',
    verdict: ratio === null ? 'not measured' : ratio <= GOAL_FLOOR_RATIO ? 'met' : 'missed',
    note: ratio === null ? 'needs the floor and the system in the same run' : ratiosWhereItHolds(report),
  };
}

/** The p50 ratio at the rate steps the system carries (below its knee), where queueing does not dominate. */
function ratiosWhereItHolds(report: BenchReport): string {
  const k = findKnee(rateSteps(report, 'rtcroom'), KNEE_P99_LIMIT_MS);
  if (k.sustained === null) return '';
  const held = report.churn
    .filter((e) => e.setRate !== null && e.setRate <= k.sustained! && typeof e.ratioToFloor.joinNotify?.p50 === 'number')
    .map((e) => ({ rate: e.setRate!, ratio: e.ratioToFloor.joinNotify!.p50! }))
    .sort((a, b) => a.rate - b.rate);
  if (held.length === 0) return '';
  const ratios = held.map((h) => h.ratio);
  const rates = `${held[0].rate}-${held[held.length - 1].rate} joins/s`;
  return `at the rates it carries (${rates}): ${Math.min(...ratios).toFixed(2)}x-${Math.max(...ratios).toFixed(2)}x`;
}

function idle(report: BenchReport): Goal {
  const show = (kind: TargetKind) => {
    const f = report.idle?.[kind]?.figures;
    return f && f.perConnectionKb !== null ? `${f.perConnectionKb} KB each at ${f.opened.toLocaleString('en-US')} open` : 'not measured';
  };
  const f = report.idle?.rtcroom?.figures;
  let verdict: Goal['verdict'] = 'not measured';
  let note = '';
  if (f && f.perConnectionKb !== null) {
    const small = f.perConnectionKb <= GOAL_IDLE_KB;
    // Capped by the process's open-files limit, every attempted connection but a few connect-storm
    // timeouts held: as many as the machine lets one process hold.
    const toTheLimit = f.capNote !== null && f.opened >= f.attempted * 0.99;
    verdict = !small ? 'missed' : f.opened >= GOAL_IDLE_CONNECTIONS ? 'met' : toTheLimit ? "met to the machine's limit" : 'partly met';
    if (f.opened < GOAL_IDLE_CONNECTIONS) note = `measured at ${f.opened.toLocaleString('en-US')} connections (--full tries ${GOAL_IDLE_CONNECTIONS.toLocaleString('en-US')})`;
    if (f.capNote) note = `${note}${note ? '; ' : ''}${f.capNote}`;
  }
  return {
    goal: 'idle connections with heartbeats on one gateway',
    target: `${GOAL_IDLE_CONNECTIONS.toLocaleString('en-US')} at <= ${GOAL_IDLE_KB} KB each`,
    rtcroom: show('rtcroom'),
    floor: show('floor'),
    verdict,
    note,
  };
}

function silentClient(report: BenchReport): Goal {
  const n = report.notMeasured.find((m) => m.scenario === 'silent client');
  const ms = report.detection?.silentInterruptMs ?? [];
  const worst = ms.length ? Math.max(...ms) : undefined;
  return {
    goal: 'silent client found',
    target: '<= 5 s (the configured timeout)',
    rtcroom: worst === undefined ? 'not measured' : `worst ${(worst / 1000).toFixed(2)} s (n=${ms.length})`,
    floor: 'not measured',
    verdict: worst === undefined ? 'not measured' : worst <= 5000 ? 'met' : 'missed',
    note: n?.status ?? '',
  };
}
