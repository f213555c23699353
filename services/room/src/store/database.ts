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
  state: string;
  owner_identity: string;
  member_count: number;
  seq: number;
  create_request_id: string | null;
  created_at: Date;
  closed_at: Date | null;
  close_reason: string | null;
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
}

export interface RoomEventsTable {
  position: Generated<number>;
  id: string;
  room_id: string;
  seq: number;
  subject: string;
  payload: ColumnType<Buffer, Uint8Array, Uint8Array>;
  created_at: Date;
  published_at: Date | null;
}

export interface RoomDatabase {
  rooms: RoomsTable;
  members: MembersTable;
  room_events: RoomEventsTable;
}

export type RoomDb = Kysely<RoomDatabase> | Transaction<RoomDatabase>;
