// The transactional outbox: room events are inserted in the same transaction as the change they
// describe, and the relay publishes them in order.
import { sql } from 'kysely';
import { RoomDb } from './database';

export interface PendingEvent {
  position: number;
  id: string;
  subject: string;
  payload: Uint8Array;
}

export async function unpublishedEvents(db: RoomDb, limit: number): Promise<PendingEvent[]> {
  const rows = await db
    .selectFrom('room_events')
    .select(['position', 'id', 'subject', 'payload'])
    .where('published_at', 'is', null)
    .orderBy('position')
    .limit(limit)
    .execute();
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
