// One change to one room: the room row is locked first, the domain decides, and the new state is
// written with its numbered events in the same transaction. The relay is kicked after commit.
// Members' rows are written at commit too, with the room and its events, in one statement where
// there is one member to write (the common case: a join, a leave, a stream change): a round trip less.
import { DomainError } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { afterDeparture, CloseReason, LeaveReason, Member, Room } from '../domain/room';
import { encodeRoomEvent, OutboxRow, RoomChange } from '../events/room-events';
import { RoomDatabase, RoomDb } from '../store/database';
import { MemberWrite } from '../store/member.repository';
import { lockRoomWithSeats, saveRoomWithEvents } from '../store/room.repository';

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

  constructor(
    readonly db: RoomDb,
    readonly now: Date,
    private readonly hooks: RoomChangeHook[],
  ) {}

  /** Locks the room (one round trip reads it with its seated members and `identity`'s ban). */
  async lock(roomId: string, identity = ''): Promise<Room> {
    const locked = await lockRoomWithSeats(this.db, roomId, identity);
    if (!locked) throw new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`);
    this.seated = locked.seated;
    this.bannedUntil = locked.bannedUntil;
    return locked.room;
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
    await saveRoomWithEvents(this.db, room, [...events, ...this.extra], [...this.memberWrites.values()]);
    this.memberWrites.clear();
    this.written += events.length + this.extra.length;
    this.changes.length = 0;
    this.extra.length = 0;
  }
}

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

export class RoomTransactions {
  private readonly hooks: RoomChangeHook[] = [];
  // Changes to one room queue here first, so those waiting for the room's row lock do not each hold
  // a pooled database connection (the row lock still orders instances against each other).
  private readonly rooms = new KeyedMutex();

  constructor(
    readonly db: Kysely<RoomDatabase>,
    private readonly onCommitted: () => void,
    readonly now: () => Date = () => new Date(),
  ) {}

  addHook(hook: RoomChangeHook): void {
    this.hooks.push(hook);
  }

  /** Runs a change in one transaction; with a room id, after earlier changes to that room here. */
  async run<T>(roomId: string | null, work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    return roomId ? this.rooms.run(roomId, () => this.transaction(work)) : this.transaction(work);
  }

  private async transaction<T>(work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    let written = 0;
    let after: (() => void)[] = [];
    const result = await this.db.transaction().execute(async (tx) => {
      const change = new RoomChangeSet(tx, this.now(), this.hooks);
      const out = await work(change);
      if (change.changes.length > 0 || change.memberWrites.size > 0) throw new Error('room changes recorded but not committed');
      written = change.written;
      after = change.committed;
      return out;
    });
    if (written > 0) this.onCommitted();
    for (const fn of after) fn();
    return result;
  }
}
