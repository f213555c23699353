// A resume storm: members seated on one gateway, which then goes away (SIGTERM: it tells each client
// to reconnect elsewhere within a second, as a rolling restart does; SIGKILL: a crash, and the SDK's
// back-off), and every member resumes on a second gateway and syncs its seat. Reports how long the
// storm took to settle, each member's wait, what was lost, and the CPU it cost each process.
import * as path from 'node:path';
import { roomEventv1 } from '@rtcroom/proto';
import { Client } from 'pg';
import { nowMs } from '../clock';
import { mergeResumeSamples } from '../load/resume-load';
import type { ResumeMember, ResumeSamples, ToWorker } from '../pool/messages';
import { groupUsageBetween, sampleGroup, sampleProc, usageBetween, waitForQuiet, type ProcessUsage, type ProcSample } from '../proc-stats';
import { summarize, type Summary } from '../stats';
import { startGateway, type Target } from '../system';
import { deal, type ScenarioContext } from './context';

export interface ResumeStormOptions {
  members: number;
  signal: 'SIGTERM' | 'SIGKILL';
  /** Seats taken per second before the storm (all client processes together). */
  seatRate: number;
  /** The second gateway's build (the one the members resume on). */
  gatewayScript: string;
  logDir: string;
  /** The members do not come back: measures how soon presence has them shown dropped, then gone. */
  stayAway: boolean;
}

export interface ResumeStormResult {
  members: number;
  signal: string;
  seated: number;
  seatErrors: Record<string, number>;
  dropped: number;
  resumed: number;
  notResumed: number;
  seatsLost: number;
  failed: number;
  retries: number;
  /** Reconnects sent away by the busy gateway to come back later, and members that waited in line. */
  sentAway: number;
  waited: number;
  errors: Record<string, number>;
  /** From the signal to the last member's seat synced. */
  settledMs: number | null;
  dropToWelcome: Summary | null;
  connectToWelcome: Summary | null;
  sync: Summary | null;
  dropToSynced: Summary | null;
  /** CPU from the signal until every member was back, per process (the gone gateway not counted). */
  processes: ProcessUsage[];
  /** Room events written from the signal until every member was back (members shown interrupted and back). */
  roomEventsWritten: number | null;
  /** Of those, by kind (the RoomEvent's payload case, e.g. memberConnectionChanged: a member shown dropped or back). */
  roomEventKinds: Record<string, number> | null;
  /** The system's CPU (services, Postgres, NATS) per member resumed. */
  cpuPerResumeMs: number | null;
  /** With stayAway: from the signal until every member was shown dropped (connection interrupted), and until every one had left. */
  allDroppedMs?: number | null;
  allGoneMs?: number | null;
}

const SHARED = ['postgres', 'nats-server'];

