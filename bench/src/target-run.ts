// The scenarios against one started target, in two phases that each get a freshly started target:
// idle connections (memory must grow from a fresh baseline, not from churn's leftovers), and churn
// (an unrecorded warm-up, the rate steps, the storm), which must not inherit a heap swollen by
// twenty thousand idle sockets. Each run starts on a quiet machine and records the CPU and peak
// memory of every process involved.
import { sleep } from './clock';
import { startCommitProbe } from './commit-probe';
import { groupUsageBetween, resetPeak, sampleGroup, sampleProc, usageBetween, waitForQuiet, type ProcessUsage } from './proc-stats';
import { fmtMs, fmtRate } from './report/format';
import type { BenchReport, ChurnEntry, Measured } from './report/model';
import { churnSpecs, LATENCY_METRICS, runChurn, type ChurnFigures, type ChurnSpec } from './scenarios/churn';
import type { ScenarioContext } from './scenarios/context';
import { runIdle, type IdleFigures } from './scenarios/idle';
import { ratio } from './stats';
import type { Target, TargetKind } from './system';

const SHARED_PROCESSES = ['postgres', 'nats-server'];

export async function runIdlePhase(ctx: ScenarioContext, target: Target, report: BenchReport, say: (line: string) => void): Promise<void> {
  const result = await measured(target, ctx, ctx.settings.idleClientProcesses, report, say, () => runIdle(ctx, target));
  (report.idle ??= {})[target.kind] = result;
  say(describeIdle(target.kind, result));
}

export async function runChurnPhase(ctx: ScenarioContext, target: Target, report: BenchReport, say: (line: string) => void): Promise<void> {
  const usable = () => report.meta.targets[target.kind]?.status === 'measured';
  const clients = ctx.settings.clientProcesses;
  const specs = churnSpecs(ctx);
  {
    const { rate, seconds } = ctx.settings.warmup;
    const warmup: ChurnSpec = { scenario: 'churn', label: 'warmup', rate, rooms: Math.ceil((rate * seconds) / ctx.settings.member.maxMembers) };
    const result = await measured(target, ctx, clients, report, say, (windowStarts) => runChurn(ctx, target, warmup, undefined, windowStarts));
    say(`${describeChurn(warmup.label, target.kind, result)} (not recorded)`);
  }
  // Past a rate the target is swamped at, higher steps would only pile up timeouts: they are skipped.
  let swampedAt: number | undefined;
  for (const spec of specs) {
    const entry = entryFor(report, spec);
    if (!usable()) {
      entry.results[target.kind] = { error: `not run: ${report.meta.targets[target.kind]?.message ?? 'target unusable'}` };
      continue;
    }
    if (spec.rate !== null && swampedAt !== undefined && spec.rate > swampedAt) {
      entry.results[target.kind] = { error: `skipped: swamped at ${swampedAt} joins/s` };
      say(`${spec.label} on ${target.kind}: skipped (swamped at ${swampedAt} joins/s)`);
      continue;
    }
    const result = await measured(target, ctx, clients, report, say, (windowStarts) => runChurn(ctx, target, spec, undefined, windowStarts));
    entry.results[target.kind] = result;
    say(describeChurn(spec.label, target.kind, result));
    if (spec.rate !== null && isSwamped(spec.rate, result)) swampedAt = Math.min(spec.rate, swampedAt ?? Infinity);
    await sleep(ctx.settings.settleMs);
  }
}

/** Fills in every churn entry's ratios to the floor, once both targets have run. */
export function finishRatios(report: BenchReport): void {
  for (const entry of report.churn) {
    entry.ratioToFloor = {};
    const sys = entry.results.rtcroom?.figures;
    const floor = entry.results.floor?.figures;
    if (!sys || !floor) continue;
    for (const metric of LATENCY_METRICS) {
      const s = sys[metric];
      const f = floor[metric];
      entry.ratioToFloor[metric] = { p50: ratio(s?.p50, f?.p50), p95: ratio(s?.p95, f?.p95), p99: ratio(s?.p99, f?.p99), max: ratio(s?.max, f?.max) };
    }
  }
}

function entryFor(report: BenchReport, spec: ChurnSpec): ChurnEntry {
  let entry = report.churn.find((e) => e.label === spec.label);
  if (!entry) {
    entry = { scenario: spec.scenario, label: spec.label, setRate: spec.rate, rooms: spec.rooms, results: {}, ratioToFloor: {} };
    report.churn.push(entry);
  }
  return entry;
}

/** Far past the knee: under half the set rate achieved, or a tenth of the joins lost. */
function isSwamped(rate: number, result: Measured<ChurnFigures>): boolean {
  const f = result.figures;
  if (!f) return true;
  return (f.achievedRate ?? 0) < rate * 0.5 || f.joinsAcked < f.joinsPlanned * 0.9;
}

