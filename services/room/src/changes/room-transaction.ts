// Runs changes to rooms (RoomChangeSet, room-change-set.ts): each in one transaction, changes to one
// room here one after another; the outbox rows written are handed to the relay after commit.
//
// The common changes (join, leave, stream and connection changes) go faster: this instance
// remembers each room as it last wrote or read it, with the room's version, and decides on that copy
// without a lock; the write is one statement that lands only if the room is still at that version.
// Anything else (the room moved on, written by another instance; a decision that refused; more than
// one member to write) runs again the locked way, from the store. A change to a room whose hooks use
// the store (a call's room: the call follows it in the same transaction) runs the locked way at once.
import { isDomainError } from '@rtcroom/common';
import type { Store } from '../db/store';
import type { OutboxRow } from '../outbox/outbox-row';
import type { Room } from '../rooms/domain/room';
import { NeedsLock, RoomChangeHook, RoomChangeSet, RoomSnapshot, StaleRoom, UndeclaredStoreUse } from './room-change-set';

/** One holder per key at a time, in arrival order, without holding anything else while waiting. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Rooms remembered at most (a room is a few hundred bytes with its seats). */
const roomsRemembered = 10_000;

export interface RunOptions {
  /**
   * Decide on the room as this instance remembers it and write in one statement if it has not moved
   * on (see the top of this file). The work must commit at most once and must be safe to run again.
   */
  optimistic?: boolean;
}

export class RoomTransactions {
  private readonly hooks: RoomChangeHook[] = [];
  // Changes to one room queue here first, so those waiting for the room's row lock do not each hold
  // a pooled database connection (the row lock still orders instances against each other).
  private readonly rooms = new KeyedMutex();
  /** Open rooms as last written or read here, least recently used first. */
  private readonly remembered = new Map<string, RoomSnapshot>();
  /** How many changes finished each way (a change that fell back counts as locked). */
  readonly finished = { optimistic: 0, locked: 0 };

  constructor(
    readonly store: Store,
    /** Rows that are in the store now, in the order written (called once per change that wrote). */
    private readonly onCommitted: (rows: OutboxRow[]) => void,
    readonly now: () => Date = () => new Date(),
  ) {}

  addHook(hook: RoomChangeHook): void {
    this.hooks.push(hook);
  }

  /** Whether a hook uses the store on changes to such a room: those may not run the optimistic way. */
  hooksUseStore(room: Pick<Room, 'kind'>): boolean {
    return this.hooks.some((hook) => hook.usesStore(room));
  }

  /** Whether this instance remembers the identity seated in the room (a guess: the lock decides). */
  remembersSeated(roomId: string, identity: string, sessionId: string): boolean {
    return this.remembered.get(roomId)?.seated.some((m) => m.identity === identity && m.sessionId === sessionId) ?? false;
  }

  /** The open room as this instance last wrote or read it (a copy), if it remembers it. */
  rememberedRoom(roomId: string): Room | undefined {
    const s = this.remembered.get(roomId);
    return s ? { ...s.room } : undefined;
  }

  /** Runs a change in one transaction; with a room id, after earlier changes to that room here. */
  async run<T>(roomId: string | null, work: (change: RoomChangeSet) => Promise<T>, options: RunOptions = {}): Promise<T> {
    if (!roomId) {
      // A change that creates its room: nobody else can know the room yet, so no turn to wait for.
      const done = options.optimistic ? await this.optimistic(undefined, work) : null;
      return done ? done.result : this.transaction(null, work);
    }
    return this.rooms.run(roomId, async () => {
      const snapshot = options.optimistic ? this.remembered.get(roomId) : undefined;
      if (snapshot && !this.hooksUseStore(snapshot.room)) {
        const done = await this.optimistic(snapshot, work);
        if (done) return done.result;
      }
      return this.transaction(roomId, work);
    });
  }

  /** The optimistic way; null when the change must run the locked way instead. */
  private async optimistic<T>(snapshot: RoomSnapshot | undefined, work: (change: RoomChangeSet) => Promise<T>): Promise<{ result: T } | null> {
    const change = new RoomChangeSet(undefined, this.now(), this.hooks, { snapshot, store: this.store });
    let result: T;
    try {
      result = await work(change);
      if (change.changes.length > 0 || change.memberWrites.size > 0) throw new Error('room changes recorded but not committed');
      // Nothing written: the answer holds only if the room is still as remembered.
      if (!change.wrote && (!snapshot || (await this.store.rooms.roomVersion(snapshot.room.id)) !== snapshot.version)) throw new StaleRoom();
    } catch (err) {
      const roomId = snapshot?.room.id ?? change.snapshot?.room.id;
      if (roomId) this.forget(roomId);
      if (change.wrote) {
        // Written, then failed: what was written stands.
        this.onCommitted(change.writtenRows);
        throw err;
      }
      if (err instanceof UndeclaredStoreUse) throw err;
      // A refusal decided on the copy is checked against the store too: the locked way decides again.
      // Without a copy (a change creating its room) only a change the optimistic way cannot make (its
      // commit would need two statements) goes there.
      if (!snapshot && !(err instanceof NeedsLock)) throw err;
      return null;
    }
    this.settle(snapshot?.room.id ?? change.snapshot!.room.id, change);
    this.finished.optimistic++;
    if (change.writtenRows.length > 0) this.onCommitted(change.writtenRows);
    for (const fn of change.committed) fn();
    return { result };
  }

  private async transaction<T>(roomId: string | null, work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    let done: RoomChangeSet | undefined;
    let tried: RoomChangeSet | undefined;
    try {
      const result = await this.store.transaction(async (tx) => {
        const change = (tried = new RoomChangeSet(tx, this.now(), this.hooks));
        const out = await work(change);
        if (change.changes.length > 0 || change.memberWrites.size > 0) throw new Error('room changes recorded but not committed');
        done = change;
        return out;
      });
      const settled = roomId ?? done!.snapshot?.room.id;
      if (settled) this.settle(settled, done!);
      this.finished.locked++;
      if (done!.writtenRows.length > 0) this.onCommitted(done!.writtenRows);
      for (const fn of done!.committed) fn();
      return result;
    } catch (err) {
      // Refused before writing (a full room, a ban): the room is as the lock read it. Else forget it.
      if (roomId && tried && !tried.wrote && !isDomainError(err, 'ROOM_NOT_FOUND')) this.settle(roomId, tried);
      else if (roomId) this.forget(roomId);
      throw err;
    }
  }

  /** Remembers the room as the change left it, if it changed that room alone and it is still open. */
  private settle(roomId: string, change: RoomChangeSet): void {
    const s = change.snapshot;
    if (!s || change.locks !== 1 || s.room.id !== roomId || s.room.state !== 'open') {
      this.forget(roomId);
      return;
    }
    this.remembered.delete(roomId);
    this.remembered.set(roomId, s);
    if (this.remembered.size > roomsRemembered) this.remembered.delete(this.remembered.keys().next().value as string);
  }

  private forget(roomId: string): void {
    this.remembered.delete(roomId);
  }
}
