// The desk's tables as Kysely sees them (assembled with the others in db/database.ts).
import { ColumnType } from 'kysely';

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
