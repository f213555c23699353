// Gateways that scale out: one gateway (the system's own, "measured") holds members in quiet rooms
// while N other gateways each carry a churn of rooms at a set join rate. A gateway that decoded every
// room's events would spend more CPU as N (and so the whole system's event rate) grows; one that
// listens only to its own rooms stays flat. Reports, per N, the CPU seconds of the measured gateway
// and of the others during the churn, and what the churn's clients saw (lost notices, seq gaps).
// With `callPairs`, each step then has callers and callees on the other gateways place and decline
// calls for as long again: a gateway that heard every user's events would decode them all; one that
// listens only to its own identities receives none (counted from its /metrics).
import { get } from 'node:http';
import { nowMs, sleep } from '../clock';
import { BenchClient } from '../client';
import { sampleProc } from '../proc-stats';
import { PUSH_BEGAN, wsUrl, type WireCallNotice } from '../protocol';
import { startGateway, type ExtraGateway, type Target } from '../system';
import { runChurn } from './churn';
import type { ScenarioContext } from './context';
import * as path from 'node:path';

export interface InterestStep {
  others: number;
  /** Joins per second on each other gateway. */
  ratePerOther: number;
  seconds: number;
  measuredCpuSeconds: number;
  othersCpuSeconds: number[];
  /** Notices the measured gateway's members got during the step (their rooms are quiet: 0). */
  measuredNotices: number;
  joinsPlanned: number;
  joinsAcked: number;
  missed: { join: number; push: number; leave: number };
  seqGaps: number;
  errors: Record<string, number>;
  joinNotifyP50: number | null;
  joinNotifyP99: number | null;
  /** The calls step (callPairs > 0). */
  calls?: CallStep;
}

export interface CallStep {
  /** Caller-callee pairs on each other gateway. */
  pairsPerOther: number;
  /** Calls placed, rung and declined. */
  completed: number;
  /** Calls that did not ring or end within 5 s, or a request that failed. */
  failed: number;
  measuredCpuSeconds: number;
  othersCpuSeconds: number[];
  /** Call events the measured gateway received from NATS during the step (none of its identities called). */
  measuredCallEvents: number | null;
}

export interface InterestOptions {
  others: number[];
  ratePerOther: number;
  seconds: number;
  /** Members the measured gateway holds (rooms of six). */
  heldMembers: number;
  /** services/gateway/dist/main.js, or another build of it (the code before a change). */
  gatewayScript: string;
  logDir: string;
  /** Caller-callee pairs per other gateway in each step's calls step (0: none). */
  callPairs: number;
  /** The measured gateway's /metrics (host:port), to count the call events it receives. */
  measuredMetrics?: string;
}

