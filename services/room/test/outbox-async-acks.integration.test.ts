// The relay sends the next batch while the acknowledgements of the one before are on their way, and
// marks a batch published only once it and every batch before it are acknowledged. A room's next
// events wait for its last ones' acknowledgement: a batch lost on its way (nats.js drops what it
// buffered while disconnected) must not let a later one of the same room be stored first. Real
// Postgres and NATS; the acknowledgements of the first batch reach the relay late (held back in front
// of it), or the first batch is lost.
import { createLogger, EventBus, migrateToLatest, NatsEventBus, openDatabase, OpenDatabase } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { sql } from 'kysely';
import { RoomDatabase } from '../src/db/database';
import { roomMigrations } from '../src/db/migrations';
import { OutboxRelay } from '../src/outbox/outbox-relay';

const prefix = uniqueTestName('asyncacks');
const stream = { name: prefix.toUpperCase(), subjects: [`${prefix}.>`], maxAgeSeconds: 600 };

describe('outbox relay with acknowledgements in flight', () => {
  let testDb: TestDatabase;
  let db: OpenDatabase<RoomDatabase>;
  let nats: NatsEventBus;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase<RoomDatabase>({ url: testDb.url }, createLogger({}, 'silent'));
    await migrateToLatest(db.db, roomMigrations, 'room_migrations', createLogger({}, 'silent'));
    nats = await NatsEventBus.connect(testNatsUrl, prefix, [stream], createLogger({}, 'silent'));
  });

  afterAll(async () => {
    await relay?.stop();
    const jsm = await nats?.connection.jetstreamManager();
    await jsm?.streams.delete(stream.name).catch(() => undefined);
    await nats?.close();
    await db?.close();
    await testDb?.drop();
  });

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await sql`delete from room_events`.execute(db.db);
    const jsm = await nats.connection.jetstreamManager();
    await jsm.streams.purge(stream.name);
  });

  /**
   * Eight events: rows 1-4 of room `first`, 5-8 of room `second` (seqs 1-4 and 5-8 if the same room;
   * none when not `numbered`: user-addressed events of the room's call).
   */
  const insertEvents = async (first: string, second: string, numbered = true) => {
    const rows = Array.from({ length: 8 }, (_, i) => {
      const room = i < 4 ? first : second;
      return {
        id: `${prefix}-${room}-${numbered ? 'n' : 'u'}-${i + 1}`, // unique: JetStream drops a message id it saw lately
        room_id: room,
        seq: !numbered ? null : first === second ? i + 1 : (i % 4) + 1,
        subject: `${prefix}.room.${room}.event`,
        payload: Buffer.from(String(i + 1)),
        created_at: new Date(),
      };
    });
    await db.db.insertInto('room_events').values(rows).execute();
  };
  /** The events' numbers (1-8) in the order the stream stored them. */
  const storedSeqs = async () => {
    const jsm = await nats.connection.jetstreamManager();
    const { state } = await jsm.streams.info(stream.name);
    const seqs: number[] = [];
    for (let s = state.first_seq; s <= state.last_seq && state.messages > 0; s++) seqs.push(Number(Buffer.from((await jsm.streams.getMessage(stream.name, { seq: s })).data).toString()));
    return seqs;
  };
  const unpublished = async () => Number((await sql<{ n: string }>`select count(*) as n from room_events where published_at is null`.execute(db.db)).rows[0]!.n);
  /** A bus whose first four publishes go to NATS at once (in order) but are acknowledged only once released. */
  const firstAcksHeld = () => {
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    let sent = 0;
    const bus: EventBus = {
      publish: async (subject, data, options) => {
        const n = ++sent;
        await nats.publish(subject, data, options);
        if (n <= 4) await firstHeld;
      },
      subscribe: (s, h) => nats.subscribe(s, h),
      flush: () => nats.flush(),
      close: async () => undefined,
    };
    return { bus, releaseFirst, sent: () => sent };
  };
  const startRelay = (bus: EventBus) => {
    relay = new OutboxRelay(db.db, bus, testLogger('relay'), { pollIntervalMs: 100, batchSize: 4, maxBackoffMs: 500, singleInstance: true, shards: 1 });
    relay.start();
  };

  it('sends a batch of other rooms before the previous is acknowledged, and marks none until those before it are', async () => {
    const { bus, releaseFirst, sent } = firstAcksHeld();
    await insertEvents('r1', 'r2');
    startRelay(bus);

    // Both batches are out although the first is not acknowledged yet.
    expect(await eventually(async () => ((await storedSeqs()).length === 8 ? storedSeqs() : undefined), 10_000, 'both batches sent')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Marks go every half second: past a few of them, the second batch (acknowledged) is still unmarked.
    await new Promise((r) => setTimeout(r, 1300));
    expect(await unpublished()).toBe(8);
    releaseFirst();
    await eventually(async () => (await unpublished()) === 0, 10_000, 'every event marked published');
    expect(sent()).toBe(8); // nothing sent twice
  });

  it("holds a room's next batch until its previous one is acknowledged", async () => {
    const { bus, releaseFirst, sent } = firstAcksHeld();
    await insertEvents('r3', 'r3');
    startRelay(bus);

    await eventually(async () => (await storedSeqs()).length === 4, 10_000, 'the first batch sent');
    await new Promise((r) => setTimeout(r, 700));
    try {
      expect(sent()).toBe(4); // the second waits
    } finally {
      releaseFirst();
    }
    expect(await eventually(async () => ((await storedSeqs()).length === 8 ? storedSeqs() : undefined), 10_000, 'the second batch sent')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await eventually(async () => (await unpublished()) === 0, 10_000, 'every event marked published');
  });

  it('lets other rooms go while a room waits for its acknowledgement', async () => {
    // First batch: room r5's events 1-4, acks held. Second: r5's 5 and 6 (they wait), r6's 1 and 2 (they go).
    const { bus, releaseFirst, sent } = firstAcksHeld();
    const row = (n: number, room: string, seq: number) => ({ id: `${prefix}-${room}-${seq}`, room_id: room, seq, subject: `${prefix}.room.${room}.event`, payload: Buffer.from(String(n)), created_at: new Date() });
    await db.db.insertInto('room_events').values([row(1, 'r5', 1), row(2, 'r5', 2), row(3, 'r5', 3), row(4, 'r5', 4), row(5, 'r5', 5), row(6, 'r5', 6), row(7, 'r6', 1), row(8, 'r6', 2)]).execute();
    startRelay(bus);

    try {
      expect(await eventually(async () => ((await storedSeqs()).length === 6 ? storedSeqs() : undefined), 10_000, "r6's events sent")).toEqual([1, 2, 3, 4, 7, 8]);
      await new Promise((r) => setTimeout(r, 300));
      expect(sent()).toBe(6); // r5's 5 and 6 still wait
    } finally {
      releaseFirst();
    }
    expect(await eventually(async () => ((await storedSeqs()).length === 8 ? storedSeqs() : undefined), 10_000, "r5's last two sent")).toEqual([1, 2, 3, 4, 7, 8, 5, 6]);
    await eventually(async () => (await unpublished()) === 0, 10_000, 'every event marked published');
  });

  it.each([
    ['numbered events', true],
    ['user-addressed events (call events, seq null)', false],
  ])("keeps a room's order when a batch is lost on its way and fails only later: %s", async (_kind, numbered) => {
    // The first four publishes never reach NATS (as when nats.js drops its buffer at a reconnect) and
    // fail after a while; everything after goes through. Before the fix the second batch went out
    // meanwhile and was stored first: 5, 6, 7, 8, 1, 2, 3, 4.
    let sent = 0;
    const bus: EventBus = {
      publish: async (subject, data, options) => {
        const n = ++sent;
        if (n <= 4) {
          await new Promise((r) => setTimeout(r, 300));
          throw new Error('lost on the way');
        }
        await nats.publish(subject, data, options);
      },
      subscribe: (s, h) => nats.subscribe(s, h),
      flush: () => nats.flush(),
      close: async () => undefined,
    };
    await insertEvents('r4', 'r4', numbered);
    startRelay(bus);

    expect(await eventually(async () => ((await storedSeqs()).length === 8 ? storedSeqs() : undefined), 10_000, 'all eight stored')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await eventually(async () => (await unpublished()) === 0, 10_000, 'every event marked published');
  });
});
