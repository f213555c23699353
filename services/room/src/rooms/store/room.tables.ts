// The rooms' tables as Kysely sees them (assembled with the others in db/database.ts).

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
  message_webhooks: boolean;
  max_audience: number;
  audio_only: boolean;
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
  role: string;
  seat_invited: boolean;
  /** 'mini_program' or 'browser'. */
  kind: string;
  /** JSON of a MediaState; null: as a new seat starts. */
  media: unknown;
}

export interface RoomBansTable {
  room_id: string;
  identity: string;
  until: Date;
  reason_text: string;
}