export async function runGatewayInterest(ctx: ScenarioContext, target: Target, o: InterestOptions, say: (line: string) => void): Promise<InterestStep[]> {
  // The measured gateway's members: joined, heartbeating, never speaking.
  const held: BenchClient[] = [];
  let notices = 0;
  const rooms = Math.ceil(o.heldMembers / 6);
  for (let r = 0; r < rooms; r++) {
    for (let i = 0; i < 6 && held.length < o.heldMembers; i++) {
      const identity = `${ctx.runTag}-held-${r}-${i}`;
      const client = await BenchClient.open(wsUrl(target.address, ctx.mintToken(identity)), identity, { timeoutMs: 10_000, onNotice: () => notices++ });
      const reply = await client.request({ joinRoom: { roomName: `${ctx.runTag}-held-${r}`, createIfMissing: true, createOptions: { maxMembers: 6 } } }, 10_000);
      if (!reply.frame.joinRoom) throw new Error(`held member could not join: ${JSON.stringify(reply.frame.error ?? reply.frame)}`);
      client.startHeartbeat(client.pingIntervalMs || 5000, () => undefined, () => undefined);
      held.push(client);
    }
  }
  say(`gateway-interest: ${held.length} members held on the measured gateway in ${rooms} rooms`);
  const steps: InterestStep[] = [];
  try {
    for (const n of o.others) {
      const others = await startGateways(ctx, target, n, o);
      try {
        await sleep(1000);
        const rate = o.ratePerOther * n;
        const spec = { scenario: 'churn' as const, label: `interest-${n}`, rate, rooms: Math.ceil((rate * o.seconds) / 6) };
        const stepCtx: ScenarioContext = { ...ctx, settings: { ...ctx.settings, clientProcesses: n } };
        const measuredBefore = sampleProc(target.socketHolder.pid);
        const othersBefore = others.map((g) => sampleProc(g.process.pid));
        notices = 0;
        const f = await runChurn(stepCtx, target, spec, (i) => others[i % n].address);
        const measuredAfter = sampleProc(target.socketHolder.pid);
        const othersAfter = others.map((g) => sampleProc(g.process.pid));
        const cpu = (a: { cpuMs: number } | null, b: { cpuMs: number } | null) => (a && b ? Math.round(b.cpuMs - a.cpuMs) / 1000 : NaN);
        const step: InterestStep = {
          others: n,
          ratePerOther: o.ratePerOther,
          seconds: o.seconds,
          measuredCpuSeconds: cpu(measuredBefore, measuredAfter),
          othersCpuSeconds: others.map((_, i) => cpu(othersBefore[i], othersAfter[i])),
          measuredNotices: notices,
          joinsPlanned: f.joinsPlanned,
          joinsAcked: f.joinsAcked,
          missed: f.missed,
          seqGaps: f.seqGaps,
          errors: f.errors,
          joinNotifyP50: f.joinNotify?.p50 ?? null,
          joinNotifyP99: f.joinNotify?.p99 ?? null,
        };
        steps.push(step);
        say(
          `gateway-interest, ${n} other gateway(s) at ${o.ratePerOther} joins/s each: measured gateway ${step.measuredCpuSeconds} CPU s; ` +
            `others ${step.othersCpuSeconds.join(', ')} CPU s; ${f.joinsAcked}/${f.joinsPlanned} joins; missed ${f.missed.join}/${f.missed.push}/${f.missed.leave}; seq gaps ${f.seqGaps}; errors ${JSON.stringify(f.errors)}`,
        );
        if (o.callPairs > 0) {
          step.calls = await runCalls(ctx, target, others, n, o);
          const c = step.calls;
          say(
            `gateway-interest, ${n} other gateway(s), ${o.callPairs} calling pair(s) each: measured gateway ${c.measuredCpuSeconds} CPU s, ` +
              `${c.measuredCallEvents ?? '?'} call events received; others ${c.othersCpuSeconds.join(', ')} CPU s; ${c.completed} calls, ${c.failed} failed`,
          );
        }
      } finally {
        await Promise.all(others.map((g) => g.process.stop()));
      }
    }
  } finally {
    await Promise.all(held.map((c) => c.close(1000)));
  }
  return steps;
}

function startGateways(ctx: ScenarioContext, target: Target, n: number, o: InterestOptions): Promise<ExtraGateway[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      startGateway(target, {
        name: `gateway-other-${i + 1}`,
        script: o.gatewayScript,
        logPath: path.join(o.logDir, `gateway-other-${n}-${i + 1}.log`),
        gatewayId: `${ctx.runTag}-gw-other-${n}-${i}`,
        probeToken: ctx.mintToken(`${ctx.runTag}-probe`),
      }),
    ),
  );
}

/** A client's call notices, and a wait for the next one that matches. */
class CallParty {
  private readonly seen: WireCallNotice[] = [];
  private waiter: { match: (n: WireCallNotice) => boolean; resolve: (n: WireCallNotice | undefined) => void } | undefined;
  client!: BenchClient;

  take(notice: WireCallNotice): void {
    if (this.waiter?.match(notice)) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(notice);
    } else this.seen.push(notice);
  }

  /** The first call notice that matches, already here or within `timeoutMs`; undefined after that. */
  next(match: (n: WireCallNotice) => boolean, timeoutMs: number): Promise<WireCallNotice | undefined> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = {
        match,
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n);
        },
      };
    });
  }
}

