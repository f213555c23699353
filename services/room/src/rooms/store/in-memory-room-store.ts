// The rooms' store in memory, for fast unit tests of the use cases: the port (room-store.ts) with the
// semantics the application relies on from Postgres: versions (a write lands only at the version it
// expects), the unique keys (one open room per name, one seat per identity, one room per create
// request, one event per id) refused as Postgres refuses them, and copies in and out, as rows are.
// Locks are no-ops: one process, and InMemoryStore (db/in-memory-store.ts) gives transactions.
import { uniqueViolation } from '../../db/store';
import type { OutboxRow } from '../../outbox/outbox-row';
import type { Member, Room } from '../domain/room';
import type { LockedRoom, MemberWrite, RoomPageCursor, RoomStore } from './room-store';

interface StoredRoom {
  room: Room;
  version: number;
  requestId: string | null;
}

interface StoredMember {
  member: Member;
  joinRequestId: string | null;
}

const copyRoom = (r: Room): Room => ({ ...r, recordingFormats: r.recordingFormats && [...r.recordingFormats] });
const copyMember = (m: Member): Member => ({ ...m });
const byJoinOrder = (a: Member, b: Member) => a.joinedAt.getTime() - b.joinedAt.getTime() || (a.memberId < b.memberId ? -1 : 1);

/** What a change to a room may change (saveRoomIfUnchanged writes all of them but owner rights). */
function withChanges(stored: Room, room: Room, ownerRights: boolean): Room {
  return {
    ...stored,
    displayName: room.displayName,
    metadata: room.metadata,
    ownerIdentity: room.ownerIdentity,
    ownerRights: ownerRights ? room.ownerRights : stored.ownerRights,
    state: room.state,
    memberCount: room.memberCount,
    seq: room.seq,
    closedAt: room.closedAt,
    closeReason: room.closeReason,
    everJoined: room.everJoined,
    autoCloseAt: room.autoCloseAt,
  };
}

export class InMemoryRoomStore implements RoomStore {
  private rooms = new Map<string, StoredRoom>();
  private members = new Map<string, StoredMember>();
  /** Bans by room, then identity. */
  private bans = new Map<string, Map<string, { until: Date; reasonText: string }>>();
  private events: OutboxRow[] = [];

  /** The outbox rows written, in commit order (room events and the calls' user events). */
  get outbox(): readonly OutboxRow[] {
    return this.events;
  }

  /** Takes a copy of everything; the function returned puts it back (a transaction rolling back). */
  snapshot(): () => void {
    const rooms = new Map(this.rooms);
    const members = new Map(this.members);
    const bans = new Map([...this.bans].map(([room, byIdentity]) => [room, new Map(byIdentity)]));
    const events = [...this.events];
    return () => {
      Object.assign(this, { rooms, members, bans, events });
    };
  }

  async findRoomById(id: string) {
    const stored = this.rooms.get(id);
    return stored ? copyRoom(stored.room) : null;
  }

  async findOpenRoomByName(name: string) {
    const stored = [...this.rooms.values()].find((s) => s.room.state === 'open' && s.room.name === name);
    return stored ? copyRoom(stored.room) : null;
  }

  async findRoomByRequestId(requestId: string) {
    const stored = [...this.rooms.values()].find((s) => s.requestId === requestId);
    return stored ? copyRoom(stored.room) : null;
  }

