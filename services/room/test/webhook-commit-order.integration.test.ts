// Webhook delivery against transactions that commit out of order, on the real Postgres: an event
// whose transaction commits after a later-numbered one has been read is still delivered, and every
// room's events arrive in seq order, also when transaction ids run against the rooms' order. The
// outbox relay, which keeps no cursor, publishes the late commit to NATS too.
import { openDatabase, OpenDatabase, openEventBus } from '@rtcroom/common';
import { eventually, testLogger, testNatsUrl } from '@rtcroom/common/testing';
import { roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { Kysely, sql } from 'kysely';
import { encodeRoomEvent } from '../src/rooms/transport/room-events';
import { RoomDatabase } from '../src/db/database';
import { lockRoomWithSeats, saveRoomWithEvents } from '../src/rooms/store/room.repository';
import { eventsInCommitOrder } from '../src/webhooks/webhook.repository';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Transactions a failed test left open, committed after it so the database can be dropped. */
const open = new Set<{ commit(): Promise<void> }>();

/**
 * A transaction open on the test's own connection. `first` runs at once (e.g. taking a transaction id
 * or writing a room event the way the room service's locked path does); the transaction commits when
 * `commit` is called.
 */
function openTransaction(db: Kysely<RoomDatabase>, first: (trx: Kysely<RoomDatabase>) => Promise<unknown>) {
  const ready = deferred();
  const release = deferred();
  let then: ((trx: Kysely<RoomDatabase>) => Promise<unknown>) | undefined;
  const done = db.transaction().execute(async (trx) => {
    await first(trx);
    ready.resolve();
    await release.promise;
    if (then) await then(trx);
  });
  done.catch(() => ready.resolve());
  const transaction = {
    ready: ready.promise,
    /** Runs `last` in the transaction, then commits. */
    async commit(last?: (trx: Kysely<RoomDatabase>) => Promise<unknown>) {
      open.delete(transaction);
      then = last;
      release.resolve();
      await done;
    },
  };
  open.add(transaction);
  return transaction;
}

/** Writes the room's next event (its metadata changes) through the repository, under the room's lock. */
async function writeRoomEvent(trx: Kysely<RoomDatabase>, roomId: string, metadata: string): Promise<number> {
  const locked = (await lockRoomWithSeats(trx, roomId))!;
  const room = { ...locked.room, metadata };
  room.seq += 1;
  const event = encodeRoomEvent(roomId, room.seq, { type: 'room_updated', room: { ...room } }, new Date());
  await saveRoomWithEvents(trx, room, locked.version + 1, [event]);
  return room.seq;
}

const takeTransactionId = async (trx: Kysely<RoomDatabase>) => {
  await sql`select pg_current_xact_id()`.execute(trx);
};

describe('webhook delivery in commit order', () => {
  let harness: RoomHarness;
  let receiver: WebhookReceiver;
  let store: OpenDatabase<RoomDatabase>;

  beforeAll(async () => {
    harness = await startRoomHarness({ ROOM_WEBHOOK_POLL_INTERVAL_MS: '50', ROOM_WEBHOOK_MIN_BACKOFF_MS: '50', ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    store = await openDatabase<RoomDatabase>({ url: harness.database.url, poolSize: 4 }, testLogger('test-db'));
    receiver = new WebhookReceiver();
    await receiver.start();
    await harness.webhooks.createWebhook({ url: receiver.url, secret: '' });
  });
  afterEach(async () => {
    for (const t of [...open]) await t.commit().catch(() => undefined);
  });
  afterAll(async () => {
    await receiver?.stop();
    await store?.close();
    await harness?.stop();
  });

  async function createRoom(name: string): Promise<string> {
    const { room } = await harness.client.createRoom({ room: roomv1.Room.fromPartial({ name }), requestId: '' });
    return room!.id;
  }

  it('delivers an event whose transaction commits after a later one was delivered', async () => {
    const x = await createRoom('late-x');
    const y = await createRoom('late-y');
    // Transaction 1 writes x's event (the lower position) and stays open...
    let lateSeq = 0;
    const first = openTransaction(store.db, async (trx) => {
      lateSeq = await writeRoomEvent(trx, x, 'written first, committed last');
    });
    await first.ready;
    // ...while transaction 2 (a join, through the service) writes y's event and commits.
    await harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: y, identity: 'u1', sessionId: 's1' }));
    await harness.service.webhooks.passNow();
    await harness.service.webhooks.passNow();
    // Held back while transaction 1 may still commit below it: delayed, not lost.
    expect(receiver.seqsOf(y)).not.toContain(2);
    await first.commit();
    await eventually(() => receiver.seqsOf(x).includes(lateSeq) && receiver.seqsOf(y).includes(2), 10_000, "both rooms' events");
    expect(receiver.seqsOf(x)).toEqual([1, 2]);
    expect(receiver.seqsOf(y)).toEqual([1, 2]);
  });

  it('publishes a late commit to NATS too, in the room\'s order (the relay keeps no cursor to skip it)', async () => {
    const bus = await openEventBus(testNatsUrl, 'late-commit-test', [], testLogger('bus'));
    const seen = new Map<string, number[]>();
    const sub = bus.subscribe('rtcroom.room.>', (m) => {
      const e = roomEventv1.RoomEvent.decode(m.data);
      seen.set(e.roomId, [...(seen.get(e.roomId) ?? []), e.seq]);
    });
    await bus.flush();
    try {
      const x = await createRoom('relay-x');
      const y = await createRoom('relay-y');
      const first = openTransaction(store.db, (trx) => writeRoomEvent(trx, x, 'late'));
      await first.ready;
      await harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: y, identity: 'u1', sessionId: 's1' }));
      await eventually(() => seen.get(y)?.includes(2), 10_000, "y's join on NATS");
      await first.commit();
      await eventually(() => seen.get(x)?.includes(2), 10_000, "x's late event on NATS");
      expect(seen.get(x)).toEqual([1, 2]);
      expect(seen.get(y)).toEqual([1, 2]);
    } finally {
      sub.unsubscribe();
      await bus.close();
    }
  });

  it("keeps a room's order when a transaction with an older id takes the room after a younger one", async () => {
    const x = await createRoom('order-x');
    await eventually(() => receiver.seqsOf(x).includes(1), 10_000, 'room created');
    // The older transaction takes its id first (as one that writes elsewhere before the room would)...
    const older = openTransaction(store.db, takeTransactionId);
    await older.ready;
    // ...then one that holds the horizon between the two ids...
    const horizon = openTransaction(store.db, takeTransactionId);
    await horizon.ready;
    // ...then a younger one writes the room's seq 2 and commits; the older one writes seq 3 after it.
    const younger = openTransaction(store.db, (trx) => writeRoomEvent(trx, x, 'younger id, seq 2'));
    await younger.ready;
    await younger.commit();
    await older.commit((trx) => writeRoomEvent(trx, x, 'older id, seq 3'));
    // Stamped with its own id alone, seq 3 would sort below the horizon and go before seq 2.
    await harness.service.webhooks.passNow();
    await horizon.commit();
    await eventually(() => receiver.seqsOf(x).length >= 3, 10_000, 'seqs 2 and 3');
    expect(receiver.seqsOf(x)).toEqual([1, 2, 3]);
  });

  it('delivers every event of many concurrent writers, each room in order', async () => {
    const rooms = await Promise.all(['many-a', 'many-b', 'many-c'].map(createRoom));
    // Joins and metadata changes from the service and from transactions of our own, interleaved.
    const held = rooms.map((r) => openTransaction(store.db, (trx) => writeRoomEvent(trx, r, 'held')));
    await Promise.all(held.map((h) => h.ready));
    const others = await Promise.all(['many-d', 'many-e'].map(createRoom));
    await Promise.all(
      others.flatMap((r) => ['a', 'b', 'c'].map((who) => harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: r, identity: who, sessionId: who })))),
    );
    await harness.service.webhooks.passNow();
    for (const h of held.reverse()) await h.commit();
    for (const r of rooms) await eventually(() => receiver.seqsOf(r).length >= 2, 10_000, `room ${r}`);
    for (const r of others) await eventually(() => receiver.seqsOf(r).length >= 4, 10_000, `room ${r}`);
    for (const r of rooms) expect(receiver.seqsOf(r)).toEqual([1, 2]);
    for (const r of others) expect(receiver.seqsOf(r)).toEqual([1, 2, 3, 4]);
  });

  it('walks transaction ids as numbers: 99999 before 100000, also as 9 before 10 (their text sorts the other way)', async () => {
    // Rows stamped below every real transaction (the cursor of the endpoint above is past them, and
    // they are marked published, so neither the dispatcher nor the relay sends them). The scale-out
    // test met this when the server's ids went from 99999 to 100000 in the middle of a walk. A young
    // cluster has not reached 100000 yet: then the largest power of ten it has passed stands in for it.
    const oldest = BigInt((await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(store.db)).rows[0]!.xmin);
    let power = 10n;
    while (power * 10n < oldest && power < 100000n) power *= 10n;
    const roomId = `r_text_order_${Date.now()}`;
    const stamped = [
      { tx: '10', seq: 1 },
      { tx: '9', seq: 2 },
      { tx: String(power), seq: 3 },
      { tx: String(power - 1n), seq: 4 },
    ];
    for (const { tx, seq } of stamped) {
      await sql`insert into room_events (id, room_id, seq, subject, payload, created_at, tx, published_at)
        values (${`${roomId}_${seq}`}, ${roomId}, ${seq}, ${`rtcroom.room.${roomId}.room.updated`}, ${Buffer.alloc(0)}, now(), ${tx}::xid8, now())`.execute(store.db);
    }
    const walked = (await eventsInCommitOrder(store.db, { tx: '0', position: 0 }, 1000)).filter((e) => e.roomId === roomId);
    expect(walked.map((e) => e.cursor.tx)).toEqual(['9', '10', String(power - 1n), String(power)]);
    // And from a cursor between them: only what sorts after it as a number.
    const after = (await eventsInCommitOrder(store.db, walked[1]!.cursor, 1000)).filter((e) => e.roomId === roomId);
    expect(after.map((e) => e.cursor.tx)).toEqual([String(power - 1n), String(power)]);
  });
});
