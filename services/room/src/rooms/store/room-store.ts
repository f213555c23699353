// The rooms' store as the application sees it (a port): rooms, their seats and bans, and the events
// written with them. Postgres in production (pg-room-store.ts), memory in unit tests
// (in-memory-room-store.ts). Inside a transaction (db/store.ts) its writes commit together.
import type { OutboxRow } from '../../outbox/outbox-row';
import type { Member, Room } from '../domain/room';

/** A room as a change to it reads it, locked: with everything the decision needs. */
export interface LockedRoom {
  room: Room;
  /** Members holding a seat, in the order they joined. */
  seated: Member[];
  /** Bans of the room not over yet, by identity. */
  bans: Map<string, Date>;
  /** The room's version (bumped by every write to it, its seats or its bans). */
  version: number;
}

/** A member's row to write with its room's change (RoomChangeSet.commit). */
export interface MemberWrite {
  member: Member;
  /** A new seat (insert) rather than a change to one. */
  insert: boolean;
  joinRequestId: string | null;
}

export interface RoomPageCursor {
  createdAt: Date;
  id: string;
}

export interface RoomStore {
  findRoomById(id: string): Promise<Room | null>;
  findOpenRoomByName(name: string): Promise<Room | null>;
  findRoomByRequestId(requestId: string): Promise<Room | null>;
  /** Open rooms, newest first, after the cursor. */
  listOpenRooms(limit: number, after: RoomPageCursor | null): Promise<Room[]>;
  /** Open rooms whose auto-close time has come. */
  roomsDueToClose(now: Date, limit: number): Promise<string[]>;
  /** The room's version (see saveRoomIfUnchanged); -1 when there is no such room. */
  roomVersion(roomId: string): Promise<number>;
  /** Members holding a seat, in the order they joined. */
  seatedMembers(roomId: string): Promise<Member[]>;
  seatedMembersOfSession(sessionId: string): Promise<Member[]>;
  /** The seated members of any of these sessions, in one read. */
  seatedMembersOfSessions(sessionIds: string[]): Promise<Member[]>;
  /** Each of these rooms' seq (room id -> seq), in one read; rooms gone are left out. */
  roomSeqs(roomIds: string[]): Promise<Record<string, number>>;
  findMemberByStream(streamId: string): Promise<Member | null>;
  findMemberByJoinRequest(roomId: string, requestId: string): Promise<Member | null>;
  /**
   * A room's events after a seq (encoded RoomEvents, decoded by the caller), with the room's seq, in
   * one round trip (the gateways ask on joins); null when there is no such room.
   */
  roomEventsAfter(roomId: string, afterSeq: number, limit: number): Promise<{ roomSeq: number; payloads: Uint8Array[] } | null>;

  // What a change to a room writes (changes/room-change-set.ts).
  /** Locks the room and reads it with its seats and bans; null when there is no such room. */
  lockRoomWithSeats(roomId: string): Promise<LockedRoom | null>;
  /** Inserts a new room at `version` with its first events. */
  insertRoomWithEvents(room: Room, version: number, requestId: string | null, events: OutboxRow[]): Promise<void>;
  /** Writes a locked room's changeable state at `version`, its events and the members that changed. */
  saveRoomWithEvents(room: Room, version: number, events: OutboxRow[], members?: MemberWrite[]): Promise<void>;
  /**
   * The same write without a lock: it lands only if the room is still at `expected`, in one statement
   * (no transaction); false, having written nothing, when the room moved on. One member at most.
   */
  saveRoomIfUnchanged(room: Room, expected: number, events: OutboxRow[], member?: MemberWrite): Promise<boolean>;
  /** Bans an identity from a locked room; the room moves to `version`. */
  saveBan(roomId: string, identity: string, until: Date, reasonText: string, version: number): Promise<void>;
}
