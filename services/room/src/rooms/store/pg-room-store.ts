// The rooms' store on Postgres: the port (room-store.ts) over the repositories' functions, bound to
// the pool or to one transaction. Thin on purpose: joins and leaves run through it.
import type { RoomDb } from '../../db/database';
import type { OutboxRow } from '../../outbox/outbox-row';
import { roomEventsAfter } from '../../outbox/outbox.repository';
import type { Room } from '../domain/room';
import { findMemberByJoinRequest, findMemberByStream, seatedMembers, seatedMembersOfSession, seatedMembersOfSessions } from './member.repository';
import {
  findOpenRoomByName,
  findRoomById,
  findRoomByRequestId,
  insertRoomWithEvents,
  listOpenRooms,
  lockRoomWithSeats,
  roomsDueToClose,
  roomSeqs,
  roomVersion,
  saveBan,
  saveRoomIfUnchanged,
  saveRoomWithEvents,
} from './room.repository';
import type { MemberWrite, RoomPageCursor, RoomStore } from './room-store';

export class PgRoomStore implements RoomStore {
  constructor(private readonly db: RoomDb) {}

  findRoomById(id: string) {
    return findRoomById(this.db, id);
  }
  findOpenRoomByName(name: string) {
    return findOpenRoomByName(this.db, name);
  }
  findRoomByRequestId(requestId: string) {
    return findRoomByRequestId(this.db, requestId);
  }
  listOpenRooms(limit: number, after: RoomPageCursor | null) {
    return listOpenRooms(this.db, limit, after);
  }
  roomsDueToClose(now: Date, limit: number) {
    return roomsDueToClose(this.db, now, limit);
  }
  roomVersion(roomId: string) {
    return roomVersion(this.db, roomId);
  }
  seatedMembers(roomId: string) {
    return seatedMembers(this.db, roomId);
  }
  seatedMembersOfSession(sessionId: string) {
    return seatedMembersOfSession(this.db, sessionId);
  }
  seatedMembersOfSessions(sessionIds: string[]) {
    return seatedMembersOfSessions(this.db, sessionIds);
  }
  roomSeqs(roomIds: string[]) {
    return roomSeqs(this.db, roomIds);
  }
  findMemberByStream(streamId: string) {
    return findMemberByStream(this.db, streamId);
  }
  findMemberByJoinRequest(roomId: string, requestId: string) {
    return findMemberByJoinRequest(this.db, roomId, requestId);
  }
  roomEventsAfter(roomId: string, afterSeq: number, limit: number) {
    return roomEventsAfter(this.db, roomId, afterSeq, limit);
  }
  lockRoomWithSeats(roomId: string) {
    return lockRoomWithSeats(this.db, roomId);
  }
  insertRoomWithEvents(room: Room, version: number, requestId: string | null, events: OutboxRow[]) {
    return insertRoomWithEvents(this.db, room, version, requestId, events);
  }
  saveRoomWithEvents(room: Room, version: number, events: OutboxRow[], members?: MemberWrite[]) {
    return saveRoomWithEvents(this.db, room, version, events, members);
  }
  saveRoomIfUnchanged(room: Room, expected: number, events: OutboxRow[], member?: MemberWrite) {
    return saveRoomIfUnchanged(this.db, room, expected, events, member);
  }
  saveBan(roomId: string, identity: string, until: Date, reasonText: string, version: number) {
    return saveBan(this.db, roomId, identity, until, reasonText, version);
  }
}
