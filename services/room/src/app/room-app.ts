// The room service's use cases. Each change locks the room row, applies the domain's rules, and
// writes the new state and its events in one transaction; the relay is kicked after commit.
import { DomainError, isDomainError, newId } from '@rtcroom/common';
import { Kysely } from 'kysely';
import {
  checkDisplayName,
  checkId,
  checkRoomName,
  CloseReason,
  decideSeat,
  LeaveReason,
  Member,
  NewRoomInput,
  nextStreamState,
  normalizeNewRoom,
  Room,
  RoomPolicy,
  StreamSource,
} from '../domain/room';
import { encodeRoomEvent, RoomChange } from '../events/room-events';
import { RoomDatabase, RoomDb } from '../store/database';
import { findMemberByStream, insertMember, saveMemberState, seatedMembers, seatedMembersOfSession } from '../store/member.repository';
import { appendEvents } from '../store/outbox.repository';
import {
  findOpenRoomByName,
  findRoomById,
  findRoomByRequestId,
  insertRoom,
  listOpenRooms,
  RoomPageCursor,
  saveRoomState,
} from '../store/room.repository';

/** The URL issuer as the room service needs it. */
export interface PushUrlIssuer {
  issuePushUrl(roomId: string, memberId: string, record: boolean): Promise<IssuedPushUrl>;
}

export interface IssuedPushUrl {
  streamId: string;
  url: string;
  expireTime: Date;
  recording: boolean;
}

export interface RoomRef {
  roomId?: string;
  name?: string;
}

export interface JoinInput extends RoomRef {
  identity: string;
  displayName: string;
  sessionId: string;
  createIfMissing: boolean;
  createOptions?: Partial<NewRoomInput>;
}

export interface JoinResult {
  room: Room;
  member: Member;
  members: Member[];
  pushUrl: IssuedPushUrl;
  seq: number;
}

export interface RoomSnapshot {
  room: Room;
  members: Member[];
  seq: number;
}

type Pending = { changes: RoomChange[] };

