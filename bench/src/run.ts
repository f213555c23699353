// The bench's entry: measures the floor, then rtcroom, with the same client processes and the same
// scenarios, and writes JSON, Markdown and an SVG chart under bench/results/. One target at a time,
// never side by side: rtcroom keeps working after a run (requests whose clients gave up, rooms
// closing on their timers), and that work must not land in the floor's figures.
// `node bench/dist/run.js` is the quick set, `--full` the full one, `--help` lists the flags.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { issueAccessToken, usageFailed } from '@rtcroom/common';
import { parseBenchArgs, USAGE, type BenchSettings } from './options';
import { ClientPool } from './pool/client-pool';
import { evaluateGoals } from './report/goals';
import { renderChart } from './report/chart-svg';
import { renderMarkdown } from './report/markdown';
import type { BenchReport } from './report/model';
import type { ScenarioContext } from './scenarios/context';
import { notMeasured } from './scenarios/not-measured';
import { describeTimes, measureCallSetup } from './scenarios/call-setup';
import { describeDetection, measureDetection } from './scenarios/detection';
import { startFloor, startRtcroom, StartError, type SystemOptions, type Target } from './system';
import { churnSpecs } from './scenarios/churn';
import { finishRatios, runChurnPhase, runIdlePhase } from './target-run';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let settings: BenchSettings | 'help';
  try {
    settings = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    usageFailed(USAGE, err);
  }
  if (settings === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const startedAt = Date.now();
  const runTag = `b${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(24).toString('hex');
  const report = emptyReport(settings);
  const targets: Target[] = [];
  const pool = ClientPool.start(Math.max(settings.clientProcesses, settings.idleClientProcesses));
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await pool.stop();
      await Promise.all(targets.map((t) => t.stop()));
    })());
  const hardStop = setTimeout(() => {
    process.stderr.write(`bench: stopping after the ${settings.hardLimitMs / 60_000} minute limit\n`);
    void cleanup().finally(() => process.exit(3));
  }, settings.hardLimitMs);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }

  say(`rtcroom bench, ${settings.mode} set, run ${runTag}: ${settings.targets.join(' + ')}; ${settings.clientProcesses} client processes (${settings.idleClientProcesses} for idle)`);
  const systemOptions: SystemOptions = {
    repoRoot: settings.repoRoot,
    logDir: path.join(settings.resultsDir, 'tmp', runTag),
    secret,
    natsUrl: settings.natsUrl,
    pgAdminUrl: settings.pgAdminUrl,
    startTimeoutMs: settings.startTimeoutMs,
    tag: runTag,
    gatewayScript: settings.gatewayScript,
    oneProcess: settings.oneProcess,
    floorDesign: settings.floorDesign,
  };
  const ctx: ScenarioContext = {
    settings,
    pool,
    runTag,
    mintToken: (identity) => issueAccessToken(secret, { identity, ttlSeconds: 3600 }),
  };
  try {
    await measureTargets(settings, systemOptions, ctx, targets, report);
  } finally {
    await cleanup();
    clearTimeout(hardStop);
  }
  finishRatios(report);
  report.notMeasured = notMeasured();
  if (settings.scenarios.includes('detect') && settings.targets.includes('rtcroom')) await runDetection(systemOptions, ctx, report);
  report.goals = evaluateGoals(report);
  report.meta.durationSeconds = (Date.now() - startedAt) / 1000;
  const written = writeResults(settings, report);
  say('');
  say(written.markdown);
  say(`results: ${written.files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  return Object.values(report.meta.targets).some((t) => t.status !== 'failed to start') ? 0 : 1;
}

/** One target after the other, each phase on a freshly started target: start it, run the phase, stop it. */
async function measureTargets(settings: BenchSettings, systemOptions: SystemOptions, ctx: ScenarioContext, targets: Target[], report: BenchReport): Promise<void> {
  const phases = [
    ...(settings.scenarios.includes('idle') ? [runIdlePhase] : []),
    ...(churnSpecs(ctx).length > 0 ? [runChurnPhase] : []),
  ];
  for (const kind of settings.targets) {
    for (const phase of phases) {
      const before = report.meta.targets[kind];
      if (before?.status === 'failed to start') break;
      let target: Target;
      try {
        target = kind === 'floor' ? await startFloor(systemOptions) : await startRtcroom(systemOptions);
      } catch (err) {
        const message = err instanceof StartError ? err.message : (err as Error).stack ?? String(err);
        report.meta.targets[kind] = { status: 'failed to start', message: message.split('\n')[0] };
        say(`\n*** ${kind} did not start, so it is not measured in this run ***\n${message}\n`);
        break;
      }
      targets.push(target);
      // A target that died in one phase is started afresh for the next; the death stays on record.
      report.meta.targets[kind] =
        before?.status === 'failed during run' ? { status: 'measured', message: `restarted after: ${before.message}` } : { status: 'measured' };
      say(`${kind}: started on ws://${target.address}/v1/ws`);
      await phase(ctx, target, report, say);
      await target.stop();
    }
  }
}

function emptyReport(settings: BenchSettings): BenchReport {
  const cpus = os.cpus();
  return {
    meta: {
      date: new Date().toISOString(),
      mode: settings.mode,
      lifecycle: settings.lifecycle,
      oneProcess: settings.oneProcess,
      floorDesign: settings.floorDesign,
      machine: {
        cpu: cpus[0]?.model.trim() ?? 'unknown',
        cores: cpus.length,
        memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
        os: `${os.type()} ${os.release()}`,
        node: process.version,
      },
      targets: {},
      durationSeconds: 0,
      settings: {
        churn: settings.churn,
        knee: settings.knee,
        storm: settings.storm,
        idle: settings.idle,
        member: settings.member,
        clientProcesses: settings.clientProcesses,
        idleClientProcesses: settings.idleClientProcesses,
      },
    },
    churn: [],
    idle: null,
    notMeasured: [],
    goals: [],
  };
}

function writeResults(settings: BenchSettings, report: BenchReport): { markdown: string; files: string[] } {
  mkdirSync(settings.resultsDir, { recursive: true });
  const base =
    (settings.targets.length === 1 ? `${settings.mode}-${settings.targets[0]}` : settings.mode) +
    (settings.lifecycle === 'join-leave' ? '-join-leave' : '') +
    (settings.oneProcess ? '-one-process' : '') +
    (settings.floorDesign ? '-design' : '');
  const chart = renderChart(report);
  const files: string[] = [];
  const chartName = `${base}.svg`;
  if (chart) {
    writeFileSync(path.join(settings.resultsDir, chartName), chart);
    files.push(path.join(settings.resultsDir, chartName));
  }
  const markdown = renderMarkdown(report, chart ? chartName : null);
  writeFileSync(path.join(settings.resultsDir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(settings.resultsDir, `${base}.md`), markdown);
  files.unshift(path.join(settings.resultsDir, `${base}.json`), path.join(settings.resultsDir, `${base}.md`));
  return { markdown, files };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

/** 1:1 call setup, then silent client and killed gateway, on a fresh system with its default settings. */
async function runDetection(systemOptions: SystemOptions, ctx: ScenarioContext, report: BenchReport): Promise<void> {
  say('detection: silent client and killed gateway (default timeouts: ping 1.5 s / 4 s, gateway 4 s, grace 20 s)');
  let target: Target | undefined;
  try {
    target = await startRtcroom(systemOptions);
    const setup = await measureCallSetup(target.address, ctx.mintToken, `${systemOptions.tag}-call`);
    const call = report.notMeasured.find((m) => m.scenario === '1:1 call setup');
    if (call) call.status = `measured: ${describeTimes(setup)}, 5 calls at a time`;
    say(`1:1 call setup: ${describeTimes(setup)}`);
    const f = await measureDetection(systemOptions, target.address, target.env ?? {}, ctx.mintToken, 2);
    const silent = report.notMeasured.find((m) => m.scenario === 'silent client');
    if (silent) silent.status = `measured: interrupted notice ${describeDetection(f.silentInterruptMs)}; gone (after the 20 s grace) ${describeDetection(f.silentLeftMs)}`;
    const killed = report.notMeasured.find((m) => m.scenario === 'killed gateway');
    if (killed) killed.status = `measured: interrupted notice ${describeDetection(f.killedInterruptMs)}; gone ${describeDetection(f.killedLeftMs)}`;
    report.detection = f;
  } catch (err) {
    say(`detection failed: ${(err as Error).message}`);
  } finally {
    await target?.stop();
  }
}
