// Events an endpoint kept refusing, parked so that the events after them go on (per endpoint): listed
// for operators and tried again when they ask. The event itself stays in the outbox; a dead letter
// points at it by id.
import { sql } from 'kysely';
import { RoomDb } from '../db/database';
import { PendingDelivery } from './webhook.repository';

export interface DeadLetterRecord {
  webhookId: string;
  eventId: string;
  roomId: string;
  seq: number;
  /** rtcroom.room.<room_id>.<topic>, empty when the event is no longer stored. */
  subject: string;
  eventTime: Date | null;
  attempts: number;
  lastError: string;
  parkedAt: Date;
  redeliveryPending: boolean;
}

/** Where a page of dead letters ends (they are listed in the order they were parked). */
export interface DeadLetterPageCursor {
  parkedAt: Date;
  eventId: string;
}

export async function listDeadLetters(db: RoomDb, webhookId: string, limit: number, after: DeadLetterPageCursor | null): Promise<DeadLetterRecord[]> {
  let q = db
    .selectFrom('webhook_dead_letters as d')
    .leftJoin('room_events as e', 'e.id', 'd.event_id')
    .select(['d.webhook_id', 'd.event_id', 'd.room_id', 'd.seq', 'd.attempts', 'd.last_error', 'd.parked_at', 'd.redeliver_requested_at', 'e.subject', 'e.created_at'])
    .where('d.webhook_id', '=', webhookId);
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('d.parked_at', '>', after.parkedAt), eb.and([eb('d.parked_at', '=', after.parkedAt), eb('d.event_id', '>', after.eventId)])]),
    );
  }
  const rows = await q.orderBy('d.parked_at').orderBy('d.event_id').limit(limit).execute();
  return rows.map((r) => ({
    webhookId: r.webhook_id,
    eventId: r.event_id,
    roomId: r.room_id,
    seq: Number(r.seq),
    subject: r.subject ?? '',
    eventTime: r.created_at ? new Date(r.created_at) : null,
    attempts: r.attempts,
    lastError: r.last_error,
    parkedAt: new Date(r.parked_at),
    redeliveryPending: r.redeliver_requested_at !== null,
  }));
}

/** Asks for another attempt at an endpoint's dead letters (all of them when `eventIds` is empty); how many. */
export async function requestRedelivery(db: RoomDb, webhookId: string, eventIds: string[], now = new Date()): Promise<number> {
  let q = db.updateTable('webhook_dead_letters').set({ redeliver_requested_at: now }).where('webhook_id', '=', webhookId);
  if (eventIds.length > 0) q = q.where('event_id', 'in', eventIds);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export interface Redelivery {
  event: PendingDelivery | null;
  eventId: string;
  attempts: number;
  requestedAt: Date;
}

/** Dead letters whose redelivery was asked for, with their events (null: no longer stored). */
export async function dueRedeliveries(db: RoomDb, webhookId: string, limit: number): Promise<Redelivery[]> {
  const { rows } = await sql<{
    event_id: string;
    attempts: number;
    redeliver_requested_at: Date;
    position: number | null;
    tx: string | null;
    room_id: string;
    seq: number;
    subject: string | null;
    payload: Uint8Array | null;
    created_at: Date | null;
  }>`
    select d.event_id, d.attempts, d.redeliver_requested_at, e.position, e.tx::text as tx, d.room_id, d.seq, e.subject, e.payload, e.created_at
    from webhook_dead_letters d left join room_events e on e.id = d.event_id
    where d.webhook_id = ${webhookId} and d.redeliver_requested_at is not null
    order by d.parked_at, d.event_id
    limit ${limit}`.execute(db);
  return rows.map((r) => ({
    eventId: r.event_id,
    attempts: r.attempts,
    requestedAt: new Date(r.redeliver_requested_at),
    event:
      r.payload && r.tx !== null && r.subject !== null
        ? {
            cursor: { tx: r.tx, position: Number(r.position) },
            id: r.event_id,
            roomId: r.room_id,
            seq: Number(r.seq),
            subject: r.subject,
            payload: r.payload,
            createdAt: new Date(r.created_at!),
          }
        : null,
  }));
}

/**
 * The outcome of a redelivery: delivered, the dead letter goes; refused, it stays parked with the
 * new error until asked for again. A request made meanwhile (a later requestedAt) is left standing.
 */
export async function settleRedelivery(db: RoomDb, webhookId: string, r: Redelivery, error: string | null): Promise<void> {
  if (error === null) {
    await db
      .deleteFrom('webhook_dead_letters')
      .where('webhook_id', '=', webhookId)
      .where('event_id', '=', r.eventId)
      .where('redeliver_requested_at', '=', r.requestedAt)
      .execute();
    return;
  }
  await db
    .updateTable('webhook_dead_letters')
    .set({ attempts: r.attempts + 1, last_error: error, redeliver_requested_at: null })
    .where('webhook_id', '=', webhookId)
    .where('event_id', '=', r.eventId)
    .where('redeliver_requested_at', '=', r.requestedAt)
    .execute();
}
