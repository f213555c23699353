// Idle connections with heartbeats: open N WebSockets (welcomed, not in any room), ping on the
// heartbeat interval for a while, and read what the socket-holding process's resident memory grew by.
import { nowMs, sleep } from '../clock';
import type { IdlePlan } from '../pool/messages';
import { openFilesLimit, sampleProc, type ProcSample } from '../proc-stats';
import { summarize, type Summary } from '../stats';
import type { Target } from '../system';
import { deal, targetTag, type ScenarioContext } from './context';

export interface IdleFigures {
  requested: number;
  attempted: number;
  /** Why fewer than requested were attempted. */
  capNote: string | null;
  opened: number;
  failed: number;
  errors: Record<string, number>;
  droppedWhileIdle: number;
  heartbeatMs: number;
  holdMs: number;
  rssBeforeMb: number;
  rssHeldMb: number;
  peakMb: number;
  /** Growth of the socket holder's RSS per open connection, in KB (1024 bytes). */
  perConnectionKb: number | null;
  connect: Summary | null;
  pingRtt: Summary | null;
  pingFailures: number;
  /**
   * CPU the target's own processes spent while holding the connections, as % of one core (100 = one
   * core busy), and that per 1,000 open connections: what heartbeats, liveness checks and keep-alives
   * cost with nobody joining. Null when a process could not be read.
   */
  heldCpuPercent: number | null;
  heldCpuPercentPer1000: number | null;
  /** The same for each of the target's processes, by name. */
  heldCpuByProcess: Record<string, number | null>;
}

/** File descriptors the holder needs besides its sockets (listeners, logs, gRPC, NATS, ...). */
const FD_HEADROOM = 100;

export async function runIdle(ctx: ScenarioContext, target: Target): Promise<IdleFigures> {
  const s = ctx.settings.idle;
  const holder = target.socketHolder;
  const limit = openFilesLimit(holder.pid);
  let attempted = s.connections;
  let capNote: string | null = null;
  if (limit !== null && attempted > limit - FD_HEADROOM) {
    attempted = limit - FD_HEADROOM;
    capNote = `capped at ${attempted}: the ${holder.name} process may open ${limit} files (ulimit -n)`;
  }
  const tag = `${ctx.runTag}-${targetTag(target)}-idle`;
  const clients = Array.from({ length: attempted }, (_, i) => ({ identity: `${tag}-${i}`, token: ctx.mintToken(`${tag}-${i}`) }));
  await sleep(ctx.settings.settleMs);
  const before = sampleProc(holder.pid);
  const shares = deal(clients, ctx.settings.idleClientProcesses);
  const openSeconds = attempted / s.connectRate;
  const deadlineAt = nowMs() + openSeconds * 1000 * 2 + 30_000;
  const plans: IdlePlan[] = shares.map((share) => ({
    address: target.address,
    clients: share,
    connectRate: s.connectRate / shares.length,
    maxPending: 256,
    heartbeatMs: s.heartbeatMs,
    connectTimeoutMs: ctx.settings.member.connectTimeoutMs,
    deadlineAt,
  }));
  const opened = await ctx.pool.ask(
    plans.map((plan) => ({ kind: 'idle-open' as const, plan })),
    'idle-opened',
    deadlineAt - nowMs() + 20_000,
  );
  const holdStart = target.processes.map((p) => sampleProc(p.pid));
  await sleep(s.holdMs);
  const held = sampleProc(holder.pid);
  const holdEnd = target.processes.map((p) => sampleProc(p.pid));
  const heldCpuPercent = cpuPercentBetween(holdStart, holdEnd);
  const closed = await ctx.pool.ask(
    shares.map(() => ({ kind: 'idle-close' as const })),
    'idle-closed',
    60_000,
  );
  const openedCount = opened.reduce((n, o) => n + o.result.opened, 0);
  const errors: Record<string, number> = {};
  for (const o of opened) for (const [k, v] of Object.entries(o.result.errors)) errors[k] = (errors[k] ?? 0) + v;
  const mb = (kb: number | undefined) => Math.round(((kb ?? 0) / 1024) * 10) / 10;
  return {
    requested: s.connections,
    attempted,
    capNote,
    opened: openedCount,
    failed: opened.reduce((n, o) => n + o.result.failed, 0),
    errors,
    droppedWhileIdle: closed.reduce((n, c) => n + c.result.droppedWhileIdle, 0),
    heartbeatMs: s.heartbeatMs,
    holdMs: s.holdMs,
    rssBeforeMb: mb(before?.rssKb),
    rssHeldMb: mb(held?.rssKb),
    peakMb: mb(held?.peakKb),
    perConnectionKb:
      before && held && openedCount > 0 ? Math.round(((held.rssKb - before.rssKb) / openedCount) * 10) / 10 : null,
    connect: summarize(opened.flatMap((o) => o.result.connectMs)),
    pingRtt: summarize(closed.flatMap((c) => c.result.pingRttMs)),
    pingFailures: closed.reduce((n, c) => n + c.result.pingFailures, 0),
    heldCpuPercent,
    heldCpuPercentPer1000: heldCpuPercent !== null && openedCount > 0 ? Math.round((heldCpuPercent / openedCount) * 1000 * 100) / 100 : null,
    heldCpuByProcess: Object.fromEntries(target.processes.map((p, i) => [p.name, cpuPercentBetween([holdStart[i]!], [holdEnd[i]!])])),
  };
}

/** The CPU of several processes between two samples of each, as % of one core; null if any sample is missing. */
export function cpuPercentBetween(start: (ProcSample | null)[], end: (ProcSample | null)[]): number | null {
  let cpuMs = 0;
  let wallMs = 0;
  for (let i = 0; i < start.length; i++) {
    const a = start[i];
    const b = end[i];
    if (!a || !b || b.at <= a.at) return null;
    cpuMs += b.cpuMs - a.cpuMs;
    wallMs = Math.max(wallMs, b.at - a.at);
  }
  return start.length === 0 ? null : Math.round((cpuMs / wallMs) * 100 * 10) / 10;
}
