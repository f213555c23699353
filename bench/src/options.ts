// The harness's settings: the quick set (about two minutes), the full set (--full), and the flags
// that narrow a run down. The harness reads no environment variables; everything is a flag.
import * as path from 'node:path';
import { parseCommandLine, UsageError } from '@rtcroom/common';
import type { TargetKind } from './system';

export type ScenarioName = 'churn' | 'knee' | 'storm' | 'idle' | 'detect';
const ALL_SCENARIOS: ScenarioName[] = ['churn', 'knee', 'storm', 'idle', 'detect'];

export interface MemberTiming {
  maxMembers: number;
  connectLeadMs: number;
  pushDelayMs: number;
  dwellMs: number;
  noticeTimeoutMs: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * What a churn member does: `full` connects inside the run, joins, reports push began (1002) and leaves
 * and closes; `join-leave` (issue 23's measure) has every socket open before the timed window, joins
 * and leaves without pushing, and closes only after the window, so the CPU counted is joins and leaves.
 */
export type Lifecycle = 'full' | 'join-leave';

export interface BenchSettings {
  mode: 'quick' | 'full';
  lifecycle: Lifecycle;
  targets: TargetKind[];
  scenarios: ScenarioName[];
  /** Client processes that drive the churn scenarios. */
  clientProcesses: number;
  /** Client processes that hold the idle connections: enough that none holds more than 5,000. */
  idleClientProcesses: number;
  churn: { rate: number; seconds: number };
  knee: { rates: number[]; seconds: number };
  storm: { rooms: number; connectRate: number };
  idle: { connections: number; connectRate: number; holdMs: number; heartbeatMs: number };
  member: MemberTiming;
  settleMs: number;
  /** Before each run, wait at most this long for the machine to go quiet. */
  quietMaxMs: number;
  /** A short churn run on each target before anything is recorded, so JIT and pools are warm. */
  warmup: { rate: number; seconds: number };
  natsUrl: string;
  pgAdminUrl: string;
  startTimeoutMs: number;
  resultsDir: string;
  repoRoot: string;
  /** The whole run stops by itself after this long, whatever state it is in. */
  hardLimitMs: number;
  /** Another build of the gateway's main.js to run instead of this checkout's (A/B runs). */
  gatewayScript?: string;
  /** rtcroom as one process (`npm start`: startAll) instead of four. */
  oneProcess: boolean;
  /** The floor of rtcroom's design (hub, store, Postgres, NATS) instead of the bare hub. */
  floorDesign: boolean;
}

export const USAGE = `usage: node bench/dist/run.js [options]
  --full                   the full set (5-10 minutes) instead of the quick one (about 2)
  --quick                  the quick set (the default)
  --target floor|system|both   what to measure (default both; "rtcroom" = system)
  --floor-only             same as --target floor
  --scenarios a,b          among churn, knee, storm, idle, detect (default all)
  --rate N                 join rate of the churn scenario (default 500 joins/s)
  --idle N                 idle connections to hold (default 2000 quick, 20000 full)
  --clients N              client processes driving churn (default 2; idle adds one per 5,000)
  --nats URL               NATS for the services (default nats://127.0.0.1:4222)
  --pg URL                 Postgres admin URL to create the bench database from
                           (default postgres://postgres@127.0.0.1:5432/postgres)
  --out DIR                where results go (default bench/results)
  --gateway FILE           another build of services/gateway/dist/main.js to run (A/B runs)
  --lifecycle full|join-leave   what a churn member does (default full: connect, join, push began,
                           leave, close; join-leave: sockets open before the timed window, join and
                           leave only, CPU counted over the joins and leaves)
  --one-process            run rtcroom's four services in one process (npm start) instead of four;
                           RTCROOM_INPROCESS_CALLS=off in the bench's environment makes them call
                           each other over loopback gRPC there
  --floor-design           measure the floor of rtcroom's design instead of the bare hub: the same hub,
                           but every change committed through a second process over gRPC (one
                           statement in Postgres, one JetStream publish) and told from NATS: the
                           messages the design needs and nothing more (bench/src/floor/store.ts)
  --help                   this
`;

const commandLine = {
  options: {
    full: { type: 'boolean' },
    quick: { type: 'boolean' },
    'floor-only': { type: 'boolean' },
    target: { type: 'string' },
    scenarios: { type: 'string' },
    rate: { type: 'string' },
    idle: { type: 'string' },
    clients: { type: 'string' },
    nats: { type: 'string' },
    pg: { type: 'string' },
    out: { type: 'string' },
    gateway: { type: 'string' },
    'one-process': { type: 'boolean' },
    'floor-design': { type: 'boolean' },
    lifecycle: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

/** The settings a command line asks for, or 'help'; a bad command line throws UsageError. */
export function parseBenchArgs(argv: string[]): BenchSettings | 'help' {
  const { values: flags } = parseCommandLine({ ...commandLine, args: argv });
  if (flags.help) return 'help';

  const full = flags.full === true;
  const repoRoot = path.resolve(__dirname, '..', '..');
  const settings: BenchSettings = {
    mode: full ? 'full' : 'quick',
    lifecycle: parseLifecycle(flags.lifecycle),
    targets: parseTargets(flags['floor-only'] ? 'floor' : flags.target ?? 'both'),
    scenarios: parseScenarios(flags.scenarios),
    clientProcesses: positive(flags.clients, 2, 'clients'),
    idleClientProcesses: 0,
    churn: { rate: positive(flags.rate, 500, 'rate'), seconds: full ? 20 : 4 },
    // Low steps too: where rtcroom's knee lies today (tens of joins/s), not only where the target is.
    knee: { rates: full ? [25, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000] : [25, 50, 100, 150, 200, 250, 300, 400, 1000, 1500, 2000], seconds: full ? 6 : 3 },
    storm: full ? { rooms: 500, connectRate: 1500 } : { rooms: 100, connectRate: 1000 },
    idle: {
      connections: positive(flags.idle, full ? 20_000 : 2_000, 'idle'),
      connectRate: full ? 2000 : 1000,
      holdMs: full ? 30_000 : 6_000,
      heartbeatMs: full ? 10_000 : 5_000,
    },
    member: {
      maxMembers: 6,
      connectLeadMs: 1000,
      pushDelayMs: 200,
      dwellMs: 1000,
      noticeTimeoutMs: 3000,
      requestTimeoutMs: 5000,
      connectTimeoutMs: 10_000,
    },
    settleMs: 1000,
    quietMaxMs: full ? 30_000 : 15_000,
    // Below rtcroom's knee, so no backlog from the warmup lands in the first step.
    warmup: { rate: 100, seconds: 15 },
    natsUrl: flags.nats ?? 'nats://127.0.0.1:4222',
    pgAdminUrl: flags.pg ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    startTimeoutMs: 30_000,
    resultsDir: path.resolve(flags.out ?? path.join(repoRoot, 'bench', 'results')),
    repoRoot,
    hardLimitMs: (full ? 45 : 8) * 60_000,
    ...(flags.gateway ? { gatewayScript: path.resolve(flags.gateway) } : {}),
    oneProcess: flags['one-process'] === true,
    floorDesign: flags['floor-design'] === true,
  };
  settings.idleClientProcesses = Math.max(settings.clientProcesses, Math.ceil(settings.idle.connections / 5000));
  return settings;
}

function parseTargets(value: string): TargetKind[] {
  switch (value) {
    case 'floor':
      return ['floor'];
    case 'system':
    case 'rtcroom':
      return ['rtcroom'];
    case 'both':
      return ['floor', 'rtcroom'];
    default:
      throw new UsageError(`--target must be floor, system or both, got ${value}`);
  }
}

function parseLifecycle(value: string | undefined): Lifecycle {
  if (value === undefined || value === 'full') return 'full';
  if (value === 'join-leave') return value;
  throw new UsageError(`--lifecycle must be full or join-leave, got ${value}`);
}

function parseScenarios(value: string | undefined): ScenarioName[] {
  if (!value) return ALL_SCENARIOS;
  const names = value.split(',').map((s) => s.trim());
  const bad = names.find((n) => !(ALL_SCENARIOS as string[]).includes(n));
  if (bad) throw new UsageError(`unknown scenario ${bad} (known: ${ALL_SCENARIOS.join(', ')})`);
  return names as ScenarioName[];
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number, got ${value}`);
  return n;
}
