// Gateways that scale out (bench/README.md, "Gateways that scale out"): the system with its gateway
// holding quiet rooms, and N more gateways carrying churn, N = 1, 2, 4 by default; prints and writes
// the measured gateway's CPU per N (scenarios/gateway-interest.ts). `--gateway` runs another build of
// the gateway (e.g. the code before a change, copied into this checkout) for paired A/B runs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { issueAccessToken, readCommandLine, usageFailed } from '@rtcroom/common';
import { parseBenchArgs, type BenchSettings } from './options';
import { ClientPool } from './pool/client-pool';
import { runGatewayInterest } from './scenarios/gateway-interest';
import { startRtcroom, type Target } from './system';

const usage = `usage: node bench/dist/gateway-interest.js [--others 1,2,4] [--rate 25] [--seconds 6] [--held 30] [--calls 0]
    [--gateway <a build of services/gateway/dist/main.js>] [--out <file.json>] [--nats URL] [--pg URL]
  --others   how many other gateways carry churn, one step each (default 1,2,4)
  --rate     joins/s on each other gateway (default 25)
  --seconds  churn per step (default 6), and calls per step as long again with --calls
  --held     members the measured gateway holds in quiet rooms (default 30)
  --calls    caller-callee pairs per other gateway placing and declining calls after each step's
             churn (default 0: no calls step)
`;

const { values } = readCommandLine(usage, {
  options: {
    others: { type: 'string', default: '1,2,4' },
    rate: { type: 'string', default: '25' },
    seconds: { type: 'string', default: '6' },
    held: { type: 'string', default: '30' },
    calls: { type: 'string', default: '0' },
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
const others = values.others.split(',').map((v) => whole('others', v.trim()));
const rate = whole('rate', values.rate);
const seconds = whole('seconds', values.seconds);
const heldMembers = whole('held', values.held);
const callPairs = values.calls === '0' ? 0 : whole('calls', values.calls);

async function main(): Promise<number> {
  const settings = parseBenchArgs([]) as BenchSettings;
  const runTag = `gi${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(24).toString('hex');
  const logDir = path.join(settings.resultsDir, 'tmp', runTag);
  const gatewayScript = values.gateway ? path.resolve(values.gateway) : path.join(settings.repoRoot, 'services', 'gateway', 'dist', 'main.js');
  const pool = ClientPool.start(Math.max(...others));
  let target: Target | undefined;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stopAll = async () => {
    await pool.stop();
    await target?.stop();
  };
  const hardStop = setTimeout(() => {
    process.stderr.write('gateway-interest: stopping after 10 minutes\n');
    void stopAll().finally(() => process.exit(3));
  }, 10 * 60_000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  try {
    target = await startRtcroom({ repoRoot: settings.repoRoot, logDir, secret, natsUrl: values.nats, pgAdminUrl: values.pg, startTimeoutMs: 30_000, tag: runTag, gatewayScript });
    const ctx = { settings, pool, runTag, mintToken: (identity: string) => issueAccessToken(secret, { identity, ttlSeconds: 3600 }) };
    const load = loadavg().map((l) => Math.round(l * 100) / 100);
    const steps = await runGatewayInterest(ctx, target, { others, ratePerOther: rate, seconds, heldMembers, gatewayScript, logDir, callPairs, measuredMetrics: target.env?.GATEWAY_METRICS_ADDRESS }, say);
    const result = { gateway: path.relative(settings.repoRoot, gatewayScript), at: new Date().toISOString(), loadAverage: load, steps };
    if (values.out) {
      mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
      writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    }
    return 0;
  } finally {
    clearTimeout(hardStop);
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`gateway-interest: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
