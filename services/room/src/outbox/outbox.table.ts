// The outbox (room_events) as Kysely sees it (assembled with the others in db/database.ts).
import { ColumnType, Generated } from 'kysely';

export interface RoomEventsTable {
  position: Generated<number>;
  id: string;
  room_id: string;
  /** Null for rows addressed to a user (call events), not numbered in the room. */
  seq: number | null;
  subject: string;
  payload: ColumnType<Buffer, Uint8Array, Uint8Array>;
  created_at: Date;
  published_at: Date | null;
  /** The writing change's trace (W3C traceparent), continued by the relay's publish; null: tracing was off. */
  traceparent: string | null;
  /**
   * xid8 (as text): at least the writing transaction's id and the tx of the room's previous event, so a
   * row below the oldest running transaction can no longer be preceded by a later commit (webhooks).
   */
  tx: ColumnType<string, string | undefined, never>;
}
