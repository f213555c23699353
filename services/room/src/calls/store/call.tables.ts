// The calls table as Kysely sees it (assembled with the others in db/database.ts).

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
