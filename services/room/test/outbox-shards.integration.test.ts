// Several outbox relays (as several room-service instances run them) on one store: they share the
// rooms' shards evenly, hand them over as relays come, and take over a relay whose connections drop
// mid-stream - nothing lost, nothing out of order within a room, every event stored once.
// Real Postgres and NATS; the events go to a stream of this test's own.
import { createLogger, migrateToLatest, NatsEventBus, openDatabase, OpenDatabase } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { sql } from 'kysely';
import { RoomDatabase } from '../src/db/database';
import { roomMigrations } from '../src/db/migrations';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { notifyOutbox, outboxChannel, shardOf } from '../src/outbox/outbox.repository';

const shards = 12;
const prefix = uniqueTestName('relayshards');
const stream = { name: prefix.toUpperCase(), subjects: [`${prefix}.>`], maxAgeSeconds: 600 };

interface RunningRelay {
  name: string;
  relay: OutboxRelay;
  database: OpenDatabase<RoomDatabase>;
  bus: NatsEventBus;
}

describe('outbox relays sharing the rooms by shards', () => {
  let testDb: TestDatabase;
  let writer: OpenDatabase<RoomDatabase>;
  let reader: NatsEventBus;
  const relays: RunningRelay[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    writer = await openDatabase<RoomDatabase>({ url: testDb.url }, createLogger({}, 'silent'));
    await migrateToLatest(writer.db, roomMigrations, 'room_migrations', createLogger({}, 'silent'));
    reader = await NatsEventBus.connect(testNatsUrl, 'relay-shards-reader', [stream], createLogger({}, 'silent'));
  });

  afterAll(async () => {
    for (const r of [...relays]) await stopRelay(r);
    const jsm = await reader?.connection.jetstreamManager();
    await jsm?.streams.delete(stream.name).catch(() => undefined);
    await reader?.close();
    await writer?.close();
    await testDb?.drop();
  });

  async function startRelay(name: string): Promise<RunningRelay> {
    const url = new URL(testDb.url);
    url.searchParams.set('application_name', `${prefix}-${name}`);
    const database = await openDatabase<RoomDatabase>({ url: url.toString(), poolSize: 4 }, createLogger({}, 'silent'));
    const bus = await NatsEventBus.connect(testNatsUrl, `${prefix}-${name}`, [stream], createLogger({}, 'silent'));
    const relay = new OutboxRelay(database.db, bus, testLogger(`relay-${name}`), {
      pollIntervalMs: 300,
      batchSize: 64,
      maxBackoffMs: 500,
      singleInstance: false,
      shards,
      listen: (onNotify, onLost) => database.listen!(outboxChannel, onNotify, onLost),
      notify: (s) => notifyOutbox(database.db, s),
    });
    relay.start();
    const running = { name, relay, database, bus };
    relays.push(running);
    return running;
  }

  async function stopRelay(r: RunningRelay): Promise<void> {
    relays.splice(relays.indexOf(r), 1);
    await r.relay.stop();
    await r.bus.close();
    await r.database.close();
  }

  /** Each relay's shards once they are disjoint, cover all and have the sizes wanted. */
  const settled = (wanted: number[]) =>
    eventually(
      () => {
        const owned = relays.map((r) => r.relay.ownedShards());
        const all = owned.flat().sort((a, b) => a - b);
        const sizes = owned.map((o) => o.length).sort((a, b) => a - b);
        return JSON.stringify(all) === JSON.stringify([...Array(shards).keys()]) && JSON.stringify(sizes) === JSON.stringify(wanted) ? owned : undefined;
      },
      15_000,
      () => `shards of ${wanted.length} relays to settle at ${wanted.join('/')}: ${JSON.stringify(relays.map((r) => r.relay.ownedShards()))}`,
    );

  let rooms: string[] = [];
  const lastSeq = new Map<string, number>();
  /** One event in each room (its next seq), all in one transaction-less statement. */
  async function writeRound(): Promise<void> {
    const rows = rooms.map((room) => {
      const seq = (lastSeq.get(room) ?? 0) + 1;
      lastSeq.set(room, seq);
      return { id: `${room}-${seq}`, room_id: room, seq, subject: `${prefix}.room.${room}.event`, payload: Buffer.from(`${room}:${seq}`), created_at: new Date() };
    });
    await writer.db.insertInto('room_events').values(rows).execute();
    await notifyOutbox(writer.db, [...new Set(rooms.map((r) => shardOf(r, shards)))]);
  }

  /** Every message of the stream, as room -> the seqs in the order stored. */
  async function stored(): Promise<Map<string, number[]>> {
    const jsm = await reader.connection.jetstreamManager();
    const { state } = await jsm.streams.info(stream.name);
    const byRoom = new Map<string, number[]>();
    for (let s = state.first_seq; s <= state.last_seq; s++) {
      const m = await jsm.streams.getMessage(stream.name, { seq: s });
      const [room, seq] = Buffer.from(m.data).toString().split(':');
      byRoom.set(room!, [...(byRoom.get(room!) ?? []), Number(seq)]);
    }
    return byRoom;
  }

  const unpublished = async () => Number((await sql<{ n: string }>`select count(*) as n from room_events where published_at is null`.execute(writer.db)).rows[0]!.n);

  it('one relay owns every shard; a second and a third joining get an even share, handed over', async () => {
    await startRelay('a');
    await settled([shards]);
    await startRelay('b');
    await settled([6, 6]);
    await startRelay('c');
    await settled([4, 4, 4]);
  });

  it('publishes from three relays, loses nothing and reorders no room when one relay loses its connections mid-stream', async () => {
    rooms = Array.from({ length: 30 }, (_, i) => `${prefix}-r${i}`);
    // The rooms fall in many shards, so every relay publishes some of them.
    const owners = new Set(rooms.map((r) => relays.findIndex((x) => x.relay.ownedShards().includes(shardOf(r, shards)))));
    expect(owners.size).toBe(3);
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      if (i === 10) {
        // Relay b's connections (its locks' one, the listening one, the pool's) are dropped by the
        // server, as when its process is killed: a batch may be in flight.
        const { rows } = await sql<{ n: number }>`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ${`${prefix}-b`}`.execute(writer.db);
        expect(rows[0]!.n).toBeGreaterThan(0);
      }
      await writeRound();
    }
    // Relay b comes back (its loop retries): the three share the shards evenly again.
    await settled([4, 4, 4]);
    await eventually(async () => ((await unpublished()) === 0 ? true : undefined), 30_000, 'every event published and marked');
    const byRoom = await stored();
    const wanted = Array.from({ length: rounds }, (_, i) => i + 1);
    for (const room of rooms) expect([room, byRoom.get(room)]).toEqual([room, wanted]);
  });

  it("computes a room's shard the same in the relay (NOTIFY, handed rows) and in the store's reads", async () => {
    const { rows } = await sql<{ room_id: string; shard: number }>`
      select distinct room_id, ('x' || substr(md5(room_id), 1, 7))::bit(28)::int % ${shards}::int as shard from room_events`.execute(writer.db);
    expect(rows.length).toBe(rooms.length);
    for (const r of rows) expect([r.room_id, r.shard]).toEqual([r.room_id, shardOf(r.room_id, shards)]);
  });

  it('a relay stopped hands its shards to the others, which publish what it left', async () => {
    const c = relays.find((r) => r.name === 'c')!;
    await stopRelay(c);
    await settled([6, 6]);
    const before = [...lastSeq.values()][0]!;
    for (let i = 0; i < 5; i++) await writeRound();
    await eventually(async () => ((await unpublished()) === 0 ? true : undefined), 30_000, 'every event published and marked');
    const byRoom = await stored();
    const wanted = Array.from({ length: before + 5 }, (_, i) => i + 1);
    for (const room of rooms) expect([room, byRoom.get(room)]).toEqual([room, wanted]);
  });
});