  async listOpenRooms(limit: number, after: RoomPageCursor | null) {
    const newestFirst = (a: Room, b: Room) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);
    const isAfter = (r: Room) => !after || r.createdAt < after.createdAt || (r.createdAt.getTime() === after.createdAt.getTime() && r.id < after.id);
    return this.openRooms().filter(isAfter).sort(newestFirst).slice(0, limit).map(copyRoom);
  }

  async roomsDueToClose(now: Date, limit: number) {
    return this.openRooms()
      .filter((r) => r.autoCloseAt && r.autoCloseAt <= now)
      .sort((a, b) => a.autoCloseAt!.getTime() - b.autoCloseAt!.getTime())
      .slice(0, limit)
      .map((r) => r.id);
  }

  async roomVersion(roomId: string) {
    return this.rooms.get(roomId)?.version ?? -1;
  }

  async seatedMembers(roomId: string) {
    return this.seated((m) => m.roomId === roomId);
  }

  async seatedMembersOfSession(sessionId: string) {
    return this.seated((m) => m.sessionId === sessionId);
  }

  async seatedMembersOfSessions(sessionIds: string[]) {
    const ids = new Set(sessionIds);
    return this.seated((m) => ids.has(m.sessionId));
  }

  async roomSeqs(roomIds: string[]) {
    return Object.fromEntries(roomIds.flatMap((id) => {
      const stored = this.rooms.get(id);
      return stored ? [[id, stored.room.seq] as const] : [];
    }));
  }

  async findMemberByStream(streamId: string) {
    const found = [...this.members.values()].find((s) => s.member.streamId === streamId);
    return found ? copyMember(found.member) : null;
  }

  async findMemberByJoinRequest(roomId: string, requestId: string) {
    const found = [...this.members.values()].find((s) => s.member.roomId === roomId && s.joinRequestId === requestId);
    return found ? copyMember(found.member) : null;
  }

  async roomEventsAfter(roomId: string, afterSeq: number, limit: number) {
    const room = await this.findRoomById(roomId);
    if (!room) return null;
    const payloads = this.events
      .filter((e) => e.roomId === roomId && e.seq !== null && e.seq > afterSeq)
      .sort((a, b) => a.seq! - b.seq!)
      .slice(0, limit)
      .map((e) => e.payload);
    return { roomSeq: room.seq, payloads };
  }

  async lockRoomWithSeats(roomId: string): Promise<LockedRoom | null> {
    const stored = this.rooms.get(roomId);
    if (!stored) return null;
    const now = new Date();
    const bans = new Map([...(this.bans.get(roomId) ?? [])].filter(([, b]) => b.until > now).map(([identity, b]) => [identity, b.until]));
    return { room: copyRoom(stored.room), seated: await this.seatedMembers(roomId), bans, version: stored.version };
  }

  async insertRoomWithEvents(room: Room, version: number, requestId: string | null, events: OutboxRow[]) {
    if (this.rooms.has(room.id)) throw uniqueViolation('rooms_pkey');
    if (room.state === 'open' && this.openRooms().some((r) => r.name === room.name)) throw uniqueViolation('rooms_open_name');
    if (requestId && [...this.rooms.values()].some((s) => s.requestId === requestId)) throw uniqueViolation('rooms_create_request_id');
    this.checkEvents(events);
    this.rooms.set(room.id, { room: copyRoom(room), version, requestId });
    this.events.push(...events);
  }

  async saveRoomWithEvents(room: Room, version: number, events: OutboxRow[], members: MemberWrite[] = []) {
    // Members first, in order, as Postgres writes several (a seat given up before the same identity's new one).
    for (const w of members) this.writeMember(w);
    this.checkEvents(events);
    const stored = this.rooms.get(room.id);
    if (!stored) return;
    this.rooms.set(room.id, { ...stored, room: withChanges(stored.room, room, true), version });
    this.events.push(...events);
  }

  async saveRoomIfUnchanged(room: Room, expected: number, events: OutboxRow[], member?: MemberWrite) {
    const stored = this.rooms.get(room.id);
    if (!stored || stored.version !== expected) return false;
    // One statement in Postgres: nothing lands if any part is refused.
    this.checkEvents(events);
    if (member) this.checkSeat(member);
    if (member) this.writeMember(member);
    this.rooms.set(room.id, { ...stored, room: withChanges(stored.room, room, false), version: expected + 1 });
    this.events.push(...events);
    return true;
  }

  async saveBan(roomId: string, identity: string, until: Date, reasonText: string, version: number) {
    const byIdentity = new Map(this.bans.get(roomId) ?? []);
    byIdentity.set(identity, { until, reasonText });
    this.bans.set(roomId, byIdentity);
    const stored = this.rooms.get(roomId);
    if (stored) this.rooms.set(roomId, { ...stored, version });
  }

  private openRooms(): Room[] {
    return [...this.rooms.values()].filter((s) => s.room.state === 'open').map((s) => s.room);
  }

  private seated(which: (m: Member) => boolean): Member[] {
    return [...this.members.values()]
      .map((s) => s.member)
      .filter((m) => m.state !== 'left' && which(m))
      .sort(byJoinOrder)
      .map(copyMember);
  }

  private checkEvents(events: OutboxRow[]): void {
    const ids = new Set(this.events.map((e) => e.id));
    for (const e of events) if (ids.has(e.id)) throw uniqueViolation('room_events_id_key');
  }

  /** The unique keys of members: one seat per identity in a room, one member per join request. */
  private checkSeat(w: MemberWrite): void {
    const m = w.member;
    const others = [...this.members.values()].filter((s) => s.member.memberId !== m.memberId && s.member.roomId === m.roomId);
    if (m.state !== 'left' && others.some((s) => s.member.state !== 'left' && s.member.identity === m.identity)) throw uniqueViolation('members_seated');
    if (w.insert && w.joinRequestId && others.some((s) => s.joinRequestId === w.joinRequestId)) throw uniqueViolation('members_join_request_id');
  }

  private writeMember(w: MemberWrite): void {
    const earlier = this.members.get(w.member.memberId);
    if (w.insert && earlier) throw uniqueViolation('members_pkey');
    if (!w.insert && !earlier) return; // an update of no row
    this.checkSeat(w);
    if (w.insert) {
      this.members.set(w.member.memberId, { member: copyMember(w.member), joinRequestId: w.joinRequestId });
      return;
    }
    // An update writes what a membership may change (member.repository.ts's memberWriteQuery).
    const { state, leftAt, leaveReason, displayName, avatarUrl, customData, connectionInterrupted, streamSource, role, seatInvited } = w.member;
    const member = { ...earlier!.member, state, leftAt, leaveReason, displayName, avatarUrl, customData, connectionInterrupted, streamSource, role, seatInvited };
    this.members.set(w.member.memberId, { member, joinRequestId: earlier!.joinRequestId });
  }
}