export async function runResumeStorm(ctx: ScenarioContext, target: Target, o: ResumeStormOptions, say: (line: string) => void): Promise<ResumeStormResult> {
  const to = await startGateway(target, {
    name: 'gateway-b',
    script: o.gatewayScript,
    logPath: path.join(o.logDir, 'gateway-b.log'),
    gatewayId: `${ctx.runTag}-gw-b`,
    probeToken: ctx.mintToken(`${ctx.runTag}-probe`),
  });
  try {
    const members: ResumeMember[] = Array.from({ length: o.members }, (_, i) => {
      const identity = `${ctx.runTag}-m-${i}`;
      return { identity, token: ctx.mintToken(identity), room: `${ctx.runTag}-room-${Math.floor(i / 6)}` };
    });
    const shares = deal(members, ctx.pool.size);
    const deadlineAt = nowMs() + 30_000 + (o.members / o.seatRate) * 1000 + 120_000;
    const plans: ToWorker[] = shares.map((share) => ({
      kind: 'resume-seat',
      plan: {
        from: target.address,
        to: to.address,
        members: share,
        seatRate: o.seatRate / shares.length,
        maxPending: 50,
        connectTimeoutMs: 15_000,
        requestTimeoutMs: 15_000,
        maxAttempts: 6,
        deadlineAt,
        stayAway: o.stayAway,
      },
    }));
    const seatedParts = await ctx.pool.ask(plans, 'resume-seated', deadlineAt - nowMs() + 30_000);
    const seated = seatedParts.reduce((n, p) => n + p.result.seated, 0);
    const seatErrors: Record<string, number> = {};
    for (const p of seatedParts) for (const [k, v] of Object.entries(p.result.errors)) seatErrors[k] = (seatErrors[k] ?? 0) + v;
    say(`resume-storm: ${seated}/${o.members} members seated on gateway A${Object.keys(seatErrors).length ? ` (errors ${JSON.stringify(seatErrors)})` : ''}`);

    const quiet = await waitForQuiet(15_000);
    if (!quiet.quiet) say(`  (machine still ${Math.round(quiet.busy * 100)}% busy; measuring anyway)`);
    const watched = [...target.processes.filter((p) => p !== target.socketHolder), to.process].map((p) => ({ name: p.name, pid: p.pid }));
    const before = watched.map((p) => sampleProc(p.pid));
    const groupsBefore = SHARED.map((comm) => sampleGroup(comm));

    const eventsBefore = await lastRoomEvent(target);
    const signalAt = nowMs();
    target.socketHolder.child.kill(o.signal);
    say(`resume-storm: gateway A sent ${o.signal}; members resume on gateway B`);
    // Staying away: the rooms are watched until presence has every member shown dropped, then gone.
    const away = o.stayAway ? await watchMembersGo(target, ctx.runTag, seated, signalAt, 120_000 + o.members * 20) : undefined;
    const collected = await ctx.pool.ask(
      shares.map(() => ({ kind: 'resume-collect' }) as ToWorker),
      'resume-collected',
      deadlineAt - nowMs() + 30_000,
    );
    const processes: ProcessUsage[] = [];
    watched.forEach((p, i) => {
      const after = sampleProc(p.pid);
      if (before[i] && after) processes.push(usageBetween(p.name, p.pid, before[i] as ProcSample, after, false));
    });
    SHARED.forEach((comm, i) => {
      const after = sampleGroup(comm);
      if (groupsBefore[i] && after) processes.push(groupUsageBetween(`(${comm}, shared)`, groupsBefore[i] as ProcSample, after));
    });
    const eventKinds = eventsBefore === null ? null : await roomEventsAfter(target, eventsBefore);
    const s: ResumeSamples = mergeResumeSamples(collected.map((c) => c.samples));
    const cpuSeconds = processes.reduce((sum, p) => sum + p.cpuSeconds, 0);
    return {
      members: o.members,
      signal: o.signal,
      seated,
      seatErrors,
      dropped: s.dropped,
      resumed: s.resumed,
      notResumed: s.notResumed,
      seatsLost: s.seatsLost,
      failed: s.failed,
      retries: s.retries,
      sentAway: s.sentAway,
      waited: s.waited,
      errors: s.errors,
      settledMs: s.lastSyncedAt === null ? null : Math.round(s.lastSyncedAt - signalAt),
      dropToWelcome: summarize(s.dropToWelcomeMs),
      connectToWelcome: summarize(s.connectToWelcomeMs),
      sync: summarize(s.syncMs),
      dropToSynced: summarize(s.dropToSyncedMs),
      processes,
      roomEventsWritten: eventKinds === null ? null : Object.values(eventKinds).reduce((n, k) => n + k, 0),
      roomEventKinds: eventKinds,
      cpuPerResumeMs: s.resumed > 0 ? Math.round((cpuSeconds * 1_000_000) / s.resumed) / 1000 : null,
      ...(away ?? {}),
    };
  } finally {
    await ctx.pool.ask(
      Array.from({ length: ctx.pool.size }, () => ({ kind: 'resume-close' }) as ToWorker),
      'resume-closed',
      60_000,
    ).catch((err: Error) => say(`resume-storm: could not close every member: ${err.message}`));
    await to.process.stop();
  }
}

/**
 * Polls the run's rooms (every 100 ms) until all `seated` members have left or `timeoutMs` passes:
 * when the last was shown dropped (connection interrupted, or gone already) and when the last left.
 */
async function watchMembersGo(target: Target, runTag: string, seated: number, since: number, timeoutMs: number): Promise<{ allDroppedMs: number | null; allGoneMs: number | null }> {
  const url = target.env?.DATABASE_URL;
  if (!url) return { allDroppedMs: null, allGoneMs: null };
  const db = new Client({ connectionString: url });
  let allDroppedMs: number | null = null;
  let allGoneMs: number | null = null;
  try {
    await db.connect();
    const deadline = nowMs() + timeoutMs;
    while (allGoneMs === null && nowMs() < deadline) {
      const { rows } = await db.query<{ dropped: string; gone: string }>(
        `select count(*) filter (where m.state = 'left' or m.connection_interrupted) as dropped, count(*) filter (where m.state = 'left') as gone
           from members m join rooms r on r.id = m.room_id where r.name like $1`,
        [`${runTag}-room-%`],
      );
      const at = Math.round(nowMs() - since);
      if (allDroppedMs === null && Number(rows[0]?.dropped ?? 0) >= seated) allDroppedMs = at;
      if (Number(rows[0]?.gone ?? 0) >= seated) allGoneMs = at;
      else await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await db.end().catch(() => undefined);
  }
  return { allDroppedMs, allGoneMs };
}

/** Runs `query` on the bench database; null where it cannot be read. */
async function withBenchDb<T>(target: Target, query: (db: Client) => Promise<T>): Promise<T | null> {
  const url = target.env?.DATABASE_URL;
  if (!url) return null;
  const db = new Client({ connectionString: url });
  try {
    await db.connect();
    return await query(db);
  } catch {
    return null;
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** The position of the bench database's latest room event (0: none). */
function lastRoomEvent(target: Target): Promise<number | null> {
  return withBenchDb(target, async (db) => Number((await db.query<{ p: string | null }>('select max(position) as p from room_events')).rows[0]?.p ?? 0));
}

/** The room events written after a position, by kind (RoomEvent's payload case). */
function roomEventsAfter(target: Target, position: number): Promise<Record<string, number> | null> {
  return withBenchDb(target, async (db) => {
    const { rows } = await db.query<{ payload: Buffer }>('select payload from room_events where position > $1', [position]);
    const kinds: Record<string, number> = {};
    for (const { payload } of rows) {
      const kind = roomEventv1.RoomEvent.decode(payload).payload?.$case ?? 'unknown';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    return kinds;
  });
}
