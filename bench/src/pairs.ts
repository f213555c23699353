// Paired runs of two builds of rtcroom: the churn scenario, alternating the builds (the order flipping
// each pair), and what each build's services spent per member lifecycle (connect, join, push began,
// leave). On a shared machine the CPU a process spends on the same work grows with the load (cores
// shared, caches cold): so the figure compared is also the services' CPU over the client processes' CPU
// in the same run (the clients do the same work per member in every run, and slow down alike).
//   node bench/dist/pairs.js --a /path/to/checkout-before --b /path/to/checkout-after [--pairs 6] [--rate 100] [--out FILE]
// Each checkout must be built (npm run build); its own bench/dist/run.js runs its own services. `--a
// design-floor` runs this checkout's design floor (run.js --floor-only --floor-design) as the a side: how
// far a build of rtcroom is above what its design costs by itself (results/design-floor.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readCommandLine, usageFailed } from '@rtcroom/common';
import { isClientProcess, isTargetProcess } from './proc-stats';

const usage = `usage: node bench/dist/pairs.js --a DIR --b DIR [--pairs 6] [--rate 100] [--lifecycle full|join-leave] [--one-process] [--full] [--out FILE]
  --a DIR, --b DIR   two built checkouts (the before and the after of a change); --a design-floor:
                     this checkout's design floor (--floor-only --floor-design) as the a side
  --pairs N          pairs of runs (default 6)
  --rate N           joins/s of the churn scenario (default 100)
  --lifecycle L      passed to run.js: full (default) or join-leave (sockets open before, no push)
  --one-process      passed to run.js: the four services in one process
  --full             passed to run.js: 20 s windows instead of 4 s (V8 still optimizes in a quick window;
                     a pair takes about two minutes)
  --out FILE         also write every run's figures there (JSON)
`;

const services = ['gateway', 'room', 'presence', 'url-issuer'] as const;

interface RunFigures {
  build: 'a' | 'b';
  /** The machine's load average (1 min) as the run began. */
  load: number;
  joinsAcked: number;
  joinsPlanned: number;
  /** CPU seconds of each service, and of the client processes together. */
  cpuSeconds: Record<string, number>;
  clientCpuSeconds: number;
  /** CPU seconds of Postgres's and NATS's processes (every one on the machine), by name. */
  sharedCpuSeconds: Record<string, number>;
  /** The services' CPU per acked join (ms): a member's lifecycle. */
  servicesMsPerMember: number;
  /** The same with Postgres's and NATS's: all of the system. */
  systemMsPerMember: number;
  /** The services' CPU over the clients'. */
  servicesPerClientCpu: number;
  joinNotifyP50Ms: number;
  joinNotifyP99Ms: number;
  joinAckP50Ms: number;
  joinAckP99Ms: number;
}

/** `--a design-floor`: this checkout's design floor instead of a build of rtcroom. */
const designFloor = 'design-floor';

