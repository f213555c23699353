// One change to one room: the room row is locked first, the domain decides, and the new state is
// written with its numbered events in the same transaction. The relay is kicked after commit.
// Members' rows are written at commit too, with the room and its events, in one statement where
// there is one member to write (the common case: a join, a leave, a stream change): a round trip less.
//
// The common changes (join, leave, stream and connection changes) go faster still: this instance
// remembers each room as it last wrote or read it, with the room's version, and decides on that copy
// without a lock; the write is one statement that lands only if the room is still at that version.
// Anything else (the room moved on, written by another instance; a hook that reads the store; a
// decision that refused; more than one member to write) runs again the locked way, from the store.
import { DomainError, isDomainError } from '@rtcroom/common';
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { afterDeparture, CloseReason, LeaveReason, Member, Room } from '../domain/room';
import { encodeRoomEvent, OutboxRow, RoomChange } from '../events/room-events';
import { RoomDatabase, RoomDb } from '../store/database';
import { MemberWrite } from '../store/member.repository';
import { insertRoomWithEvents, lockRoomWithSeats, roomVersion, saveBan, saveRoomIfUnchanged, saveRoomWithEvents } from '../store/room.repository';

/** Reacts, inside the same transaction, to what happened in a room (e.g. a call follows its room). */
export type RoomChangeHook = (change: RoomChangeSet, room: Room, happened: RoomChange[]) => Promise<void>;

export class RoomChangeSet {
  readonly changes: RoomChange[] = [];
  /** Rows addressed to users rather than numbered in the room. */
  private readonly extra: OutboxRow[] = [];
  /** Events written so far in this transaction. */
  written = 0;
  /** The locked room's seated members, kept up to date by this change set. */
  seated: Member[] = [];
  /** The ban of the identity asked about in lock(), if any. */
  bannedUntil: Date | null = null;
  /** Run once the transaction has committed (not if it rolls back). */
  readonly committed: (() => void)[] = [];
  /** Members' rows to write at commit, one entry per member (its latest state). */
  readonly memberWrites = new Map<string, MemberWrite>();
  /** The locked room as of its lock or last commit (what the instance remembers afterwards). */
  snapshot: RoomSnapshot | undefined;
  /** How many rooms this change locked (only a change to one room is remembered). */
  locks = 0;
  private bans = new Map<string, Date>();
  private version = 0;
  private creating: { requestId: string | null } | undefined;
  private banned = false;
  private commits = 0;

  /**
   * `remembered`: decide on this copy of the room instead of locking it (the optimistic way); `db`
   * then refuses every query, so anything that needs the store sends the change the locked way.
   */
  constructor(
    readonly db: RoomDb,
    readonly now: Date,
    private readonly hooks: RoomChangeHook[],
    private readonly remembered?: { snapshot?: RoomSnapshot; db: RoomDb },
  ) {}