/** Runs one scenario against one target, with the CPU and peak memory of each process involved. */
async function measured<T>(
  target: Target,
  ctx: ScenarioContext,
  clients: number,
  report: BenchReport,
  say: (line: string) => void,
  /** `windowStarts()` reads the counters again: what ran before it is left out of the figures. */
  run: (windowStarts: () => void) => Promise<T>,
): Promise<Measured<T>> {
  const quiet = await waitForQuiet(ctx.settings.quietMaxMs);
  if (!quiet.quiet) say(`  (machine still ${Math.round(quiet.busy * 100)}% busy after ${quiet.waitedMs} ms; measuring anyway)`);
  // The client processes are listed too: their CPU shows whether the client side kept up.
  const watched = [
    ...target.processes.map((p) => ({ name: p.name, pid: p.pid })),
    ...ctx.pool.pids.slice(0, clients).map((pid, i) => ({ name: `(client ${i + 1})`, pid })),
  ];
  let before = watched.map((p) => ({ p, sample: sampleProc(p.pid), reset: resetPeak(p.pid) }));
  // Postgres and NATS serve rtcroom (and the design floor) but are not ours: all their processes together, CPU only.
  let groups = target.usesSharedServices ? SHARED_PROCESSES.map((comm) => ({ comm, sample: sampleGroup(comm) })) : [];
  const windowStarts = () => {
    before = before.map(({ p, reset }) => ({ p, sample: sampleProc(p.pid), reset }));
    groups = groups.map(({ comm }) => ({ comm, sample: sampleGroup(comm) }));
  };
  const machineBusyAtStart = Math.round(quiet.busy * 100);
  // rtcroom waits for Postgres's commits, and they for the disk: watched alongside (commit-probe.ts).
  const databaseUrl = target.kind === 'rtcroom' ? target.env?.DATABASE_URL : undefined;
  const probe = databaseUrl ? await startCommitProbe(databaseUrl).catch(() => undefined) : undefined;
  try {
    const figures = await run(windowStarts);
    const commitProbe = await probe?.stop();
    const processes: ProcessUsage[] = [];
    for (const { p, sample, reset } of before) {
      const after = sampleProc(p.pid);
      if (sample && after) processes.push(usageBetween(p.name, p.pid, sample, after, reset));
    }
    for (const { comm, sample } of groups) {
      const after = sampleGroup(comm);
      if (sample && after) processes.push(groupUsageBetween(`(${comm}, shared)`, sample, after));
    }
    checkAlive(target, report, say);
    return { figures: { ...figures, processes }, machineBusyAtStart, ...(commitProbe ? { commitProbe } : {}) };
  } catch (err) {
    await probe?.stop();
    const dead = checkAlive(target, report, say);
    return { error: dead ? `${dead}: ${(err as Error).message}` : (err as Error).message, machineBusyAtStart };
  }
}

function checkAlive(target: Target, report: BenchReport, say: (line: string) => void): string | undefined {
  const dead = target.failure();
  if (dead && report.meta.targets[target.kind]?.status === 'measured') {
    report.meta.targets[target.kind] = { status: 'failed during run', message: dead };
    const logs = target.processes.map((p) => p.logPath).join(', ');
    say(`\n*** ${target.kind} stopped working (${dead}); its remaining scenarios are skipped. Logs: ${logs} ***\n`);
  }
  return dead;
}

function describeChurn(label: string, kind: TargetKind, r: Measured<ChurnFigures>): string {
  if (!r.figures) return `${label} on ${kind}: failed: ${r.error}`;
  const f = r.figures;
  const errors = Object.values(f.errors).reduce((a, b) => a + b, 0);
  return (
    `${label} on ${kind}: ${f.joinsAcked}/${f.joinsPlanned} joins at ${fmtRate(f.achievedRate)}/s; ack p50 ${fmtMs(f.joinAck?.p50)} ms; ` +
    `join->notify p50 ${fmtMs(f.joinNotify?.p50)} p99 ${fmtMs(f.joinNotify?.p99)} ms; push->playUrl p99 ${fmtMs(f.pushNotify?.p99)} ms; ` +
    `leave->notify p99 ${fmtMs(f.leaveNotify?.p99)} ms; missed ${f.missed.join}/${f.missed.push}/${f.missed.leave}; errors ${errors}`
  );
}

function describeIdle(kind: TargetKind, r: Measured<IdleFigures>): string {
  if (!r.figures) return `idle on ${kind}: failed: ${r.error}`;
  const f = r.figures;
  return (
    `idle on ${kind}: ${f.opened}/${f.attempted} open, ${f.perConnectionKb ?? '-'} KB each ` +
    `(RSS ${f.rssBeforeMb} -> ${f.rssHeldMb} MB), CPU held ${f.heldCpuPercent ?? '-'}% of a core (${Object.entries(f.heldCpuByProcess).map(([name, pct]) => `${name} ${pct ?? '-'}`).join(', ')}), ping p99 ${fmtMs(f.pingRtt?.p99)} ms, dropped ${f.droppedWhileIdle}`
  );
}
