// The webhooks' tables as Kysely sees them (assembled with the others in db/database.ts).

export interface WebhooksTable {
  id: string;
  url: string;
  secret: string;
  created_at: Date;
  /** Deliveries continue after (cursor_tx, cursor_position) in room_events' commit order. */
  cursor_tx: string;
  cursor_position: number;
  delivered_count: number;
  failed_attempts: number;
  last_error: string;
  next_attempt_at: Date | null;
  lease_owner: string | null;
  lease_until: Date | null;
}

export interface WebhookDeadLettersTable {
  webhook_id: string;
  event_id: string;
  room_id: string;
  seq: number;
  attempts: number;
  last_error: string;
  parked_at: Date;
  redeliver_requested_at: Date | null;
}
