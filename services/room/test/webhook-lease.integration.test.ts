// The webhook dispatcher's lease against its own passes, on the real Postgres: a pass that leased an
// endpoint while the endpoint's delivery was recording reads the cursor from before that record; the
// delivery it starts must not walk from there (again, and without the lease, which the record
// released: another instance may hold it by then).
import { migrateToLatest, openDatabase, OpenDatabase } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { roomEventv1 } from '@rtcroom/proto';
import { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, sql, UnknownRow } from 'kysely';
import { RoomDatabase } from '../src/db/database';
import { roomMigrations } from '../src/db/migrations';
import { defaultWebhookOptions, WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { parseWebhookAllowList, WebhookTargets } from '../src/webhooks/webhook-target';
import { insertWebhook } from '../src/webhooks/webhook.repository';
import { WebhookReceiver } from './support/webhook-receiver';

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Holds back, once each, the answer to a chosen kind of statement after Postgres has run it: `arrived`
 * resolves when it has run, and the caller gets the answer only after `release`.
 */
class Gate implements KyselyPlugin {
  private readonly held = new Map<unknown, { arrived: () => void; release: Promise<void> }>();
  private readonly armed: { match: (node: RootOperationNode) => boolean; arrived: () => void; release: Promise<void> }[] = [];

  hold(match: (node: RootOperationNode) => boolean): { arrived: Promise<void>; release: () => void } {
    const arrived = deferred();
    const release = deferred();
    this.armed.push({ match, arrived: () => arrived.resolve(), release: release.promise });
    return { arrived: arrived.promise, release: () => release.resolve() };
  }

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    const i = this.armed.findIndex((a) => a.match(node));
    if (i >= 0) this.held.set(queryId.queryId, this.armed.splice(i, 1)[0]);
    return node;
  }

  async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const h = this.held.get(queryId.queryId);
    if (h) {
      this.held.delete(queryId.queryId);
      h.arrived();
      await h.release;
    }
    return result;
  }
}

/** The pass's lease: the only UPDATE of webhooks that returns rows. */
const isLease = (node: RootOperationNode) => node.kind === 'UpdateQueryNode' && node.returning !== undefined;
/** A delivery's read of the outbox. */
const isWalk = (node: RootOperationNode) => node.kind === 'RawNode' && node.sqlFragments.join('').includes('order by e.tx, e.position');

describe('webhook lease', () => {
  let database: TestDatabase;
  let store: OpenDatabase<RoomDatabase>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openDatabase<RoomDatabase>({ url: database.url, poolSize: 4 }, testLogger('test-db'));
    await migrateToLatest(store.db, roomMigrations, 'room_migrations', testLogger('migrations'));
    receiver = new WebhookReceiver();
    await receiver.start();
  }, 60_000);
  afterAll(async () => {
    await receiver?.stop();
    await store?.close();
    await database?.drop();
  });

  it('starts no delivery from a cursor read before the previous delivery recorded its own', async () => {
    const { db } = store;
    await insertWebhook(db, { id: 'wh_lease', url: receiver.url, secret: '', createdAt: new Date() });
    const roomId = 'r_lease';
    for (const seq of [1, 2, 3]) {
      const payload = roomEventv1.RoomEvent.encode(roomEventv1.RoomEvent.fromPartial({ id: `ev_${seq}`, roomId, seq })).finish();
      await sql`insert into room_events (id, room_id, seq, subject, payload, created_at) values (${`ev_${seq}`}, ${roomId}, ${seq}, ${`rtcroom.room.${roomId}.room.updated`}, ${payload}, now())`.execute(db);
    }
    // Walks reach only below the oldest transaction running on the whole server (webhook-dispatcher.ts):
    // another test's transaction may hold it back for a moment. Once past these rows it stays past.
    await eventually(
      async () => (await sql<{ n: number }>`select count(*)::int as n from room_events where room_id = ${roomId} and tx < pg_snapshot_xmin(pg_current_snapshot())`.execute(db)).rows[0]!.n === 3,
      20_000,
      'the horizon past the events',
    );
    const gate = new Gate();
    const recorded: (() => void)[] = [];
    const dispatcher = new WebhookDispatcher(
      db.withPlugin(gate),
      new WebhookTargets(parseWebhookAllowList('ROOM_WEBHOOK_ALLOWED_HOSTS', '127.0.0.1')),
      testLogger('webhooks'),
      // No pass but those the test starts (kick); a batch holds all three events.
      { ...defaultWebhookOptions, pollIntervalMs: 60_000 },
      // Told after each delivery's record (and before the delivery is over).
      { webhookAttempt: () => undefined, webhookDeadLettered: () => recorded.shift()?.() },
    );
    try {
      // Pass 1 leases the endpoint and starts delivering; its read of the outbox is held.
      const walk = gate.hold(isWalk);
      dispatcher.kick();
      await walk.arrived;
      // Pass 2 leases the endpoint again (a renewal: the delivery is under way) and reads its
      // cursor, still before the first event; its answer is held until that delivery is over.
      const lease = gate.hold(isLease);
      dispatcher.kick();
      await lease.arrived;
      const record = deferred();
      recorded.push(record.resolve);
      walk.release();
      await record.promise;
      await new Promise((r) => setImmediate(r)); // the delivery's settling (then, finally) runs
      expect(receiver.seqsOf(roomId)).toEqual([1, 2, 3]);
      // Pass 2 goes on with what it read: the endpoint is free here, but its copy is stale.
      lease.release();
      await dispatcher.passNow();
      expect(receiver.seqsOf(roomId)).toEqual([1, 2, 3]);
      const [row] = (await sql<{ n: number }>`select count(*)::int as n from webhooks where lease_owner is not null`.execute(db)).rows;
      expect(row.n).toBe(0);
    } finally {
      await dispatcher.stop();
    }
  });
});
