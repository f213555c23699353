// A micro-benchmark of presence's session calls alone: a presence process (sessions in a NATS key-value
// bucket of its own) and a driver standing in for one gateway, which opens sessions at a steady rate and
// closes each `--hold` ms later (as a client that leaves and says goodbye: holds no seats, so no room
// call), either one call per open and per close (`single`, OpenSession / CloseSession) or gathered per
// tick into UpdateSessions calls by the gateway's own PresenceBatch (`batch`). The two alternate in one
// presence process, round after round; it prints the CPU microseconds presence and the driver spent per
// session (open + close), and the calls the driver made.
//   node bench/dist/presence-micro.js [--rate 200] [--sessions 2000] [--hold 200] [--tick 20] [--rounds 4] [--nats URL]
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { createClient, createLogger, newId, readCommandLine, usageFailed } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { ask } from './child-ask';

const usage = `usage: node bench/dist/presence-micro.js [--rate 200] [--sessions 2000] [--hold 200] [--tick 20] [--rounds 4] [--nats URL]
  --rate N       sessions opened per second
  --sessions N   sessions per round (each opened, then closed --hold ms later)
  --tick MS      the batch's tick (GATEWAY_PRESENCE_BATCH_MS; 0: per event-loop turn)
  --rounds N     rounds of each mode, alternating (the order flipping each round)
`;

