// Webhook endpoints and their delivery cursors over the room event outbox, walked in commit order
// (room_events.tx, then position: see webhook-dispatcher.ts).
import { sql } from 'kysely';
import { RoomDb } from '../db/database';
import { WebhooksTable } from './webhook.tables';

/** A place in the outbox's commit order: everything at or before it has been dealt with. */
export interface OutboxCursor {
  /** xid8, as text. */
  tx: string;
  position: number;
}

export interface WebhookRecord {
  id: string;
  url: string;
  secret: string;
  createdAt: Date;
  cursor: OutboxCursor;
  deliveredCount: number;
  failedAttempts: number;
  lastError: string;
  deadLetterCount: number;
}

const toWebhook = (r: WebhooksTable & { dead_letters?: number | string | null }): WebhookRecord => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  createdAt: new Date(r.created_at),
  cursor: { tx: String(r.cursor_tx), position: Number(r.cursor_position) },
  deliveredCount: Number(r.delivered_count),
  failedAttempts: r.failed_attempts,
  lastError: r.last_error,
  deadLetterCount: Number(r.dead_letters ?? 0),
});

/**
 * Registers an endpoint; it receives the events of every transaction that commits from now on.
 * Its cursor starts at the oldest transaction still running: events of transactions that had already
 * committed below it are not sent, and nothing that commits later can be below it.
 */
export async function insertWebhook(db: RoomDb, w: { id: string; url: string; secret: string; createdAt: Date }): Promise<WebhookRecord> {
  const row = await db
    .insertInto('webhooks')
    .values({
      id: w.id,
      url: w.url,
      secret: w.secret,
      created_at: w.createdAt,
      cursor_tx: sql<string>`pg_snapshot_xmin(pg_current_snapshot())`,
      cursor_position: 0,
      delivered_count: 0,
      failed_attempts: 0,
      last_error: '',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWebhook(row);
}

export async function listWebhooks(db: RoomDb): Promise<WebhookRecord[]> {
  const rows = await db
    .selectFrom('webhooks as w')
    .selectAll('w')
    .select((eb) => eb.selectFrom('webhook_dead_letters as d').whereRef('d.webhook_id', '=', 'w.id').select(eb.fn.countAll<string>().as('n')).as('dead_letters'))
    .orderBy('w.created_at')
    .execute();
  return rows.map(toWebhook);
}

export async function findWebhook(db: RoomDb, id: string): Promise<WebhookRecord | undefined> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toWebhook(row);
}

export async function webhookExists(db: RoomDb, id: string): Promise<boolean> {
  return (await db.selectFrom('webhooks').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function anyWebhooks(db: RoomDb): Promise<boolean> {
  return (await db.selectFrom('webhooks').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function deleteWebhook(db: RoomDb, id: string): Promise<boolean> {
  const res = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Takes the lease of every endpoint that is due and not held by another instance. */
export async function leaseDueWebhooks(db: RoomDb, owner: string, now: Date, leaseMs: number): Promise<WebhookRecord[]> {
  const rows = await db
    .updateTable('webhooks')
    .set({ lease_owner: owner, lease_until: new Date(now.getTime() + leaseMs) })
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now), eb('lease_owner', '=', owner)]))
    .returningAll()
    .execute();
  return rows.map(toWebhook);
}

/**
 * The endpoint as it is now, if `owner` holds its lease until after `now`: what a delivery starts
 * from. The pass that leased it read its cursor a moment earlier, and in that moment the endpoint's
 * previous delivery here may have recorded a later cursor and released the lease (then undefined).
 */
export async function heldWebhook(db: RoomDb, id: string, owner: string, now: Date): Promise<WebhookRecord | undefined> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).where('lease_owner', '=', owner).where('lease_until', '>', now).executeTakeFirst();
  return row && toWebhook(row);
}

