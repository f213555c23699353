// The store (store.ts) in memory, for fast unit tests of the use cases (as presence has its
// InMemorySessionStore). A transaction takes a copy of every capability's rows and puts it back if
// the work throws; transactions are not isolated from each other, which a unit test making one change
// at a time does not need.
import { InMemoryCallStore } from '../calls/store/in-memory-call-store';
import { InMemoryDeskStore } from '../desk/store/in-memory-desk-store';
import { InMemoryMessageStore } from '../messages/store/in-memory-message-store';
import { InMemoryRoomStore } from '../rooms/store/in-memory-room-store';
import type { Repositories, Store } from './store';

export class InMemoryStore implements Store {
  readonly rooms = new InMemoryRoomStore();
  readonly calls = new InMemoryCallStore();
  readonly desk = new InMemoryDeskStore(this.calls);
  readonly messages = new InMemoryMessageStore();

  async transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    const rollBack = [this.rooms.snapshot(), this.calls.snapshot(), this.desk.snapshot(), this.messages.snapshot()];
    try {
      return await work(this);
    } catch (err) {
      for (const undo of rollBack) undo();
      throw err;
    }
  }
}
