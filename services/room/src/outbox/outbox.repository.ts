// The transactional outbox: room events are inserted in the same transaction as the change they
// describe, and the relay publishes them in order.
import { prepared } from '@rtcroom/common';
import { CompiledQuery, sql } from 'kysely';
import { RoomDb } from '../db/database';

/** An unpublished outbox row as read back: a room event (with its seq) or a user-addressed one. */
export interface PendingEvent {
  id: string;
  roomId: string;
  seq: number | null;
  subject: string;
  payload: Uint8Array;
  traceparent: string | null;
}

const readSql = prepared(
  'select id, room_id, seq, subject, payload, traceparent from room_events where published_at is null and not (id = any($1::text[])) ' +
    'order by position limit $2',
);

/** The next unpublished rows in the order written, leaving out those known to be published already. */
export async function readUnpublished(db: RoomDb, except: string[], limit: number): Promise<PendingEvent[]> {
  const { rows } = await db.executeQuery<{ id: string; room_id: string; seq: string | null; subject: string; payload: Uint8Array; traceparent: string | null }>(
    CompiledQuery.raw(readSql, [textArray(except), limit]),
  );
  return rows.map((r) => ({ id: r.id, roomId: r.room_id, seq: r.seq === null ? null : Number(r.seq), subject: r.subject, payload: r.payload, traceparent: r.traceparent }));
}

/** A text[] literal (node-postgres and PGlite both take it as it is). */
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

const markSql = prepared('update room_events set published_at = $1 where id = any($2::text[])');

export async function markPublished(db: RoomDb, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.executeQuery(CompiledQuery.raw(markSql, [at, textArray(ids)]));
}

/** Where instances tell the relay that the store has rows for it. */
export const outboxChannel = 'rtcroom_outbox';

export async function notifyOutbox(db: RoomDb): Promise<void> {
  await sql`select pg_notify(${outboxChannel}, '')`.execute(db);
}

/**
 * One relay at a time across all room-service instances, so events leave in the order they were
 * written: a session-level lock, held by the relay's own connection for as long as it relays.
 */
export async function tryTakeRelayLock(db: RoomDb): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(7283001) as locked`.execute(db);
  return rows[0]?.locked === true;
}

export async function releaseRelayLock(db: RoomDb): Promise<void> {
  await sql`select pg_advisory_unlock(7283001)`.execute(db);
}

/** A room's events after a seq, decoded by the caller. */
export async function roomEventsAfter(db: RoomDb, roomId: string, afterSeq: number, limit: number): Promise<Uint8Array[]> {
  const rows = await db
    .selectFrom('room_events')
    .select('payload')
    .where('room_id', '=', roomId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => r.payload);
}
