// The url-issuer's own tables (it shares a Postgres database with the room service at most, never
// a table): recordings the media servers reported, the facts already seen (de-duplication), and
// which stream each Tencent callback signature signed for, and the media facts waiting for NATS.
import { ColumnType, Generated, Kysely } from 'kysely';

export interface MediaRecordingsTable {
  recording_id: string;
  /** What makes two reports the same file: "tencent:<file_id>" or "nginx-rtmp:<path>". */
  dedup_key: string;
  media_server: string;
  room_id: string;
  member_id: string;
  identity: string;
  stream_id: string;
  file_path: string;
  url: string;
  format: string;
  size_bytes: number;
  start_time: Date | null;
  end_time: Date | null;
  media_file_id: string;
  created_at: Date;
  /** When its RecordingReady event was stored on the bus; null until then (announced again on a retry). */
  announced_at: Date | null;
}

export interface MediaFactsTable {
  fact_key: string;
  created_at: Date;
}

export interface TencentCallbackSignsTable {
  /** "<t>:<sign>" */
  sign_pair: string;
  stream_id: string;
  /** t: after it the pair is refused as stale anyway, and its row is dropped. */
  expires_at: Date;
}

export interface TrtcCallbacksTable {
  /** The callback's Sign header: one per body, so one per callback. */
  sign: string;
  /** When its CallbackTs is too old to be taken anyway; the row is dropped after. */
  expires_at: Date;
}

export interface TrtcRoomUsersTable {
  room_id: string;
  user_id: string;
  /** The membership the user id is the stream of; '' for a user without one. */
  member_id: string;
  identity: string;
  entered: boolean;
  video: boolean;
  audio: boolean;
  /** TRTC's EventMsTs of the last event applied to each part (bigint: read back as a string). */
  presence_ms: number | string;
  video_ms: number | string;
  audio_ms: number | string;
  entered_at: Date | null;
  left_at: Date | null;
  updated_at: Date;
}

export interface MediaFactsWaitingTable {
  position: Generated<string>;
  subject: string;
  payload: ColumnType<Buffer, Uint8Array, Uint8Array>;
  /** The fact's id: JetStream drops a copy of a fact that was stored after all. */
  msg_id: string;
  created_at: Generated<Date>;
}

export interface UrlIssuerDatabase {
  media_recordings: MediaRecordingsTable;
  media_facts: MediaFactsTable;
  tencent_callback_signs: TencentCallbackSignsTable;
  trtc_callbacks: TrtcCallbacksTable;
  trtc_room_users: TrtcRoomUsersTable;
  media_facts_waiting: MediaFactsWaitingTable;
}

export type UrlIssuerDb = Kysely<UrlIssuerDatabase>;
