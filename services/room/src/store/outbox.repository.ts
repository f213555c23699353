// The transactional outbox: room events are inserted in the same transaction as the change they
// describe, and the relay publishes them in order.
import { prepared } from '@rtcroom/common';
import { CompiledQuery, sql } from 'kysely';
import { RoomDb } from './database';

export interface PendingEvent {
  position: number;
  id: string;
  subject: string;
  payload: Uint8Array;
}

const markAndReadSql = prepared(
  'with marked as (update room_events set published_at = $1 where position = any($2::int8[]) returning position) ' +
    'select position, id, subject, payload from room_events where published_at is null and not (position = any($2::int8[])) ' +
    'order by position limit $3',
);

/**
 * Marks the events published last time and reads the next ones, in one statement: one round trip per
 * batch instead of two. (The read does not see this statement's own marks, hence the exclusion.)
 */
export async function markAndReadUnpublished(db: RoomDb, published: number[], at: Date, limit: number): Promise<PendingEvent[]> {
  const positions = `{${published.join(',')}}`;
  const { rows } = await db.executeQuery<{ position: string; id: string; subject: string; payload: Uint8Array }>(
    CompiledQuery.raw(markAndReadSql, [at, positions, limit]),
  );
  return rows.map((r) => ({ position: Number(r.position), id: r.id, subject: r.subject, payload: r.payload }));
}

export async function markPublished(db: RoomDb, positions: number[], at: Date): Promise<void> {
  if (positions.length === 0) return;
  await db.updateTable('room_events').set({ published_at: at }).where('position', 'in', positions).execute();
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