function runOnce(dir: string, build: 'a' | 'b', rate: number, extra: string[], set: 'quick' | 'full'): RunFigures {
  const out = mkdtempSync(join(tmpdir(), 'rtcroom-pairs-'));
  const load = loadavg()[0]!;
  const floor = dir === designFloor;
  const checkout = floor ? resolve(__dirname, '..', '..') : dir;
  const target = floor ? ['--floor-only', '--floor-design'] : ['--target', 'system'];
  try {
    const r = spawnSync(process.execPath, [join(checkout, 'bench/dist/run.js'), ...target, '--scenarios', 'churn', '--rate', String(rate), ...extra, '--out', out], { cwd: checkout, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the run of ${dir} failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
    // run.js names its results after the set, the target, the lifecycle and the shape ((quick|full)-(rtcroom|floor)[-join-leave][-one-process][-design].json).
    const kind = floor ? 'floor' : 'rtcroom';
    const file = readdirSync(out).find((f) => f.startsWith(`${set}-${kind}`) && f.endsWith('.json'));
    if (!file) throw new Error(`the run of ${dir} wrote no results`);
    const figures = JSON.parse(readFileSync(join(out, file), 'utf8')).churn[0].results[kind].figures;
    const cpuSeconds: Record<string, number> = {};
    let clientCpuSeconds = 0;
    const sharedCpuSeconds: Record<string, number> = {};
    for (const p of figures.processes as { name: string; cpuSeconds: number }[]) {
      if (isTargetProcess(p.name)) cpuSeconds[p.name] = p.cpuSeconds; // a service, or 'rtcroom' in one process
      else if (isClientProcess(p.name)) clientCpuSeconds += p.cpuSeconds;
      else sharedCpuSeconds[p.name.replace(/^\((\S+), shared\)$/, '$1')] = p.cpuSeconds; // (postgres, shared)
    }
    const total = Object.values(cpuSeconds).reduce((sum, s) => sum + s, 0);
    const shared = Object.values(sharedCpuSeconds).reduce((sum, s) => sum + s, 0);
    return {
      build,
      load,
      joinsAcked: figures.joinsAcked,
      joinsPlanned: figures.joinsPlanned,
      cpuSeconds,
      clientCpuSeconds,
      sharedCpuSeconds,
      servicesMsPerMember: (1000 * total) / figures.joinsAcked,
      systemMsPerMember: (1000 * (total + shared)) / figures.joinsAcked,
      servicesPerClientCpu: total / clientCpuSeconds,
      joinNotifyP50Ms: figures.joinNotify?.p50 ?? NaN,
      joinNotifyP99Ms: figures.joinNotify?.p99 ?? NaN,
      joinAckP50Ms: figures.joinAck?.p50 ?? NaN,
      joinAckP99Ms: figures.joinAck?.p99 ?? NaN,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

function main(): void {
  const { values } = readCommandLine(usage, {
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      pairs: { type: 'string', default: '6' },
      rate: { type: 'string', default: '100' },
      out: { type: 'string' },
      lifecycle: { type: 'string', default: 'full' },
      'one-process': { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (!values.a || !values.b) usageFailed(usage, '--a and --b are required');
  const pairs = Number(values.pairs);
  const rate = Number(values.rate);
  if (!Number.isInteger(pairs) || pairs <= 0) usageFailed(usage, `--pairs must be a positive whole number, got ${values.pairs}`);
  if (!Number.isInteger(rate) || rate <= 0) usageFailed(usage, `--rate must be a positive whole number, got ${values.rate}`);
  if (values.lifecycle !== 'full' && values.lifecycle !== 'join-leave') usageFailed(usage, `--lifecycle must be full or join-leave, got ${values.lifecycle}`);
  const set = values.full ? 'full' : 'quick';
  const extra = ['--lifecycle', values.lifecycle, ...(values['one-process'] ? ['--one-process'] : []), ...(values.full ? ['--full'] : [])];
  if (values.b === designFloor) usageFailed(usage, '--b must be a checkout; the design floor goes in --a');
  const dirs = { a: values.a === designFloor ? designFloor : resolve(values.a!), b: resolve(values.b!) };
  const results: { pair: number; a: RunFigures; b: RunFigures }[] = [];
  for (let i = 1; i <= pairs; i++) {
    const order: ('a' | 'b')[] = i % 2 ? ['a', 'b'] : ['b', 'a'];
    const got: Partial<Record<'a' | 'b', RunFigures>> = {};
    for (const build of order) got[build] = runOnce(dirs[build], build, rate, extra, set);
    const pair = { pair: i, a: got.a!, b: got.b! };
    results.push(pair);
    const f = (r: RunFigures) =>
      `${r.servicesMsPerMember.toFixed(2)} ms/member (all of the system ${r.systemMsPerMember.toFixed(2)}), ${r.servicesPerClientCpu.toFixed(2)}x clients, ${r.joinsAcked}/${r.joinsPlanned}, ` +
      `join ack p50/p99 ${r.joinAckP50Ms.toFixed(2)}/${r.joinAckP99Ms.toFixed(1)} ms, join -> notified ${r.joinNotifyP50Ms.toFixed(2)}/${r.joinNotifyP99Ms.toFixed(1)} ms, load ${r.load.toFixed(1)}`;
    console.log(`pair ${i}: a ${f(pair.a)} | b ${f(pair.b)}`);
  }
  const change = (pick: (r: RunFigures) => number) => results.map((p) => (pick(p.b) - pick(p.a)) / pick(p.a));
  const pct = (xs: number[]) => `${(100 * median(xs)).toFixed(1)}% (${(100 * Math.min(...xs)).toFixed(1)} to ${(100 * Math.max(...xs)).toFixed(1)})`;
  console.log(`\nmedian of the paired changes, b against a, over ${pairs} pairs:`);
  console.log(`  services' CPU over the clients': ${pct(change((r) => r.servicesPerClientCpu))}`);
  console.log(`  services' CPU per member:        ${pct(change((r) => r.servicesMsPerMember))} (a: ${median(results.map((p) => p.a.servicesMsPerMember)).toFixed(2)} ms)`);
  console.log(`  all of the system per member:    ${pct(change((r) => r.systemMsPerMember))} (a: ${median(results.map((p) => p.a.systemMsPerMember)).toFixed(2)} ms)`);
  // Per service only where both sides run it (not against the design floor's hub and store).
  for (const s of services.filter((s) => results.every((p) => s in p.a.cpuSeconds && s in p.b.cpuSeconds))) console.log(`  ${s.padEnd(31)} ${pct(change((r) => (r.cpuSeconds[s] ?? 0) / r.clientCpuSeconds))} of the clients'-CPU ratio`);
  const ms = (pick: (r: RunFigures) => number) => `${median(results.map((p) => pick(p.a))).toFixed(2)} -> ${median(results.map((p) => pick(p.b))).toFixed(2)} ms`;
  console.log(`  join ack p50, p99 (medians):     ${ms((r) => r.joinAckP50Ms)}, ${ms((r) => r.joinAckP99Ms)}`);
  console.log(`  join -> notified p50, p99:       ${ms((r) => r.joinNotifyP50Ms)}, ${ms((r) => r.joinNotifyP99Ms)}`);
  for (const s of Object.keys(results[0]?.a.sharedCpuSeconds ?? {})) {
    console.log(`  ${`${s} (all its processes)`.padEnd(31)} ${pct(change((r) => (r.sharedCpuSeconds[s] ?? 0) / r.clientCpuSeconds))} of the clients'-CPU ratio`);
  }
  if (values.out) writeFileSync(values.out, JSON.stringify({ a: dirs.a, b: dirs.b, rate, lifecycle: values.lifecycle, oneProcess: values['one-process'], set, pairs: results }, null, 1) + '\n');
}

main();
