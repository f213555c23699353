// The relay reads the store only from the oldest transaction that was still running at its last
// complete read (outbox.repository.ts, readFrom): rows published before are left behind in the index
// of unpublished rows until a vacuum, and are not walked again. A transaction that commits after such
// a read was running during it, so its rows are still read. Real Postgres; a transaction held open on
// a connection of its own.
import { createLogger, EventBus, migrateToLatest, openDatabase, OpenDatabase } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { sql } from 'kysely';
import { Client } from 'pg';
import { RoomDatabase } from '../src/db/database';
import { roomMigrations } from '../src/db/migrations';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { readUnpublished } from '../src/outbox/outbox.repository';

const row = (roomId: string, seq: number) => ({ id: `late-${roomId}-${seq}`, room_id: roomId, seq, subject: `late.room.${roomId}.event`, payload: Buffer.from(String(seq)), created_at: new Date() });

describe('outbox reads from the oldest running transaction on', () => {
  let testDb: TestDatabase;
  let db: OpenDatabase<RoomDatabase>;
  let late: Client;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase<RoomDatabase>({ url: testDb.url }, createLogger({}, 'silent'));
    await migrateToLatest(db.db, roomMigrations, 'room_migrations', createLogger({}, 'silent'));
    late = new Client({ connectionString: testDb.url });
    await late.connect();
  });

  afterAll(async () => {
    await late?.end();
    await db?.close();
    await testDb?.drop();
  });

  beforeEach(async () => {
    await late.query('rollback'); // a test that failed midway leaves nothing open for the next
    await sql`delete from room_events`.execute(db.db);
  });

  /** The ids of the unpublished rows at or above a read's xmin, in the relay's order (none of r1's on a quiet cluster). */
  const fromXmin = async (xmin: string) =>
    (await sql<{ id: string }>`select id from room_events where published_at is null and tx >= ${xmin}::xid8 order by position`.execute(db.db)).rows.map((r) => r.id);

  it('leaves out rows below the xmin of a complete read, and still finds a late commit', async () => {
    await db.db.insertInto('room_events').values([row('r1', 1), row('r1', 2)]).execute();
    await late.query('begin');
    await late.query("insert into room_events (id, room_id, seq, subject, payload, created_at) values ('late-r2-1', 'r2', 1, 'late.room.r2.event', '\\x31', now())");
    const first = await readUnpublished(db.db, [], 10);
    expect(first.events.map((e) => e.id)).toEqual(['late-r1-1', 'late-r1-2']);
    // The late transaction runs: the oldest running is at most its id, so its rows stay in reach.
    const { rows } = await late.query<{ tx: string }>('select pg_current_xact_id()::text as tx');
    expect(BigInt(first.xmin)).toBeLessThanOrEqual(BigInt(rows[0]!.tx));
    // The rows read (in hand, as the relay would have them) are below it: not read again. The xmin
    // is the whole cluster's, so a transaction of another test that ran meanwhile can hold it
    // below them; then they are read again (and skipped as in hand), never missed.
    const second = await readUnpublished(db.db, [], 10, first.xmin);
    const visible = (await fromXmin(first.xmin)).filter((id) => id !== 'late-r2-1');
    expect(second.events.map((e) => e.id)).toEqual(visible);
    await late.query('commit');
    // Unless a transaction that began before the late one still runs (another test's: the xmin is the
    // whole cluster's), the next read is past the late transaction. Asked before the read: a
    // transaction that begins later has a larger id and cannot hold it back.
    const older = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where backend_xid::text::bigint <= ${BigInt(rows[0]!.tx) % 4294967296n}`.execute(db.db);
    const third = await readUnpublished(db.db, [], 10, first.xmin);
    expect(third.events.map((e) => e.id)).toEqual([...visible, 'late-r2-1']);
    expect(BigInt(third.xmin)).toBeGreaterThanOrEqual(BigInt(first.xmin));
    if (older.rows[0]!.n === '0') expect(BigInt(third.xmin)).toBeGreaterThan(BigInt(rows[0]!.tx));
  });

  it('publishes a late commit after its reads moved on, once each and in order', async () => {
    const published: string[] = [];
    const bus: EventBus = {
      publish: async (_subject: string, data: Uint8Array) => void published.push(Buffer.from(data).toString()),
      subscribe: () => ({ unsubscribe: () => undefined }),
      flush: async () => undefined,
      close: async () => undefined,
    } as unknown as EventBus;
    const relay = new OutboxRelay(db.db, bus, testLogger('relay'), { pollIntervalMs: 50, batchSize: 4, maxBackoffMs: 500, singleInstance: true, shards: 1 });
    relay.start();
    try {
      await late.query('begin');
      await late.query("insert into room_events (id, room_id, seq, subject, payload, created_at) values ('late-r2-1', 'r2', 1, 'late.room.r2.event', '\\x72322d31', now())");
      // Written by others meanwhile (more than a batch), read by the relay's polls while the late one runs.
      await db.db.insertInto('room_events').values([1, 2, 3, 4, 5, 6].map((seq) => row('r1', seq))).execute();
      await eventually(() => published.length === 6, 10_000, 'r1 published');
      await new Promise((r) => setTimeout(r, 300)); // several complete reads
      await late.query('commit');
      await eventually(() => published.length === 7, 10_000, 'the late commit published');
      await db.db.insertInto('room_events').values([row('r1', 7)]).execute();
      await eventually(() => published.length === 8, 10_000, 'a later row published');
      expect(published).toEqual(['1', '2', '3', '4', '5', '6', 'r2-1', '7']);
      await eventually(async () => Number((await sql<{ n: string }>`select count(*) as n from room_events where published_at is null`.execute(db.db)).rows[0]!.n) === 0, 10_000, 'all marked');
    } finally {
      await relay.stop();
    }
  });
});
