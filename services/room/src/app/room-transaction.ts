// One change to one room: the room row is locked first, the domain decides, and the new state is
// written with its numbered events in the same transaction. The relay is kicked after commit.
import { DomainError } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { afterDeparture, CloseReason, LeaveReason, Member, Room } from '../domain/room';
import { encodeRoomEvent, OutboxRow, RoomChange } from '../events/room-events';
import { RoomDatabase, RoomDb } from '../store/database';
import { saveMember, seatedMembers } from '../store/member.repository';
import { appendEvents } from '../store/outbox.repository';
import { findRoomById, saveRoom } from '../store/room.repository';

/** Reacts, inside the same transaction, to what happened in a room (e.g. a call follows its room). */
export type RoomChangeHook = (change: RoomChangeSet, room: Room, happened: RoomChange[]) => Promise<void>;

export class RoomChangeSet {
  readonly changes: RoomChange[] = [];
  /** Rows addressed to users rather than numbered in the room. */
  private readonly extra: OutboxRow[] = [];
  /** Events written so far in this transaction. */
  written = 0;

  constructor(
    readonly db: RoomDb,
    readonly now: Date,
    private readonly hooks: RoomChangeHook[],
  ) {}

  async lock(roomId: string): Promise<Room> {
    const room = await findRoomById(this.db, roomId, true);
    if (!room) throw new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`);
    return room;
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
    await saveMember(this.db, member);
    room.memberCount -= 1;
    this.record({ type: 'member_left', member: { ...member }, reason, reasonText });
    if (reason === 'room_closed' || reason === 'call_ended') return;
    const remaining = (await seatedMembers(this.db, room.id)).filter((m) => m.memberId !== member.memberId);
    const outcome = afterDeparture(room, member, remaining, this.now);
    if (outcome.close) {
      await this.close(room, outcome.close, remaining);
      return;
    }
    room.autoCloseAt = outcome.autoCloseAt;
    if (outcome.newOwner) {
      room.ownerIdentity = outcome.newOwner;
      this.record({ type: 'room_updated', room: { ...room } });
    }
  }

  /** Closes the room: everyone seated leaves (CALL_ENDED when a call ended it, else ROOM_CLOSED). */
  async close(room: Room, reason: CloseReason, seated?: Member[]): Promise<void> {
    if (room.state === 'closed') return;
    const leave: LeaveReason = reason === 'call_ended' ? 'call_ended' : 'room_closed';
    for (const m of seated ?? (await seatedMembers(this.db, room.id))) await this.unseat(room, m, leave);
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
    await saveRoom(this.db, room);
    await appendEvents(this.db, [...events, ...this.extra]);
    this.written += events.length + this.extra.length;
    this.changes.length = 0;
    this.extra.length = 0;
  }
}

export class RoomTransactions {
  private readonly hooks: RoomChangeHook[] = [];

  constructor(
    readonly db: Kysely<RoomDatabase>,
    private readonly onCommitted: () => void,
    readonly now: () => Date = () => new Date(),
  ) {}

  addHook(hook: RoomChangeHook): void {
    this.hooks.push(hook);
  }

  async run<T>(work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    let written = 0;
    const result = await this.db.transaction().execute(async (tx) => {
      const change = new RoomChangeSet(tx, this.now(), this.hooks);
      const out = await work(change);
      if (change.changes.length > 0) throw new Error('room changes recorded but not committed');
      written = change.written;
      return out;
    });
    if (written > 0) this.onCommitted();
    return result;
  }
}
