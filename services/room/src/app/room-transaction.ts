// One change to one room: the room row is locked first, the domain decides, and the new state is
// written with its numbered events in the same transaction. The relay is kicked after commit.
import { DomainError } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { afterDeparture, CloseReason, LeaveReason, Member, Room } from '../domain/room';
import { encodeRoomEvent, RoomChange } from '../events/room-events';
import { RoomDatabase, RoomDb } from '../store/database';
import { saveMember, seatedMembers } from '../store/member.repository';
import { appendEvents } from '../store/outbox.repository';
import { findRoomById, saveRoom } from '../store/room.repository';

export class RoomChangeSet {
  readonly changes: RoomChange[] = [];
  /** Events written so far in this transaction. */
  written = 0;

  constructor(
    readonly db: RoomDb,
    readonly now: Date,
  ) {}

  async lock(roomId: string): Promise<Room> {
    const room = await findRoomById(this.db, roomId, true);
    if (!room) throw new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`);
    return room;
  }

  record(change: RoomChange): void {
    this.changes.push(change);
  }

  /** A member gives up its seat; the room follows its rules for owners and the last one out. */
  async unseat(room: Room, member: Member, reason: LeaveReason, reasonText = ''): Promise<void> {
    Object.assign(member, { state: 'left', leftAt: this.now, leaveReason: reason });
    await saveMember(this.db, member);
    room.memberCount -= 1;
    this.record({ type: 'member_left', member: { ...member }, reason, reasonText });
    if (reason === 'room_closed') return;
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

  /** Closes the room: everyone seated leaves with ROOM_CLOSED. */
  async close(room: Room, reason: CloseReason, seated?: Member[]): Promise<void> {
    for (const m of seated ?? (await seatedMembers(this.db, room.id))) await this.unseat(room, m, 'room_closed');
    Object.assign(room, { state: 'closed', closedAt: this.now, closeReason: reason, autoCloseAt: null });
    this.record({ type: 'room_closed', room: { ...room }, reason });
  }

  /** Numbers the recorded changes with the room's next seqs and writes them with the room. */
  async commit(room: Room): Promise<void> {
    const events = this.changes.map((change) => encodeRoomEvent(room.id, ++room.seq, change, this.now));
    await saveRoom(this.db, room);
    await appendEvents(this.db, events);
    this.written += events.length;
    this.changes.length = 0;
  }
}

export class RoomTransactions {
  constructor(
    readonly db: Kysely<RoomDatabase>,
    private readonly onCommitted: () => void,
    readonly now: () => Date = () => new Date(),
  ) {}

  async run<T>(work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    let written = 0;
    const result = await this.db.transaction().execute(async (tx) => {
      const change = new RoomChangeSet(tx, this.now());
      const out = await work(change);
      if (change.changes.length > 0) throw new Error('room changes recorded but not committed');
      written = change.written;
      return out;
    });
    if (written > 0) this.onCommitted();
    return result;
  }
}
