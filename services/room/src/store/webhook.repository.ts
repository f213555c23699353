// Webhook endpoints and their delivery cursors over the room event outbox.
import { sql } from 'kysely';
import { RoomDb, WebhooksTable } from './database';

export interface WebhookRecord {
  id: string;
  url: string;
  secret: string;
  createdAt: Date;
  cursorPosition: number;
  deliveredCount: number;
  failedAttempts: number;
  lastError: string;
}

const toWebhook = (r: WebhooksTable): WebhookRecord => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  createdAt: new Date(r.created_at),
  cursorPosition: Number(r.cursor_position),
  deliveredCount: Number(r.delivered_count),
  failedAttempts: r.failed_attempts,
  lastError: r.last_error,
});

/** Registers an endpoint; it receives events written from now on. */
export async function insertWebhook(db: RoomDb, w: { id: string; url: string; secret: string; createdAt: Date }): Promise<WebhookRecord> {
  const { rows } = await sql<{ max: number | null }>`select max(position) as max from room_events`.execute(db);
  const row = await db
    .insertInto('webhooks')
    .values({
      id: w.id,
      url: w.url,
      secret: w.secret,
      created_at: w.createdAt,
      cursor_position: Number(rows[0]?.max ?? 0),
      delivered_count: 0,
      failed_attempts: 0,
      last_error: '',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWebhook(row);
}

export async function listWebhooks(db: RoomDb): Promise<WebhookRecord[]> {
  return (await db.selectFrom('webhooks').selectAll().orderBy('created_at').execute()).map(toWebhook);
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

export interface PendingDelivery {
  position: number;
  id: string;
  roomId: string;
  seq: number;
  subject: string;
  payload: Uint8Array;
  createdAt: Date;
}

export async function eventsAfterPosition(db: RoomDb, position: number, limit: number): Promise<PendingDelivery[]> {
  const rows = await db
    .selectFrom('room_events')
    .select(['position', 'id', 'room_id', 'seq', 'subject', 'payload', 'created_at'])
    .where('position', '>', position)
    // Room events only: user-addressed rows (calls) are not webhook material.
    .where('seq', 'is not', null)
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    position: Number(r.position),
    id: r.id,
    roomId: r.room_id,
    seq: Number(r.seq ?? 0),
    subject: r.subject,
    payload: r.payload,
    createdAt: new Date(r.created_at),
  }));
}

/** Records progress, releasing the lease; only the lease holder's word counts. */
export async function recordDelivery(
  db: RoomDb,
  id: string,
  owner: string,
  outcome: { cursorPosition: number; delivered: number; failedAttempts: number; lastError: string; nextAttemptAt: Date | null },
): Promise<void> {
  await db
    .updateTable('webhooks')
    .set((eb) => ({
      cursor_position: outcome.cursorPosition,
      delivered_count: eb('delivered_count', '+', outcome.delivered),
      failed_attempts: outcome.failedAttempts,
      last_error: outcome.lastError,
      next_attempt_at: outcome.nextAttemptAt,
      lease_owner: null,
      lease_until: null,
    }))
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}
