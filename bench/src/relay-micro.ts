// A micro-benchmark of the room service's outbox relay alone: how many events per second reach
// JetStream with 1, 2, 3 ... relay instances, each a process of its own (as each room-service instance
// runs one). Every run: the relays start on an empty outbox (a fresh database) and share its shards;
// then a backlog of events in many rooms commits at once (more than one relay publishes in the time
// given: it saturates one) and the clock runs until the stream of the run holds them all. The counts
// alternate (1, 2, 3, 1, 2, 3, ...) so each is compared with its neighbours on a noisy machine: the
// figure is the median of the paired differences against one relay, with its range.
//
// The relay is loaded from the room service's build (`services/room/dist`, or `--room DIR` for another
// build: A/B runs of a change to it); bench does not depend on the room service otherwise.
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createLogger, migrateToLatest, NatsEventBus, openDatabase, readCommandLine, usageFailed } from '@rtcroom/common';
import { Client } from 'pg';
import { createBenchDatabase } from './bench-database';

const usage = `usage: node bench/dist/relay-micro.js [--relays 1,2,3] [--pairs 4] [--events 20000] [--rooms 500] [--shards 16] [--out FILE] [--pg URL] [--nats URL] [--room DIR]
  --relays LIST    relay instances per run, alternated in this order each round (default 1,2,3)
  --pairs N        rounds (each runs every count once; default 4)
  --events N       events in the backlog of each run (default 20000)
  --rooms N        rooms they fall in (default 500)
  --shards N       ROOM_OUTBOX_SHARDS of the relays (default 16)
  --out FILE       also write the figures there (.json and .md beside it)
  --pg URL         Postgres to create the run's databases on (default postgres://postgres@127.0.0.1:5432/postgres)
  --nats URL       NATS with JetStream (default nats://127.0.0.1:4222)
  --room DIR       a build of the room service (its dist/) to load the relay from
`;

interface Options {
  relays: number[];
  pairs: number;
  events: number;
  rooms: number;
  shards: number;
  out?: string;
  pg: string;
  nats: string;
  room: string;
}

