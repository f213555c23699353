// The room store's tables as Kysely sees them.
import { ColumnType, Generated, Kysely, Transaction } from 'kysely';

export interface RoomsTable {
  id: string;
  name: string;
  kind: string;
  display_name: string;
  max_members: number;
  metadata: string;
  recording: boolean;
  recording_formats: string;
  state: string;
  owner_identity: string;
  owner_rights: string;
  member_count: number;
  seq: number;
  create_request_id: string | null;
  created_at: Date;
  closed_at: Date | null;
  close_reason: string | null;
  owner_leave_policy: string;
  empty_timeout_seconds: number;
  departure_timeout_seconds: number;
  duplicate_identity: string;
  ever_joined: boolean;
  auto_close_at: Date | null;
  /** Bumped by every write to the room, its seats or its bans (see RoomTransactions). */
  version: number;
  /** The tx stamped on the room's latest event (xid8, as text; see room_events.tx). */
  event_tx: string;
}

export interface MembersTable {
  member_id: string;
  room_id: string;
  identity: string;
  display_name: string;
  state: string;
  stream_id: string;
  session_id: string;
  joined_at: Date;
  left_at: Date | null;
  leave_reason: string | null;
  avatar_url: string;
  custom_data: string;
  join_request_id: string | null;
  connection_interrupted: boolean;
  stream_source: string | null;
}

export interface RoomBansTable {
  room_id: string;
  identity: string;
  until: Date;
  reason_text: string;
}

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
  /**
   * xid8 (as text): at least the writing transaction's id and the tx of the room's previous event, so a
   * row below the oldest running transaction can no longer be preceded by a later commit (webhooks).
   */
  tx: ColumnType<string, string | undefined, never>;
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

export interface CallsTable {
  id: string;
  room_id: string;
  caller_identity: string;
  callee_identity: string;
  state: string;
  end_reason: string | null;
  ended_by: string;
  caller_stream_id: string;
  metadata: string;
  ring_timeout_seconds: number;
  created_at: Date;
  ring_at: Date | null;
  answer_at: Date | null;
  end_at: Date | null;
  deadline_at: Date | null;
  team_id: string | null;
  queue_at: Date | null;
  queue_position: number;
  estimated_wait_seconds: number;
  agent_identities: string;
  invited_identities: string;
  declined_by: string;
}

export interface TeamsTable {
  id: string;
  name: string;
  display_name: string;
  /** Formats joined by '|'. */
  recording_formats: string;
  ring_timeout_seconds: number;
  wrap_up_seconds: number;
  queue_limit: number;
  created_at: Date;
}

export interface AgentsTable {
  team_id: string;
  identity: string;
  state: string;
  state_since: Date;
  available_since: Date | null;
  wrap_up_until: Date | null;
}

export interface CallRecordingsTable {
  recording_id: string;
  call_id: string;
  team_id: string;
  customer_identity: string;
  agent_identities: string;
  recording: ColumnType<Buffer, Uint8Array, Uint8Array>;
  created_at: Date;
}

export interface RoomDatabase {
  rooms: RoomsTable;
  members: MembersTable;
  room_events: RoomEventsTable;
  room_bans: RoomBansTable;
  webhooks: WebhooksTable;
  webhook_dead_letters: WebhookDeadLettersTable;
  calls: CallsTable;
  teams: TeamsTable;
  agents: AgentsTable;
  call_recordings: CallRecordingsTable;
}

export type RoomDb = Kysely<RoomDatabase> | Transaction<RoomDatabase>;
