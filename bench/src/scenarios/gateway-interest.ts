// Gateways that scale out: one gateway (the system's own, "measured") holds members in quiet rooms
// while N other gateways each carry a churn of rooms at a set join rate. A gateway that decoded every
// room's events would spend more CPU as N (and so the whole system's event rate) grows; one that
// listens only to its own rooms stays flat. Reports, per N, the CPU seconds of the measured gateway
// and of the others during the churn, and what the churn's clients saw (lost notices, seq gaps).
import { nowMs, sleep } from '../clock';
import { BenchClient } from '../client';
import { sampleProc } from '../proc-stats';
import { wsUrl } from '../protocol';
import { freePort, ServiceProcess, type Target } from '../system';
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
      } finally {
        await Promise.all(others.map((g) => g.process.stop()));
      }
    }
  } finally {
    await Promise.all(held.map((c) => c.close(1000)));
  }
  return steps;
}

async function startGateways(ctx: ScenarioContext, target: Target, n: number, o: InterestOptions): Promise<{ address: string; process: ServiceProcess }[]> {
  const started: { address: string; process: ServiceProcess }[] = [];
  for (let i = 0; i < n; i++) {
    const address = `127.0.0.1:${await freePort()}`;
    const env = {
      ...target.env,
      GATEWAY_ADDRESS: address,
      GATEWAY_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
      GATEWAY_ID: `${ctx.runTag}-gw-other-${n}-${i}`,
    };
    started.push({ address, process: new ServiceProcess(`gateway-other-${i + 1}`, o.gatewayScript, env, path.join(o.logDir, `gateway-other-${n}-${i + 1}.log`)) });
  }
  const deadline = nowMs() + 30_000;
  for (const g of started) {
    for (;;) {
      if (!g.process.running) throw new Error(`${g.process.name} ${g.process.exit}:\n${g.process.tail()}`);
      const client = await BenchClient.open(wsUrl(g.address, ctx.mintToken(`${ctx.runTag}-probe`)), 'probe', { timeoutMs: 2000 }).catch(() => null);
      if (client) {
        await client.close(1000);
        break;
      }
      if (nowMs() > deadline) throw new Error(`${g.process.name} did not welcome within 30 s`);
      await sleep(250);
    }
  }
  return started;
}