/** Makes an endpoint due now (a redelivery was asked for). */
export async function makeWebhookDue(db: RoomDb, id: string): Promise<void> {
  await db.updateTable('webhooks').set({ next_attempt_at: null }).where('id', '=', id).execute();
}

export interface PendingDelivery {
  cursor: OutboxCursor;
  id: string;
  roomId: string;
  seq: number;
  subject: string;
  payload: Uint8Array;
  createdAt: Date;
  /** The trace of the change that wrote the event (outbox), continued by its delivery; absent: none. */
  traceparent?: string | null;
}

/**
 * The room events after `cursor` in commit order, up to the oldest transaction still running: no
 * transaction that commits later can stamp a row below that horizon, so the walk never passes a row
 * that is not there yet. Room events only: user-addressed rows (calls) are not webhook material.
 */
/**
 * The rows webhooks walk: the rooms' numbered events, and supervision's audit rows (seq null, on a
 * user subject: desk/transport/supervision-events.ts). The partial index room_events_webhook_order
 * has this very predicate.
 */
const forWebhooksRow = sql.raw(`(seq is not null or subject like '%.call.supervised')`);

export async function eventsInCommitOrder(db: RoomDb, cursor: OutboxCursor, limit: number): Promise<PendingDelivery[]> {
  // Ordered by the table's columns, qualified: a bare `order by tx` would name the output column
  // (the text), and '100000' sorts before '99999': a walk that crossed such a boundary sent a room's
  // later events first and moved its cursor past the earlier ones.
  const { rows } = await sql<{ position: number; tx: string; id: string; room_id: string; seq: number; subject: string; payload: Uint8Array; created_at: Date; traceparent: string | null }>`
    select e.position, e.tx::text as tx, e.id, e.room_id, e.seq, e.subject, e.payload, e.created_at, e.traceparent from room_events e
    where (e.tx, e.position) > (${cursor.tx}::xid8, ${cursor.position}::int8)
      and e.tx < pg_snapshot_xmin(pg_current_snapshot())
      and ${forWebhooksRow}
    order by e.tx, e.position
    limit ${limit}`.execute(db);
  return rows.map((r) => ({
    cursor: { tx: r.tx, position: Number(r.position) },
    id: r.id,
    roomId: r.room_id,
    seq: Number(r.seq),
    subject: r.subject,
    payload: r.payload,
    createdAt: new Date(r.created_at),
    traceparent: r.traceparent,
  }));
}

/** An event given up on after the configured number of attempts (see webhook-dead-letter.repository.ts). */
export interface ParkedEvent {
  event: PendingDelivery;
  attempts: number;
  lastError: string;
}

/**
 * Records progress and parks what was given up on, in one transaction, releasing the lease; only the
 * lease holder's word counts (a lease that ran out and was taken meanwhile writes nothing).
 */
export async function recordDelivery(
  db: RoomDb,
  id: string,
  owner: string,
  outcome: { cursor: OutboxCursor; delivered: number; failedAttempts: number; lastError: string; nextAttemptAt: Date | null; parked: ParkedEvent[] },
  now = new Date(),
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const held = await trx
      .updateTable('webhooks')
      .set((eb) => ({
        cursor_tx: outcome.cursor.tx,
        cursor_position: outcome.cursor.position,
        delivered_count: eb('delivered_count', '+', outcome.delivered),
        failed_attempts: outcome.failedAttempts,
        last_error: outcome.lastError,
        next_attempt_at: outcome.nextAttemptAt,
        lease_owner: null,
        lease_until: null,
      }))
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    if (Number(held.numUpdatedRows) === 0 || outcome.parked.length === 0) return;
    await trx
      .insertInto('webhook_dead_letters')
      .values(
        outcome.parked.map((p) => ({
          webhook_id: id,
          event_id: p.event.id,
          room_id: p.event.roomId,
          seq: p.event.seq,
          attempts: p.attempts,
          last_error: p.lastError,
          parked_at: now,
          redeliver_requested_at: null,
        })),
      )
      .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
      .execute();
  });
}
