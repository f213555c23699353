// A resume storm (bench/README.md, "A resume storm"): members seated on one gateway, which then
// stops (SIGTERM, a rolling restart: it tells each client to come back within a second) or dies
// (--kill), and every member resumes on a second gateway and syncs its seat
// (scenarios/resume-storm.ts). `--gateway` runs another build of the gateways (the code before a
// change) for paired A/B runs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { issueAccessToken, readCommandLine, usageFailed } from '@rtcroom/common';
import { parseBenchArgs, type BenchSettings } from './options';
import { ClientPool } from './pool/client-pool';
import { runResumeStorm, type ResumeStormResult } from './scenarios/resume-storm';
import type { Summary } from './stats';
import { startRtcroom, type Target } from './system';

const usage = `usage: node bench/dist/resume-storm.js [--members 1200] [--kill] [--stay-away] [--seat-rate 150] [--clients 2]
    [--gateway <a build of services/gateway/dist/main.js>] [--out <file.json>] [--nats URL] [--pg URL]
  --members    members seated on the gateway that goes away, in rooms of six (default 1200)
  --kill       the gateway dies (SIGKILL) instead of stopping (SIGTERM, which tells its clients to
               reconnect within a second)
  --stay-away  the members do not come back: reports how soon the rooms show them all dropped, then
               gone (presence's sweep), and the CPU it took
  --seat-rate  seats taken per second before the storm (default 150)
  --clients    client processes (default 2)
`;

const { values } = readCommandLine(usage, {
  options: {
    members: { type: 'string', default: '1200' },
    kill: { type: 'boolean', default: false },
    'stay-away': { type: 'boolean', default: false },
    'seat-rate': { type: 'string', default: '150' },
    clients: { type: 'string', default: '2' },
    gateway: { type: 'string' },
    out: { type: 'string' },
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const whole = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) usageFailed(usage, `--${name} must be a positive whole number, got ${raw}`);
  return n;
};
const members = whole('members', values.members);
const seatRate = whole('seat-rate', values['seat-rate']);
const clients = whole('clients', values.clients);

const r1 = (v: number) => Math.round(v * 10) / 10;
const ms = (s: Summary | null) => (s ? `p50 ${r1(s.p50)} / p99 ${r1(s.p99)} / max ${r1(s.max)} ms` : "-");

/** The room events written, by kind, when there were any. */
const kinds = (r: ResumeStormResult) => (r.roomEventKinds && Object.keys(r.roomEventKinds).length > 0 ? ` (${Object.entries(r.roomEventKinds).map(([k, n]) => `${k} ${n}`).join(', ')})` : '');

function describe(r: ResumeStormResult): string[] {
  const services = r.processes.filter((p) => !p.name.startsWith('(')).map((p) => `${p.name} ${p.cpuSeconds}`);
  const shared = r.processes.filter((p) => p.name.startsWith('(')).map((p) => `${p.name.slice(1, p.name.indexOf(','))} ${p.cpuSeconds}`);
  if (r.allGoneMs !== undefined) {
    return [
      `resume-storm (${r.signal}, staying away): ${r.dropped} dropped; all shown dropped in ${r.allDroppedMs ?? '-'} ms, all gone in ${r.allGoneMs ?? '-'} ms`,
      `  CPU s: ${[...services, ...shared].join(', ')}; room events written ${r.roomEventsWritten ?? '-'}${kinds(r)}`,
    ];
  }
  return [
    `resume-storm (${r.signal}): ${r.resumed}/${r.dropped} resumed and synced in ${r.settledMs ?? '-'} ms; not resumed ${r.notResumed}, seats lost ${r.seatsLost}, failed ${r.failed}, retries ${r.retries}, waited in line ${r.waited}, sent away ${r.sentAway}${Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''}`,
    `  drop -> welcome ${ms(r.dropToWelcome)}; connect -> welcome ${ms(r.connectToWelcome)}; welcome -> synced ${ms(r.sync)}; drop -> synced ${ms(r.dropToSynced)}`,
    `  CPU s: ${[...services, ...shared].join(', ')}; ${r.cpuPerResumeMs ?? '-'} ms per member resumed; room events written ${r.roomEventsWritten ?? '-'}${kinds(r)}`,
    `  members shown dropped or back meanwhile: ${r.roomEventKinds ? (r.roomEventKinds.memberConnectionChanged ?? 0) : '-'}`,
  ];
}

async function main(): Promise<number> {
  const settings = parseBenchArgs([]) as BenchSettings;
  const runTag = `rs${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(24).toString('hex');
  const logDir = path.join(settings.resultsDir, 'tmp', runTag);
  const gatewayScript = values.gateway ? path.resolve(values.gateway) : path.join(settings.repoRoot, 'services', 'gateway', 'dist', 'main.js');
  const pool = ClientPool.start(clients);
  let target: Target | undefined;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stopAll = async () => {
    await pool.stop();
    await target?.stop();
  };
  const hardStop = setTimeout(() => {
    process.stderr.write('resume-storm: stopping after 10 minutes\n');
    void stopAll().finally(() => process.exit(3));
  }, 10 * 60_000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  try {
    target = await startRtcroom({ repoRoot: settings.repoRoot, logDir, secret, natsUrl: values.nats, pgAdminUrl: values.pg, startTimeoutMs: 30_000, tag: runTag, gatewayScript });
    const ctx = { settings, pool, runTag, mintToken: (identity: string) => issueAccessToken(secret, { identity, ttlSeconds: 3600 }) };
    const load = loadavg().map((l) => Math.round(l * 100) / 100);
    const result = await runResumeStorm(ctx, target, { members, signal: values.kill ? 'SIGKILL' : 'SIGTERM', seatRate, gatewayScript, logDir, stayAway: values['stay-away'] }, say);
    for (const line of describe(result)) say(line);
    if (values.out) {
      mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
      writeFileSync(values.out, `${JSON.stringify({ gateway: path.relative(settings.repoRoot, gatewayScript), at: new Date().toISOString(), loadAverage: load, result }, null, 2)}\n`);
    }
    if (values['stay-away']) return result.allGoneMs !== null && result.seated === members ? 0 : 2;
    const lost = result.dropped - result.resumed;
    return lost === 0 && result.seated === members ? 0 : 2;
  } finally {
    clearTimeout(hardStop);
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`resume-storm: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
