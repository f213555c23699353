// The run's figures as Markdown: targets first, then every latency with its ratio to the floor, the
// health of each run (lost notices, errors), the processes' CPU and memory, and idle connections.
import { LATENCY_METRICS, METRIC_NAMES } from '../scenarios/churn';
import type { TargetKind } from '../system';
import { fmtMs, fmtRate, fmtRatio } from './format';
import { STALL_MS, type CommitProbeFigures } from '../commit-probe';
import type { BenchReport } from './model';
import { isClientProcess, isTargetProcess } from '../proc-stats';

const KINDS: TargetKind[] = ['floor', 'rtcroom'];

export function renderMarkdown(report: BenchReport, chartFile: string | null): string {
  const m = report.meta;
  const out: string[] = [];
  out.push(`# rtcroom bench: ${m.mode} run${m.lifecycle === 'join-leave' ? ' (join-leave lifecycle)' : ''}, ${m.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  if (m.floorDesign) {
    out.push(
      "The floor here is the design floor (`--floor-design`): the same hub, but every change goes over gRPC to a store process that commits it to Postgres (one statement) and publishes it to JetStream, and the room's members are told when NATS delivers it: the messages rtcroom's design needs per change, and nothing more.",
      '',
    );
  }
  out.push(
    `Machine: ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memoryGb} GB, ${m.machine.os}, Node ${m.machine.node}. ` +
      'Everything shares it: Postgres, NATS, the services, the floor and the client processes. ' +
      `Run took ${Math.round(m.durationSeconds)} s.`,
    '',
  );
  for (const kind of KINDS) {
    const t = m.targets[kind];
    if (t && (t.status !== 'measured' || t.message)) out.push(`**${kind}: ${t.status}.** ${t.message ?? ''}`.trim(), '');
  }
  out.push('## Targets', '', '| Goal | Target | rtcroom | floor | Verdict | Note |', '|---|---|---|---|---|---|');
  for (const g of report.goals) out.push(`| ${g.goal} | ${g.target} | ${g.rtcroom} | ${g.floor} | ${g.verdict} | ${g.note} |`);
  out.push('');
  if (chartFile) out.push(`![join -> notify latency against join rate](${chartFile})`, '');

  if (report.churn.length > 0) {
    out.push('## Latency (ms)', '');
    out.push('Each latency runs from the request sent to the moment the LAST other member in the room has the notice.', '');
    out.push('| Scenario | Target | Joins/s set / achieved | Metric | n | p50 | p95 | p99 | max | p50 x floor | p99 x floor |');
    out.push('|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const e of report.churn) {
      for (const kind of KINDS) {
        const r = e.results[kind];
        if (!r) continue;
        const set = e.setRate === null ? 'all at once' : String(e.setRate);
        if (!r.figures) {
          out.push(`| ${e.label} | ${kind} | ${set} | failed: ${oneLine(r.error)} | | | | | | | |`);
          continue;
        }
        const f = r.figures;
        for (const metric of LATENCY_METRICS) {
          const s = f[metric];
          const ratio = kind === 'rtcroom' ? e.ratioToFloor[metric] : undefined;
          out.push(
            `| ${e.label} | ${kind} | ${set} / ${fmtRate(f.achievedRate)} | ${METRIC_NAMES[metric]} | ${s?.n ?? 0} | ${fmtMs(s?.p50)} | ` +
              `${fmtMs(s?.p95)} | ${fmtMs(s?.p99)} | ${fmtMs(s?.max)} | ${fmtRatio(ratio?.p50)} | ${fmtRatio(ratio?.p99)} |`,
          );
        }
      }
    }
    out.push('', '## Health of each run', '');
    out.push(
      'Join sent late: against its slot, when the clients could not keep the pace. Busy: the machine, all cores, just before the run. ' +
        `Disk: a side probe's Postgres commits during the run (rtcroom only), p99 / max, and how many took over ${STALL_MS} ms: every join waits for a commit, so a stalled disk shows in rtcroom's p99 and max.`,
      '',
    );
    out.push('| Scenario | Target | Joins acked / planned | Not notified (join / push / leave) | Errors | Seq gaps | Rooms unfinished | Connect p99 | Join sent late p99 | Busy | Disk: commit p99 / max (stalls) |');
    out.push('|---|---|---|---|---|---:|---:|---:|---:|---:|---|');
    for (const e of report.churn) {
      for (const kind of KINDS) {
        const r = e.results[kind];
        const f = r?.figures;
        if (!f) continue;
        const errors = Object.entries(f.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
        out.push(
          `| ${e.label} | ${kind} | ${f.joinsAcked} / ${f.joinsPlanned} | ${f.missed.join} / ${f.missed.push} / ${f.missed.leave} | ${errors} | ` +
            `${f.seqGaps} | ${f.roomsUnfinished} | ${fmtMs(f.connect?.p99)} ms | ${fmtMs(f.joinLate?.p99)} ms | ${r?.machineBusyAtStart ?? '-'}% | ${disk(r?.commitProbe)} |`,
        );
      }
    }
    out.push('', '## CPU per member lifecycle (ms)', '');
    out.push(
      `A member's lifecycle here: ${m.lifecycle === 'join-leave' ? 'join and leave, with every socket opened before the counted window and closed after it (no push began)' : 'connect, join, push began (1002), leave and close'}. ` +
        'CPU milliseconds over the run per acknowledged join. rtcroom: its services (every rtcroom process), then Postgres and NATS (all their processes on the machine), then all of it; the client processes drive the same members in both targets.',
      '',
    );
    out.push('| Scenario | Target | Joins acked | Services (each) | Postgres | NATS | All of the system | Clients |', '|---|---|---:|---|---:|---:|---:|---:|');
    for (const e of report.churn) {
      for (const kind of KINDS) {
        const f = e.results[kind]?.figures;
        if (!f || f.joinsAcked === 0) continue;
        const per = (seconds: number) => ((1000 * seconds) / f.joinsAcked).toFixed(2);
        const own = f.processes.filter((p) => isTargetProcess(p.name));
        const shared = (comm: string) => f.processes.find((p) => p.name === `(${comm}, shared)`)?.cpuSeconds;
        const clients = f.processes.filter((p) => isClientProcess(p.name)).reduce((sum, p) => sum + p.cpuSeconds, 0);
        const services = own.reduce((sum, p) => sum + p.cpuSeconds, 0);
        const pg = shared('postgres');
        const nats = shared('nats-server');
        const each = own.length > 1 ? ` (${own.map((p) => `${p.name} ${per(p.cpuSeconds)}`).join(', ')})` : '';
        out.push(
          `| ${e.label} | ${kind} | ${f.joinsAcked} | ${per(services)}${each} | ${pg === undefined ? '-' : per(pg)} | ${nats === undefined ? '-' : per(nats)} | ` +
            `${per(services + (pg ?? 0) + (nats ?? 0))} | ${per(clients)} |`,
        );
      }
    }
    out.push('', '## Processes (per scenario run)', '');
    out.push(
      'CPU % is of one core over the run (200 = both cores); kernel: the share of that CPU spent in the kernel. Sleeps and ' +
        'preempted: context switches of all its threads per acknowledged join (a sleep is a wake-up later; preempted: ' +
        'put aside while the cores were full). Peak is VmHWM, reset before each run where the kernel allows ' +
        '(* = peak since the process started). Shared processes are every process of that name on the machine together.',
      '',
    );
    out.push(
      '| Scenario | Target | Process | CPU s | CPU % | Kernel % | Sleeps / join | Preempted / join | RSS MB | Peak MB |',
      '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const e of report.churn) {
      for (const kind of KINDS) {
        const f = e.results[kind]?.figures;
        const perJoin = (n: number | undefined) => (n === undefined || !f?.joinsAcked ? '-' : (n / f.joinsAcked).toFixed(1));
        for (const p of f?.processes ?? []) {
          const peak = p.peakMb === null ? '-' : `${p.peakMb}${p.peakIsScenarios ? '' : '*'}`;
          out.push(
            `| ${e.label} | ${kind} | ${p.name} | ${p.cpuSeconds} | ${p.cpuPercent} | ${p.sysPercent ?? '-'} | ${perJoin(p.sleeps)} | ${perJoin(p.preempted)} | ${p.rssMb ?? '-'} | ${peak} |`,
          );
        }
      }
    }
  }

  if (report.idle) {
    out.push('', '## Idle connections with heartbeats', '');
    out.push('| Target | Open / tried | Heartbeat | Held | RSS before -> held MB | Per connection | CPU held (per 1,000) | Connect p99 | Ping p50 / p99 | Dropped | Note |');
    out.push('|---|---|---|---|---|---:|---:|---:|---|---:|---|');
    for (const kind of KINDS) {
      const r = report.idle[kind];
      if (!r) continue;
      if (!r.figures) {
        out.push(`| ${kind} | failed: ${oneLine(r.error)} | | | | | | | | | |`);
        continue;
      }
      const f = r.figures;
      out.push(
        `| ${kind} | ${f.opened} / ${f.attempted} | ${f.heartbeatMs / 1000} s | ${f.holdMs / 1000} s | ${f.rssBeforeMb} -> ${f.rssHeldMb} | ` +
          `${f.perConnectionKb ?? '-'} KB | ${f.heldCpuPercent ?? '-'}% (${f.heldCpuPercentPer1000 ?? '-'}%) | ${fmtMs(f.connect?.p99)} ms | ${fmtMs(f.pingRtt?.p50)} / ${fmtMs(f.pingRtt?.p99)} ms | ` +
          `${f.droppedWhileIdle} | ${f.capNote ?? ''}${Object.keys(f.errors).length ? ` errors: ${JSON.stringify(f.errors)}` : ''} |`,
      );
    }
  }

  if (report.notMeasured.length > 0) {
    out.push('', '## Call setup and failure detection (the detect scenario)', '', '| Scenario | Figure | Target | Status |', '|---|---|---|---|');
    for (const n of report.notMeasured) out.push(`| ${n.scenario} | ${n.figure} | ${n.target ?? '-'} | ${n.status} |`);
  }
  out.push('');
  return out.join('\n');
}

function oneLine(text: string | undefined): string {
  return (text ?? 'unknown').split('\n')[0].replace(/\|/g, '/').slice(0, 200);
}

function disk(p: CommitProbeFigures | undefined): string {
  if (!p) return '-';
  if (!p.commits) return p.error ? `failed: ${p.error}` : '-';
  return `${fmtMs(p.commits.p99)} / ${fmtMs(p.commits.max)} ms (${p.stalls})`;
}