function options(): Options {
  const { values } = readCommandLine(usage, {
    options: {
      relays: { type: 'string', default: '1,2,3' },
      pairs: { type: 'string', default: '4' },
      events: { type: 'string', default: '20000' },
      rooms: { type: 'string', default: '500' },
      shards: { type: 'string', default: '16' },
      out: { type: 'string' },
      pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      room: { type: 'string', default: resolve(__dirname, '../../services/room/dist') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const count = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) usageFailed(usage, `--${name} must be a positive whole number, got ${v}`);
    return n;
  };
  return {
    relays: values.relays.split(',').map((v) => count('relays', v)),
    pairs: count('pairs', values.pairs),
    events: count('events', values.events),
    rooms: count('rooms', values.rooms),
    shards: count('shards', values.shards),
    out: values.out,
    pg: values.pg,
    nats: values.nats,
    room: resolve(values.room),
  };
}

const silent = () => createLogger({ service: 'relay-micro' }, 'silent');

/** A child: one relay on the run's database, publishing to the run's stream, until told to stop. */
async function child(): Promise<void> {
  const [url, nats, stream, shards, room] = process.argv.slice(3) as [string, string, string, string, string];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OutboxRelay } = require(resolve(room, 'outbox/outbox-relay.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { notifyOutbox, outboxChannel } = require(resolve(room, 'outbox/outbox.repository.js'));
  const database = await openDatabase({ url, poolSize: 4 }, silent());
  const bus = await NatsEventBus.connect(nats, `relay-micro-${process.pid}`, [{ name: stream, subjects: [`${stream.toLowerCase()}.>`], maxAgeSeconds: 600 }], silent());
  const relay = new OutboxRelay(database.db, bus, silent(), {
    pollIntervalMs: 500,
    batchSize: 256,
    maxBackoffMs: 5000,
    singleInstance: false,
    shards: Number(shards),
    listen: (onNotify: (p: string) => void, onLost: (e: Error) => void) => database.listen!(outboxChannel, onNotify, onLost),
    notify: (s: number[]) => notifyOutbox(database.db, s),
  });
  relay.start();
  process.send!('started');
  process.on('message', async () => {
    await relay.stop();
    await bus.close();
    await database.close();
    process.exit(0);
  });
}

async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One run: `relays` relay processes drain a backlog of `events`; events per second. */
async function run(o: Options, relays: number, index: number): Promise<number> {
  const database = await createBenchDatabase(o.pg);
  const stream = `RELAY_MICRO_${process.pid}_${index}`;
  const subject = stream.toLowerCase();
  const store = await openDatabase<any>({ url: database.url, poolSize: 2 }, silent());
  const bus = await NatsEventBus.connect(o.nats, 'relay-micro', [{ name: stream, subjects: [`${subject}.>`], maxAgeSeconds: 600 }], silent());
  const jsm = await bus.connection.jetstreamManager();
  const pg = new Client({ connectionString: database.url });
  await pg.connect();
  const children: ReturnType<typeof fork>[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { roomMigrations } = require(resolve(o.room, 'db/migrations/index.js'));
    await migrateToLatest(store.db, roomMigrations, 'room_migrations', silent());
    for (let i = 0; i < relays; i++) {
      const c = fork(__filename, ['--child', database.url, o.nats, stream, String(o.shards), o.room], { stdio: 'inherit' });
      children.push(c);
      await new Promise<void>((r, reject) => {
        c.once('message', () => r());
        c.once('exit', (code) => reject(new Error(`relay process exited (${code})`)));
      });
    }
    // The relays share the shards evenly before the backlog comes.
    const share = Math.ceil(o.shards / relays);
    await eventually(
      async () => {
        const { rows } = await pg.query<{ pid: number; n: number }>(
          `select pid, count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 7283002 and objsubid = 2 and granted
           and database = (select oid from pg_database where datname = current_database()) group by pid`,
        );
        return rows.length === relays && rows.reduce((a, r) => a + r.n, 0) === o.shards && rows.every((r) => r.n <= share);
      },
      20_000,
      'the relays to share the shards',
    );
    const payload = Buffer.alloc(200); // about a room event's size
    const rows = Array.from({ length: o.events }, (_, i) => {
      const room = `r${i % o.rooms}`;
      const seq = Math.floor(i / o.rooms) + 1;
      return { id: `${stream}-${room}-${seq}`, room_id: room, seq, subject: `${subject}.room.${room}.event`, payload, created_at: new Date() };
    });
    // One transaction: the whole backlog becomes visible at once.
    await store.db.transaction().execute(async (tx: any) => {
      for (let i = 0; i < rows.length; i += 1000) await tx.insertInto('room_events').values(rows.slice(i, i + 1000)).execute();
    });
    const began = performance.now();
    await pg.query(`select pg_notify('rtcroom_outbox', '')`);
    await eventually(async () => (await jsm.streams.info(stream)).state.messages >= o.events, 120_000, 'the backlog on the stream');
    return o.events / ((performance.now() - began) / 1000);
  } finally {
    for (const c of children) c.send('stop');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r)))));
    await jsm.streams.delete(stream).catch(() => undefined);
    await bus.close();
    await pg.end();
    await store.close();
    await database.drop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const o = options();
  const results = new Map<number, number[]>(o.relays.map((k) => [k, []]));
  const loads: number[] = [];
  let index = 0;
  for (let p = 0; p < o.pairs; p++) {
    for (const k of o.relays) {
      loads.push(loadavg()[0]!);
      const rate = await run(o, k, index++);
      results.get(k)!.push(rate);
      console.log(`round ${p + 1}: ${k} relay(s): ${rate.toFixed(0)} events/s (load ${loadavg()[0]!.toFixed(2)})`);
    }
  }
  const base = o.relays[0]!;
  const lines = [
    `# Outbox relay: events/s published with ${o.relays.join(', ')} relay instances`,
    '',
    `${o.events} events in ${o.rooms} rooms committed at once, ${o.shards} shards, each relay a process; ${o.pairs} rounds alternating ${o.relays.join(', ')}; load average (1 min) ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}.`,
    '',
    `| relays | events/s (median) | runs | vs ${base} relay: median of paired differences (range) | ratio (median of paired) |`,
    '|---|---|---|---|---|',
  ];
  for (const k of o.relays) {
    const xs = results.get(k)!;
    const diffs = xs.map((x, i) => x - results.get(base)![i]!);
    const ratios = xs.map((x, i) => x / results.get(base)![i]!);
    lines.push(
      `| ${k} | ${median(xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(', ')} | ${k === base ? '-' : `${median(diffs).toFixed(0)} (${Math.min(...diffs).toFixed(0)} .. ${Math.max(...diffs).toFixed(0)})`} | ${k === base ? '-' : `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)} .. ${Math.max(...ratios).toFixed(2)})`} |`,
    );
  }
  const md = lines.join('\n') + '\n';
  console.log(md);
  if (o.out) {
    writeFileSync(`${o.out}.md`, md);
    writeFileSync(`${o.out}.json`, JSON.stringify({ options: { ...o, room: undefined }, runs: Object.fromEntries(results), loadavg: loads }, null, 2) + '\n');
  }
}

if (process.argv[2] === '--child') {
  child().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