export class RoomApp {
  constructor(
    private readonly db: Kysely<RoomDatabase>,
    private readonly issuer: PushUrlIssuer,
    private readonly policy: RoomPolicy,
    private readonly onCommitted: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createRoom(input: NewRoomInput, requestId: string | null): Promise<Room> {
    const spec = normalizeNewRoom({ ...input, name: input.name || newId('room') }, this.policy);
    if (requestId) {
      const earlier = await findRoomByRequestId(this.db, requestId);
      if (earlier) return earlier;
    }
    try {
      return await this.inTransaction(async (tx, pending) => {
        const room: Room = {
          ...spec,
          id: newId('r'),
          state: 'open',
          memberCount: 0,
          seq: 0,
          createdAt: this.now(),
          closedAt: null,
          closeReason: null,
        };
        await insertRoom(tx, room, requestId);
        pending.changes.push({ type: 'room_created', room });
        await this.commitChanges(tx, room, pending);
        return room;
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        if (requestId) {
          const earlier = await findRoomByRequestId(this.db, requestId);
          if (earlier) return earlier;
        }
        throw new DomainError('ALREADY_EXISTS', `an open room is named ${spec.name}`, { name: spec.name });
      }
      throw err;
    }
  }

  async getRoom(ref: RoomRef): Promise<RoomSnapshot> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        const room = await this.resolve(tx, ref);
        const members = await seatedMembers(tx, room.id);
        return { room, members, seq: room.seq };
      });
  }

  async listRooms(limit: number, after: RoomPageCursor | null): Promise<Room[]> {
    return listOpenRooms(this.db, limit, after);
  }

  async closeRoom(roomId: string, reason: CloseReason): Promise<Room> {
    checkId('room_id', roomId);
    return this.inTransaction(async (tx, pending) => {
      const room = await this.lockRoom(tx, roomId);
      if (room.state === 'closed') return room;
      for (const m of await seatedMembers(tx, room.id)) await this.unseat(tx, room, m, 'room_closed', pending);
      Object.assign(room, { state: 'closed', closedAt: this.now(), closeReason: reason });
      pending.changes.push({ type: 'room_closed', room: { ...room }, reason });
      await this.commitChanges(tx, room, pending);
      return room;
    });
  }

  async join(input: JoinInput): Promise<JoinResult> {
    checkDisplayName('display_name', input.displayName);
    const target = await this.findOrCreateForJoin(input);
    // Signed before the transaction so the room's lock is never held across a network call.
    const memberId = newId('m');
    const pushUrl = await this.issuer.issuePushUrl(target.id, memberId, target.recording);
    return this.inTransaction(async (tx, pending) => {
      const room = await this.lockRoom(tx, target.id);
      const seated = await seatedMembers(tx, room.id);
      const decision = decideSeat(room, seated, input.identity);
      if (!decision.ok) throw decision.error;
      if (decision.replaces) await this.unseat(tx, room, decision.replaces, 'replaced', pending);
      const member: Member = {
        memberId,
        roomId: room.id,
        identity: input.identity,
        displayName: input.displayName,
        state: 'joined',
        streamId: pushUrl.streamId,
        sessionId: input.sessionId,
        joinedAt: this.now(),
        leftAt: null,
        leaveReason: null,
      };
      await insertMember(tx, member);
      room.memberCount += 1;
      pending.changes.push({ type: 'member_joined', member });
      await this.commitChanges(tx, room, pending);
      const members = [...seated.filter((m) => m.memberId !== decision.replaces?.memberId), member];
      return { room, member, members, pushUrl, seq: room.seq };
    });
  }

  async leave(roomId: string, identity: string, reason: LeaveReason): Promise<Member> {
    checkId('room_id', roomId);
    return this.inTransaction(async (tx, pending) => {
      const room = await this.lockRoom(tx, roomId);
      const member = (await seatedMembers(tx, room.id)).find((m) => m.identity === identity);
      if (!member) throw new DomainError('NOT_A_MEMBER', `${identity} holds no seat in room ${roomId}`);
      await this.unseat(tx, room, member, reason, pending);
      await this.commitChanges(tx, room, pending);
      return member;
    });
  }

  async listMembers(roomId: string): Promise<RoomSnapshot> {
    checkId('room_id', roomId);
    return this.getRoom({ roomId });
  }

  async setStreamState(roomId: string, identity: string, publishing: boolean, source: StreamSource): Promise<{ member: Member; changed: boolean }> {
    checkId('room_id', roomId);
    return this.inTransaction(async (tx, pending) => {
      const room = await this.lockRoom(tx, roomId);
      const member = (await seatedMembers(tx, room.id)).find((m) => m.identity === identity);
      if (!member) throw new DomainError('NOT_A_MEMBER', `${identity} holds no seat in room ${roomId}`);
      const next = nextStreamState(member, publishing);
      if (!next) return { member, changed: false };
      member.state = next;
      await saveMemberState(tx, member);
      pending.changes.push({ type: publishing ? 'stream_started' : 'stream_stopped', member, source });
      await this.commitChanges(tx, room, pending);
      return { member, changed: true };
    });
  }

  /** One membership with its room: by stream id (any membership), or the seated member of a room. */
  async getMember(ref: { streamId?: string; roomId?: string; identity?: string }): Promise<{ member: Member; room: Room }> {
    let member: Member | null = null;
    if (ref.streamId) {
      checkId('stream_id', ref.streamId);
      member = await findMemberByStream(this.db, ref.streamId);
    } else if (ref.roomId && ref.identity) {
      checkId('room_id', ref.roomId);
      member = (await seatedMembers(this.db, ref.roomId)).find((m) => m.identity === ref.identity) ?? null;
    } else {
      throw new DomainError('INVALID_ARGUMENT', 'stream_id, or room_id and identity, are required', { field: 'stream_id' });
    }
    const room = member ? await findRoomById(this.db, member.roomId) : null;
    if (!member || !room) throw new DomainError('NOT_A_MEMBER', 'no such membership');
    return { member, room };
  }

  /** Every seat held through the session is given up. */
  async leaveSession(sessionId: string, reason: LeaveReason): Promise<Member[]> {
    const held = await seatedMembersOfSession(this.db, sessionId);
    const left: Member[] = [];
    for (const m of held) {
      try {
        left.push(await this.leave(m.roomId, m.identity, reason));
      } catch (err) {
        if (!isDomainError(err, 'NOT_A_MEMBER')) throw err; // already gone: nothing to do
      }
    }
    return left;
  }

  private async findOrCreateForJoin(input: JoinInput): Promise<Room> {
    if (input.roomId) {
      checkId('room_id', input.roomId);
      const room = await findRoomById(this.db, input.roomId);
      if (!room) throw new DomainError('ROOM_NOT_FOUND', `no room ${input.roomId}`);
      return room;
    }
    if (!input.name) throw new DomainError('INVALID_ARGUMENT', 'room_id or room_name is required', { field: 'room_id' });
    checkRoomName('room_name', input.name);
    const existing = await findOpenRoomByName(this.db, input.name);
    if (existing) return existing;
    if (!input.createIfMissing) throw new DomainError('ROOM_NOT_FOUND', `no open room named ${input.name}`);
    const o = input.createOptions ?? {};
    try {
      return await this.createRoom(
        {
          name: input.name,
          kind: o.kind ?? 'group',
          displayName: o.displayName ?? '',
          maxMembers: o.maxMembers ?? 0,
          metadata: o.metadata ?? '',
          recording: o.recording ?? false,
          ownerIdentity: input.identity,
        },
        null,
      );
    } catch (err) {
      // Someone else created it a moment ago: join theirs.
      if (!isDomainError(err, 'ALREADY_EXISTS')) throw err;
      const raced = await findOpenRoomByName(this.db, input.name);
      if (!raced) throw err;
      return raced;
    }
  }

  private async resolve(db: RoomDb, ref: RoomRef): Promise<Room> {
    if (ref.roomId) {
      checkId('room_id', ref.roomId);
      const room = await findRoomById(db, ref.roomId);
      if (!room) throw new DomainError('ROOM_NOT_FOUND', `no room ${ref.roomId}`);
      return room;
    }
    if (!ref.name) throw new DomainError('INVALID_ARGUMENT', 'room_id or name is required', { field: 'room_id' });
    checkRoomName('name', ref.name);
    const room = await findOpenRoomByName(db, ref.name);
    if (!room) throw new DomainError('ROOM_NOT_FOUND', `no open room named ${ref.name}`);
    return room;
  }

  private async lockRoom(tx: RoomDb, roomId: string): Promise<Room> {
    const room = await findRoomById(tx, roomId, true);
    if (!room) throw new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`);
    return room;
  }

  private async unseat(tx: RoomDb, room: Room, member: Member, reason: LeaveReason, pending: Pending): Promise<void> {
    Object.assign(member, { state: 'left', leftAt: this.now(), leaveReason: reason });
    await saveMemberState(tx, member);
    room.memberCount -= 1;
    pending.changes.push({ type: 'member_left', member: { ...member }, reason });
  }

  /** Numbers the pending changes with the room's next seqs and writes them with the room. */
  private async commitChanges(tx: RoomDb, room: Room, pending: Pending): Promise<void> {
    const at = this.now();
    const events = pending.changes.map((change) => encodeRoomEvent(room.id, ++room.seq, change, at));
    await saveRoomState(tx, room);
    await appendEvents(tx, events);
  }

  private async inTransaction<T>(work: (tx: RoomDb, pending: Pending) => Promise<T>): Promise<T> {
    const pending: Pending = { changes: [] };
    const result = await this.db.transaction().execute((tx) => work(tx, pending));
    if (pending.changes.length > 0) this.onCommitted();
    return result;
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}
