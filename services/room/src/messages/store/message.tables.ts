// The room messages' table as Kysely sees it (assembled with the others in db/database.ts).
import { ColumnType } from 'kysely';

export interface RoomMessagesTable {
  room_id: string;
  /** The seq of the room event that carried it. */
  seq: number;
  id: string;
  sender_member_id: string;
  sender_identity: string;
  /** Empty: the whole room. */
  recipients: string[];
  /** 'text' or 'custom'. */
  kind: string;
  text: string;
  topic: string;
  payload: ColumnType<Buffer, Uint8Array, Uint8Array>;
  created_at: Date;
}