const { values } = readCommandLine(usage, {
  options: {
    rate: { type: 'string', default: '200' },
    sessions: { type: 'string', default: '2000' },
    hold: { type: 'string', default: '200' },
    tick: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '4' },
    nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
    serve: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
for (const name of ['rate', 'sessions', 'hold', 'tick', 'rounds'] as const) {
  const raw = Number(values[name]);
  if (!Number.isInteger(raw) || raw < 0 || (raw === 0 && name !== 'tick' && name !== 'hold')) usageFailed(usage, `--${name} must be a whole number, got ${values[name]}`);
}

type Presence = ReturnType<typeof createClient<typeof presencev1.PresenceServiceService>>;
/** The gateway's PresenceBatch, loaded from its build (the bench does not depend on the gateway package). */
interface Batch {
  open(sessionId: string, identity: string): Promise<unknown>;
  close(sessionId: string, resumable: boolean, holdsNoSeats: boolean): Promise<void>;
}

async function serve(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadPresenceConfig, startPresenceService } = require('@rtcroom/presence');
  const tag = newId('pm').replace(/[^A-Za-z0-9_-]/g, '_');
  const service = await startPresenceService(
    loadPresenceConfig({
      RTCROOM_DEV: 'true',
      LOG_LEVEL: 'warn',
      NATS_URL: values.nats,
      PRESENCE_GRPC_ADDRESS: '127.0.0.1:0',
      PRESENCE_METRICS_ADDRESS: 'off',
      PRESENCE_KV_BUCKET: `bench_${tag}`,
      PRESENCE_MEDIA_CONSUMER: `bench-${tag}`,
      ROOM_SERVICE_ADDRESS: '127.0.0.1:1', // never called: every session closes holding no seats
    }),
    createLogger({ service: 'presence-micro' }, 'error'), // its media consumer retries other runs' facts against no room service
  );
  process.on('message', (msg: string) => {
    if (msg === 'cpu') process.send!({ cpu: process.cpuUsage() });
    if (msg === 'stop') void service.stop().then(() => forget(tag)).finally(() => process.exit(0));
  });
  process.send!({ address: service.grpcAddress });
}

/** Deletes the run's bucket and media consumer from the shared NATS. */
async function forget(tag: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { connect } = require('nats') as typeof import('nats');
  const nc = await connect({ servers: values.nats });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(`KV_bench_${tag}`).catch(() => undefined);
  await jsm.consumers.delete('MEDIA_EVENTS', `bench-${tag}`).catch(() => undefined);
  await nc.close();
}

/** Opens `n` sessions at the rate, each closed `hold` ms after its open answered. */
function lifecycle(n: number, open: (id: string) => Promise<unknown>, close: (id: string) => Promise<unknown>): Promise<void> {
  const rate = Number(values.rate);
  const hold = Number(values.hold);
  return new Promise<void>((done, fail) => {
    let sent = 0;
    let closed = 0;
    const started = performance.now();
    const tick = setInterval(() => {
      const due = Math.min(n, Math.floor(((performance.now() - started) * rate) / 1000));
      for (; sent < due; sent++) {
        const id = newId('sess');
        open(id)
          .then(() => new Promise((r) => setTimeout(r, hold)))
          .then(() => close(id))
          .then(() => {
            if (++closed === n) done();
          }, fail);
      }
      if (sent === n) clearInterval(tick);
    }, 1);
  });
}

async function drive(): Promise<void> {
  const child = fork(__filename, ['--serve', '--nats', values.nats!], { stdio: 'inherit' });
  const address = await ask<string>(child, '', 'address');
  const presence: Presence = createClient(presencev1.PresenceServiceService, address, 5000);
  const gatewayId = newId('gw');
  let calls = 0;
  // Counts the calls the driver makes, whichever way they go.
  const counted: Presence = new Proxy(presence, {
    get: (target, prop, receiver) => {
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' && prop !== 'close' ? (...args: unknown[]) => (calls++, v.apply(target, args)) : v;
    },
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PresenceBatch } = require('@rtcroom/gateway/dist/ws/presence-batch') as { PresenceBatch: new (...a: unknown[]) => Batch };
  const batch = new PresenceBatch(counted, gatewayId, Number(values.tick), createLogger({ service: 'presence-micro' }, 'warn'));
  const modes = {
    single: () =>
      lifecycle(
        Number(values.sessions),
        (id) => counted.openSession({ sessionId: id, identity: `u-${id}`, gatewayId }),
        (id) => counted.closeSession({ sessionId: id, resumable: false, gatewayId, holdsNoSeats: true }),
      ),
    batch: () =>
      lifecycle(
        Number(values.sessions),
        (id) => batch.open(id, `u-${id}`),
        (id) => batch.close(id, false, true),
      ),
  };
  // Warm-up of both: JIT, the mux stream, the bucket.
  for (const run of Object.values(modes)) await run();
  const rows: { mode: string; round: number; presenceUs: number; driverUs: number; callsPerSession: number; load: number }[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? (['single', 'batch'] as const) : (['batch', 'single'] as const);
    for (const mode of order) {
      const load = loadavg()[0]!;
      calls = 0;
      const before = await ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu');
      const driverBefore = process.cpuUsage();
      await modes[mode]();
      const driver = process.cpuUsage(driverBefore);
      const after = await ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu');
      const n = Number(values.sessions);
      const presenceUs = (after.user - before.user + after.system - before.system) / n;
      rows.push({ mode, round, presenceUs, driverUs: (driver.user + driver.system) / n, callsPerSession: calls / n, load });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const of = (mode: string, key: 'presenceUs' | 'driverUs' | 'callsPerSession') => rows.filter((r) => r.mode === mode).map((r) => r[key]);
  const paired = (key: 'presenceUs' | 'driverUs') => median(of('batch', key).map((b, i) => (100 * (b - of('single', key)[i]!)) / of('single', key)[i]!));
  console.log(
    JSON.stringify({
      rate: Number(values.rate),
      tick: Number(values.tick),
      sessions: Number(values.sessions),
      singlePresenceUs: median(of('single', 'presenceUs')),
      batchPresenceUs: median(of('batch', 'presenceUs')),
      presenceChangePct: paired('presenceUs'),
      singleDriverUs: median(of('single', 'driverUs')),
      batchDriverUs: median(of('batch', 'driverUs')),
      driverChangePct: paired('driverUs'),
      batchCallsPerSession: median(of('batch', 'callsPerSession')),
    }),
  );
  presence.close();
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
}

void (values.serve ? serve() : drive()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