/**
 * Callers and callees on the other gateways (a pair's two sides on neighbouring gateways when there
 * are several) place, ring and decline calls back to back for `o.seconds`; the measured gateway serves
 * none of them.
 */
async function runCalls(ctx: ScenarioContext, target: Target, others: ExtraGateway[], n: number, o: InterestOptions): Promise<CallStep> {
  const pairs: { caller: CallParty; callee: CallParty; calleeIdentity: string }[] = [];
  const open = async (party: CallParty, identity: string, gateway: number) => {
    party.client = await BenchClient.open(wsUrl(others[gateway % n].address, ctx.mintToken(identity)), identity, { timeoutMs: 10_000, onCallNotice: (notice) => party.take(notice) });
  };
  for (let i = 0; i < n * o.callPairs; i++) {
    const pair = { caller: new CallParty(), callee: new CallParty(), calleeIdentity: `${ctx.runTag}-callee-${n}-${i}` };
    await open(pair.caller, `${ctx.runTag}-caller-${n}-${i}`, i);
    await open(pair.callee, pair.calleeIdentity, i + 1);
    pairs.push(pair);
  }
  let completed = 0;
  let failed = 0;
  const measuredBefore = sampleProc(target.socketHolder.pid);
  const othersBefore = others.map((g) => sampleProc(g.process.pid));
  const eventsBefore = o.measuredMetrics ? await callEventsAt(o.measuredMetrics) : null;
  const until = nowMs() + o.seconds * 1000;
  await Promise.all(
    pairs.map(async ({ caller, callee, calleeIdentity }) => {
      while (nowMs() < until) {
        const placed = (await caller.client.request({ placeCall: { calleeIdentity, ringTimeoutSeconds: 10 } }, 5000)).frame.placeCall;
        const callId = placed?.call?.id;
        const roomId = placed?.room?.id;
        if (!callId || !roomId) {
          failed++;
          await sleep(100);
          continue;
        }
        await caller.client.request({ reportPusherEvent: { roomId, code: PUSH_BEGAN } }, 5000);
        const rang = await callee.next((x) => x.call?.id === callId && x.call.state === 'CALL_STATE_RINGING', 5000);
        if (rang) await callee.client.request({ answerCall: { callId, accept: false } }, 5000);
        const ended = await caller.next((x) => x.call?.id === callId && x.call.state === 'CALL_STATE_ENDED', 5000);
        if (rang && ended) completed++;
        else failed++;
      }
    }),
  );
  const measuredAfter = sampleProc(target.socketHolder.pid);
  const othersAfter = others.map((g) => sampleProc(g.process.pid));
  const eventsAfter = o.measuredMetrics ? await callEventsAt(o.measuredMetrics) : null;
  await Promise.all(pairs.flatMap((p) => [p.caller.client.close(1000), p.callee.client.close(1000)]));
  const cpu = (a: { cpuMs: number } | null, b: { cpuMs: number } | null) => (a && b ? Math.round(b.cpuMs - a.cpuMs) / 1000 : NaN);
  return {
    pairsPerOther: o.callPairs,
    completed,
    failed,
    measuredCpuSeconds: cpu(measuredBefore, measuredAfter),
    othersCpuSeconds: others.map((_, i) => cpu(othersBefore[i], othersAfter[i])),
    measuredCallEvents: eventsBefore !== null && eventsAfter !== null ? eventsAfter - eventsBefore : null,
  };
}

/** rtcroom_gateway_bus_events_total{kind="call"} at a gateway's /metrics; null where it has no such counter (an older build). */
async function callEventsAt(address: string): Promise<number | null> {
  const body = await new Promise<string>((resolve, reject) => {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    get({ host: address.slice(0, address.lastIndexOf(':')), port, path: '/metrics', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  const lines = body.split('\n').filter((l) => l.startsWith('rtcroom_gateway_bus_events_total{') && l.includes('kind="call"'));
  if (lines.length === 0) return body.includes('rtcroom_gateway_bus_events_total') ? 0 : null;
  return lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
