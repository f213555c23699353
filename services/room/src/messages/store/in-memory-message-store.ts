// The message store (message-store.ts) in memory, for unit tests.
import { addressedTo, RoomMessage } from '../domain/room-message';
import type { MessageStore } from './message-store';

export class InMemoryMessageStore implements MessageStore {
  private byRoom = new Map<string, RoomMessage[]>();

  async saveMessage(message: RoomMessage, keep: number): Promise<void> {
    const kept = [...(this.byRoom.get(message.roomId) ?? []), { ...message }].sort((a, b) => a.seq - b.seq);
    this.byRoom.set(message.roomId, kept.slice(-keep));
  }

  async recentMessages(roomId: string, limit: number, viewer?: string): Promise<RoomMessage[]> {
    const all = this.byRoom.get(roomId) ?? [];
    return all.filter((m) => viewer === undefined || addressedTo(m, viewer)).slice(-limit).map((m) => ({ ...m }));
  }

  async findMessage(roomId: string, id: string): Promise<RoomMessage | null> {
    const m = (this.byRoom.get(roomId) ?? []).find((x) => x.id === id);
    return m ? { ...m } : null;
  }

  /** Undoes what is written after it (InMemoryStore's transactions). */
  snapshot(): () => void {
    const copy = new Map([...this.byRoom].map(([k, v]) => [k, [...v]]));
    return () => {
      this.byRoom = copy;
    };
  }
}