  /** Locks the room (one round trip reads it with its seated members and bans). */
  async lock(roomId: string, identity = ''): Promise<Room> {
    const locked = this.remembered ? this.fromMemory(roomId) : await lockRoomWithSeats(this.db, roomId);
    if (!locked) throw new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`);
    this.locks++;
    this.seated = locked.seated;
    this.bans = locked.bans;
    this.version = locked.version;
    this.bannedUntil = identity ? (locked.bans.get(identity) ?? null) : null;
    this.snapshot = copySnapshot(locked);
    return locked.room;
  }

  /** Bans an identity from the locked room (written at once). */
  async ban(roomId: string, identity: string, until: Date, reasonText: string): Promise<void> {
    if (this.remembered) throw new NeedsLock();
    await saveBan(this.db, roomId, identity, until, reasonText, ++this.version);
    this.banned = true;
    this.bans.set(identity, until);
    if (this.snapshot?.room.id === roomId) this.snapshot = { ...this.snapshot, bans: new Map(this.bans), version: this.version };
  }

  private fromMemory(roomId: string): RoomSnapshot {
    const { snapshot } = this.remembered!;
    if (!snapshot || snapshot.room.id !== roomId || this.locks > 0) throw new NeedsLock();
    return copySnapshot(snapshot);
  }

  /** A room made by this change: commit inserts it, with its events (one statement), and it counts as locked. */
  create(room: Room, requestId: string | null): void {
    if (this.locks > 0) throw new Error('a change creates one room, before it locks any');
    this.creating = { requestId };
    this.locks++;
    this.seated = [];
    this.bans = new Map();
    this.version = 0;
    this.snapshot = copySnapshot({ room, seated: [], bans: this.bans, version: 0 });
  }

  /** The seated member with this identity, if any. */
  seatOf(identity: string): Member | undefined {
    return this.seated.find((m) => m.identity === identity);
  }

  /** A member took a seat: its row is inserted at commit. */
  seat(member: Member, joinRequestId: string | null): void {
    this.seated.push(member);
    this.memberWrites.set(member.memberId, { member, insert: true, joinRequestId });
  }

  /** A member's row changed: written at commit. */
  writeMember(member: Member): void {
    const earlier = this.memberWrites.get(member.memberId);
    this.memberWrites.set(member.memberId, { member, insert: earlier?.insert ?? false, joinRequestId: earlier?.joinRequestId ?? null });
  }

  afterCommit(fn: () => void): void {
    this.committed.push(fn);
  }

  record(change: RoomChange): void {
    this.changes.push(change);
  }

  /** An outbox row that is not a room event (written at commit, after the room's events). */
  notify(rows: OutboxRow[]): void {
    this.extra.push(...rows);
  }

  /** A member gives up its seat; the room follows its rules for owners and the last one out. */
  async unseat(room: Room, member: Member, reason: LeaveReason, reasonText = ''): Promise<void> {
    Object.assign(member, { state: 'left', leftAt: this.now, leaveReason: reason });
    this.writeMember(member);
    room.memberCount -= 1;
    this.seated = this.seated.filter((m) => m.memberId !== member.memberId);
    this.record({ type: 'member_left', member: { ...member }, reason, reasonText });
    if (reason === 'room_closed' || reason === 'call_ended') return;
    const outcome = afterDeparture(room, member, this.seated, this.now);
    if (outcome.close) {
      await this.close(room, outcome.close);
      return;
    }
    room.autoCloseAt = outcome.autoCloseAt;
    if (outcome.newOwner) {
      room.ownerIdentity = outcome.newOwner;
      this.record({ type: 'room_updated', room: { ...room } });
    }
  }

  /** Closes the room: everyone seated leaves (CALL_ENDED when a call ended it, else ROOM_CLOSED). */
  async close(room: Room, reason: CloseReason): Promise<void> {
    if (room.state === 'closed') return;
    const leave: LeaveReason = reason === 'call_ended' ? 'call_ended' : 'room_closed';
    for (const m of [...this.seated]) await this.unseat(room, m, leave);
    Object.assign(room, { state: 'closed', closedAt: this.now, closeReason: reason, autoCloseAt: null });
    this.record({ type: 'room_closed', room: { ...room }, reason });
  }

  /** Lets the hooks react, numbers the changes with the room's next seqs, and writes them with the room. */
  async commit(room: Room): Promise<void> {
    for (let seen = 0; seen < this.changes.length; ) {
      const happened = this.changes.slice(seen);
      seen = this.changes.length;
      for (const hook of this.hooks) await hook(this, room, happened);
    }
    const events = this.changes.map((change) => encodeRoomEvent(room.id, ++room.seq, change, this.now));
    const rows = [...events, ...this.extra];
    const members = [...this.memberWrites.values()];
    if (this.creating) {
      if (members.length > 0) throw new Error('a room is created empty');
      await insertRoomWithEvents(this.remembered?.db ?? this.db, room, ++this.version, this.creating.requestId, rows);
      this.creating = undefined;
    } else if (this.remembered) {
      // One statement, so one commit: a second could not be undone if the first landed.
      if (members.length > 1 || this.commits > 0) throw new NeedsLock();
      if (!(await saveRoomIfUnchanged(this.remembered.db, room, this.version, rows, members[0]))) throw new StaleRoom();
      this.version++;
    } else {
      await saveRoomWithEvents(this.db, room, ++this.version, rows, members);
    }
    this.commits++;
    this.snapshot = copySnapshot({ room, seated: this.seated, bans: this.bans, version: this.version });
    this.memberWrites.clear();
    this.written += rows.length;
    this.changes.length = 0;
    this.extra.length = 0;
  }

  /** Whether it wrote anything. */
  get wrote(): boolean {
    return this.commits > 0 || this.banned;
  }

}

/** A room as this instance last wrote or read it. */
export interface RoomSnapshot {
  room: Room;
  seated: Member[];
  bans: Map<string, Date>;
  version: number;
}

function copySnapshot(s: RoomSnapshot): RoomSnapshot {
  return { room: { ...s.room }, seated: s.seated.map((m) => ({ ...m })), bans: new Map(s.bans), version: s.version };
}

/** The optimistic way cannot finish this change: run it the locked way. */
class NeedsLock extends Error {
  override name = 'NeedsLock';
}

/** The remembered room was written since (by another instance): run the change the locked way. */
class StaleRoom extends Error {
  override name = 'StaleRoom';
}

/** A Kysely whose every query throws NeedsLock: the store as an optimistic change sees it. */
const noStore = new Kysely<RoomDatabase>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createDriver: () => ({
      init: async () => undefined,
      acquireConnection: async () => {
        throw new NeedsLock();
      },
      beginTransaction: async () => undefined,
      commitTransaction: async () => undefined,
      rollbackTransaction: async () => undefined,
      releaseConnection: async () => undefined,
      destroy: async () => undefined,
    }),
  },
});

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
    readonly db: Kysely<RoomDatabase>,
    private readonly onCommitted: () => void,
    readonly now: () => Date = () => new Date(),
  ) {}

  addHook(hook: RoomChangeHook): void {
    this.hooks.push(hook);
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
      if (snapshot) {
        const done = await this.optimistic(snapshot, work);
        if (done) return done.result;
      }
      return this.transaction(roomId, work);
    });
  }

  /** The optimistic way; null when the change must run the locked way instead. */
  private async optimistic<T>(snapshot: RoomSnapshot | undefined, work: (change: RoomChangeSet) => Promise<T>): Promise<{ result: T } | null> {
    const change = new RoomChangeSet(noStore, this.now(), this.hooks, { snapshot, db: this.db });
    let result: T;
    try {
      result = await work(change);
      if (change.changes.length > 0 || change.memberWrites.size > 0) throw new Error('room changes recorded but not committed');
      // Nothing written: the answer holds only if the room is still as remembered.
      if (!change.wrote && (!snapshot || (await roomVersion(this.db, snapshot.room.id)) !== snapshot.version)) throw new StaleRoom();
    } catch (err) {
      const roomId = snapshot?.room.id ?? change.snapshot?.room.id;
      if (roomId) this.forget(roomId);
      if (change.wrote) {
        // Written, then failed: what was written stands.
        this.onCommitted();
        throw err;
      }
      // A refusal decided on the copy is checked against the store too: the locked way decides again.
      // Without a copy (a change creating its room) only a hook that needs the store sends it there.
      if (!snapshot && !(err instanceof NeedsLock)) throw err;
      return null;
    }
    this.settle(snapshot?.room.id ?? change.snapshot!.room.id, change);
    this.finished.optimistic++;
    if (change.written > 0) this.onCommitted();
    for (const fn of change.committed) fn();
    return { result };
  }

  private async transaction<T>(roomId: string | null, work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    let done: RoomChangeSet | undefined;
    let tried: RoomChangeSet | undefined;
    try {
      const result = await this.db.transaction().execute(async (tx) => {
        const change = (tried = new RoomChangeSet(tx, this.now(), this.hooks));
        const out = await work(change);
        if (change.changes.length > 0 || change.memberWrites.size > 0) throw new Error('room changes recorded but not committed');
        done = change;
        return out;
      });
      const settled = roomId ?? done!.snapshot?.room.id;
      if (settled) this.settle(settled, done!);
      this.finished.locked++;
      if (done!.written > 0) this.onCommitted();
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
