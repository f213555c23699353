// Room churn: R rooms of six; each member connects, joins at its slot of a set join rate, reports push
// began, then leaves. With no rate set, everyone joins at once (the storm). Measures join ack, join ->
// every other member notified, push began -> every other member holds the play URL, leave -> notified.
import { nowMs } from '../clock';
import { mergeChurnSamples, type ChurnPlan, type ChurnRoomPlan } from '../pool/messages';
import { ratePerSecond, summarize, type Summary } from '../stats';
import type { Target } from '../system';
import { deal, targetTag, type ScenarioContext } from './context';

/** join-leave: from the last connect to the first join, for the connects' own work to finish. */
const PRECONNECT_SETTLE_MS = 1000;
/** The window opens this long before the first join. */
const WINDOW_LEAD_MS = 50;

export type ChurnScenario = 'churn' | 'knee' | 'storm';

export interface ChurnSpec {
  scenario: ChurnScenario;
  /** Unique within a run, e.g. "churn-500", "knee-1000", "storm-600". */
  label: string;
  /** Joins per second; null = everyone at once. */
  rate: number | null;
  rooms: number;
}

export const LATENCY_METRICS = ['joinAck', 'joinNotify', 'pushNotify', 'leaveNotify'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export const METRIC_NAMES: Record<LatencyMetric, string> = {
  joinAck: 'join ack',
  joinNotify: 'join -> all notified',
  pushNotify: 'push began -> all have play URL',
  leaveNotify: 'leave -> all notified',
};

export interface ChurnFigures extends Record<LatencyMetric, Summary | null> {
  joinsPlanned: number;
  joinsAcked: number;
  achievedRate: number | null;
  connect: Summary | null;
  joinLate: Summary | null;
  pushAck: Summary | null;
  leaveAck: Summary | null;
  missed: { join: number; push: number; leave: number };
  errors: Record<string, number>;
  seqGaps: number;
  roomsUnfinished: number;
}

export function churnSpecs(ctx: ScenarioContext): ChurnSpec[] {
  const s = ctx.settings;
  const roomsFor = (rate: number, seconds: number) => Math.max(1, Math.ceil((rate * seconds) / s.member.maxMembers));
  const specs: ChurnSpec[] = [];
  // The knee's steps first, rising: a run past a target's capacity (the churn at 500 joins/s is, for
  // rtcroom) leaves work behind for tens of seconds (requests whose clients gave up, sessions that
  // dropped and are put out after presence's grace), and that work must not land in the lower steps
  // the knee is read from. A step past the knee only follows steps past it.
  if (s.scenarios.includes('knee')) {
    for (const rate of s.knee.rates) {
      if (s.scenarios.includes('churn') && rate === s.churn.rate) continue; // the churn run is that step
      specs.push({ scenario: 'knee', label: `knee-${rate}`, rate, rooms: roomsFor(rate, s.knee.seconds) });
    }
  }
  if (s.scenarios.includes('churn')) {
    specs.push({ scenario: 'churn', label: `churn-${s.churn.rate}`, rate: s.churn.rate, rooms: roomsFor(s.churn.rate, s.churn.seconds) });
  }
  if (s.scenarios.includes('storm')) {
    const members = s.storm.rooms * s.member.maxMembers;
    specs.push({ scenario: 'storm', label: `storm-${members}`, rate: null, rooms: s.storm.rooms });
  }
  return specs;
}

/**
 * `addressOf(i)`: the gateway client process i drives (default: the target's). `windowStarts`: called
 * when the counted window begins, in the join-leave lifecycle once every socket is open (the caller
 * reads its CPU counters again there); in the full lifecycle the whole run is the window.
 */
export async function runChurn(
  ctx: ScenarioContext,
  target: Target,
  spec: ChurnSpec,
  addressOf?: (i: number) => string,
  windowStarts?: () => void,
): Promise<ChurnFigures> {
  const m = ctx.settings.member;
  const total = spec.rooms * m.maxMembers;
  const tag = `${ctx.runTag}-${targetTag(target)}-${spec.label}`;
  const rooms: ChurnRoomPlan[] = [];
  // Slots: members join in room order, so a room fills within six slots, as people arrive in practice.
  // join-leave: every member connects before the first join, at the storm's connect rate, and the
  // window opens a second after the last connect (its presence write and welcome are done by then).
  const preconnect = ctx.settings.lifecycle === 'join-leave';
  const stormWindowMs = spec.rate === null || preconnect ? (total * 1000) / ctx.settings.storm.connectRate : 0;
  for (let k = 0; k < spec.rooms; k++) {
    const members = [];
    for (let i = 0; i < m.maxMembers; i++) {
      const j = k * m.maxMembers + i;
      const identity = `${tag}-${k}-${i}`;
      const joinOffsetMs = spec.rate === null ? 0 : (j * 1000) / spec.rate;
      const connectOffsetMs =
        spec.rate === null ? -stormWindowMs - 300 + (j * stormWindowMs) / total
        : preconnect ? -stormWindowMs - PRECONNECT_SETTLE_MS + (j * stormWindowMs) / total
        : joinOffsetMs - m.connectLeadMs;
      members.push({ identity, token: ctx.mintToken(identity), connectOffsetMs, joinOffsetMs });
    }
    rooms.push({ name: `${tag}-${k}`, members });
  }
  const lastJoinMs = spec.rate === null ? 0 : ((total - 1) * 1000) / spec.rate;
  const t0 = nowMs() + 500 + (spec.rate === null ? stormWindowMs + 300 : preconnect ? stormWindowMs + PRECONNECT_SETTLE_MS : m.connectLeadMs);
  const deadlineAt = t0 + lastJoinMs + m.dwellMs + m.pushDelayMs + (m.maxMembers + 2) * m.noticeTimeoutMs + 5000;
  const shares = deal(rooms, ctx.settings.clientProcesses);
  const plans: ChurnPlan[] = shares.map((share, i) => ({
    address: addressOf?.(i) ?? target.address,
    t0,
    deadlineAt,
    rooms: share,
    maxMembers: m.maxMembers,
    pushDelayMs: m.pushDelayMs,
    dwellMs: m.dwellMs,
    noticeTimeoutMs: m.noticeTimeoutMs,
    requestTimeoutMs: m.requestTimeoutMs,
    connectTimeoutMs: m.connectTimeoutMs,
    lifecycle: ctx.settings.lifecycle,
  }));
  let windowTimer: NodeJS.Timeout | undefined;
  if (preconnect && windowStarts) windowTimer = setTimeout(windowStarts, Math.max(0, t0 - WINDOW_LEAD_MS - nowMs()));
  const answers = await ctx.pool.ask(
    plans.map((plan) => ({ kind: 'churn' as const, plan })),
    'churn-done',
    deadlineAt - nowMs() + 20_000,
  ).finally(() => clearTimeout(windowTimer));
  const s = mergeChurnSamples(answers.map((a) => a.samples));
  return {
    joinsPlanned: s.joinsPlanned,
    joinsAcked: s.joinsAcked,
    achievedRate:
      s.firstJoinSentAt !== null && s.lastJoinAckAt !== null ? ratePerSecond(s.joinsAcked, s.firstJoinSentAt, s.lastJoinAckAt) : null,
    connect: summarize(s.connectMs),
    joinLate: summarize(s.joinLateMs),
    joinAck: summarize(s.joinAckMs),
    joinNotify: summarize(s.joinNotifyMs),
    pushAck: summarize(s.pushAckMs),
    pushNotify: summarize(s.pushNotifyMs),
    leaveAck: summarize(s.leaveAckMs),
    leaveNotify: summarize(s.leaveNotifyMs),
    missed: { join: s.joinNotifyMissed, push: s.pushNotifyMissed, leave: s.leaveNotifyMissed },
    errors: s.errors,
    seqGaps: s.seqGaps,
    roomsUnfinished: s.roomsUnfinished,
  };
}
