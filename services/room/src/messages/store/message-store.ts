// The room messages' store as the application sees it (a port): each room's last messages, written in
// the transaction of the event that carries them. Postgres: pg-message-store.ts; memory:
// in-memory-message-store.ts.
import type { RoomMessage } from '../domain/room-message';

export interface MessageStore {
  /** Keeps the message (its seq set) and lets the room's older ones go, past `keep`. */
  saveMessage(message: RoomMessage, keep: number): Promise<void>;
  /** The room's last `limit` messages, oldest first; with `viewer`, only those addressed to it. */
  recentMessages(roomId: string, limit: number, viewer?: string): Promise<RoomMessage[]>;
  /** A message by id, while the room still keeps it. */
  findMessage(roomId: string, id: string): Promise<RoomMessage | null>;
}
