// One change to one room, as the domain makes it: lock (or take the remembered copy of) the room,
// seat and unseat members, record what happened, commit. The room row is locked first, the domain
// decides, and the new state is written with its numbered events (members' rows in the same
// statement where there is one). An optimistic change (see room-transaction.ts) decides on the room as
// this instance last wrote it and writes in one statement that lands only if its version has not moved.
import { DomainError } from '@rtcroom/common';
import type { Repositories } from '../db/store';
import type { OutboxRow } from '../outbox/outbox-row';
import { afterDeparture, audienceCount, CloseReason, LeaveReason, Member, roleOf, Room } from '../rooms/domain/room';
import type { MemberWrite } from '../rooms/store/room-store';
import { encodeRoomEvent } from '../rooms/transport/room-events';
import type { RoomChange } from './room-change';

/** Reacts, inside the same transaction, to what happened in a room (e.g. a call follows its room). */
export interface RoomChangeHook {
  /**
   * Whether it reads or writes the store on a change to such a room. Such changes run the locked way,
   * in a transaction: the optimistic way writes in one statement and has no transaction to offer.
   */
  usesStore(room: Pick<Room, 'kind'>): boolean;
  react(change: RoomChangeSet, room: Room, happened: RoomChange[]): Promise<void>;
}

export class RoomChangeSet {
  readonly changes: RoomChange[] = [];
  /** Rows addressed to users rather than numbered in the room. */
  private readonly extra: OutboxRow[] = [];
  /** Outbox rows written so far in this transaction, in the order written. */
  readonly writtenRows: OutboxRow[] = [];
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
   * `tx`: the transaction's repositories (the locked way). `remembered` instead: decide on this copy
   * of the room without a lock (the optimistic way) and write through `store` in one statement; such a
   * change has no transaction, and only changes whose hooks do not use the store are run this way.
   */
  constructor(
    private readonly tx: Repositories | undefined,
    readonly now: Date,
    private readonly hooks: RoomChangeHook[],
    private readonly remembered?: { snapshot?: RoomSnapshot; store: Repositories },
  ) {}

  /** The repositories inside this change's transaction (what hooks and use cases read and write with it). */
  get store(): Repositories {
    // A hook that uses the store says so (RoomChangeHook.usesStore), and RoomTransactions then never
    // runs the change the optimistic way: reaching here without a transaction is a bug.
    if (!this.tx) throw new UndeclaredStoreUse('a room change used the store on the optimistic way: its hook must say so in usesStore');
    return this.tx;
  }

  /** Locks the room (one round trip reads it with its seated members and bans). */
  async lock(roomId: string, identity = ''): Promise<Room> {
    const locked = this.remembered ? this.fromMemory(roomId) : await this.store.rooms.lockRoomWithSeats(roomId);
    if (!locked) throw new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`);
    this.locks++;
    this.seated = locked.seated;
    this.bans = locked.bans;
    this.version = locked.version;
    this.bannedUntil = identity ? (locked.bans.get(identity) ?? null) : null;
    locked.room.audienceCount = audienceCount(locked.seated);
    this.snapshot = copySnapshot(locked);
    return locked.room;
  }

  /** Bans an identity from the locked room (written at once). */
  async ban(roomId: string, identity: string, until: Date, reasonText: string): Promise<void> {
    if (this.remembered) throw new NeedsLock();
    await this.store.rooms.saveBan(roomId, identity, until, reasonText, ++this.version);
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
    if (roleOf(member) === 'seat') room.memberCount -= 1;
    this.seated = this.seated.filter((m) => m.memberId !== member.memberId);
    room.audienceCount = audienceCount(this.seated);
    this.record({ type: 'member_left', member: { ...member }, reason, reasonText, audienceCount: room.audienceCount });
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
      for (const hook of this.hooks) await hook.react(this, room, happened);
    }
    const events = this.changes.map((change) => encodeRoomEvent(room.id, ++room.seq, change, this.now));
    const rows = [...events, ...this.extra];
    const members = [...this.memberWrites.values()];
    if (this.creating) {
      if (members.length > 0) throw new Error('a room is created empty');
      await (this.remembered?.store ?? this.store).rooms.insertRoomWithEvents(room, ++this.version, this.creating.requestId, rows);
      this.creating = undefined;
    } else if (this.remembered) {
      // One statement, so one commit: a second could not be undone if the first landed.
      if (members.length > 1 || this.commits > 0) throw new NeedsLock();
      if (!(await this.remembered.store.rooms.saveRoomIfUnchanged(room, this.version, rows, members[0]))) throw new StaleRoom();
      this.version++;
    } else {
      await this.store.rooms.saveRoomWithEvents(room, ++this.version, rows, members);
    }
    this.commits++;
    this.snapshot = copySnapshot({ room, seated: this.seated, bans: this.bans, version: this.version });
    this.memberWrites.clear();
    this.writtenRows.push(...rows);
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
export class NeedsLock extends Error {
  override name = 'NeedsLock';
}

/** A change on the optimistic way reached for the store: a hook that does not declare it (a bug, not a fallback). */
export class UndeclaredStoreUse extends Error {
  override name = 'UndeclaredStoreUse';
}

/** The remembered room was written since (by another instance): run the change the locked way. */
export class StaleRoom extends Error {
  override name = 'StaleRoom';
}
