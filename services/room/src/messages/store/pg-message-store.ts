// The message store (message-store.ts) on Postgres.
import type { RoomDb } from '../../db/database';
import type { RoomMessage } from '../domain/room-message';
import * as repo from './message.repository';
import type { MessageStore } from './message-store';

export class PgMessageStore implements MessageStore {
  constructor(private readonly db: RoomDb) {}

  saveMessage(message: RoomMessage, keep: number): Promise<void> {
    return repo.saveMessage(this.db, message, keep);
  }

  recentMessages(roomId: string, limit: number, viewer?: string): Promise<RoomMessage[]> {
    return repo.recentMessages(this.db, roomId, limit, viewer);
  }

  findMessage(roomId: string, id: string): Promise<RoomMessage | null> {
    return repo.findMessage(this.db, roomId, id);
  }
}
