// Room use cases: create, read, list, update, close, catch up on events, and close rooms whose
// auto-close time has come.
import { DomainError, isDomainError, newId, RequestScope } from '@rtcroom/common';
import { recordingv1, roomEventv1 } from '@rtcroom/proto';
import {
  audienceCount,
  autoCloseReason,
  checkBytes,
  checkDisplayName,
  checkId,
  checkRoomName,
  CloseReason,
  initialAutoClose,
  limits,
  Member,
  normalizeNewRoom,
  Room,
  RoomOptions,
  OwnerRights,
  RoomPolicy,
} from '../domain/room';
import { Actor, checkAdmin, checkCreate, checkList, checkManage, checkRead, inScope, missingRoomError } from '../domain/room-access';
import { addressedTo } from '../../messages/domain/room-message';
import { RoomChangeSet } from '../../changes/room-change-set';
import { RoomTransactions } from '../../changes/room-transaction';
import { isUniqueViolation } from '../../db/store';
import type { RoomPageCursor, RoomStore } from '../store/room-store';

export interface RoomRef {
  roomId?: string;
  name?: string;
}

export interface RoomSnapshot {
  room: Room;
  members: Member[];
  seq: number;
}

/** Open rooms remembered by name; past this many the oldest is forgotten. */
const namedRoomsKept = 10_000;

/** How a room is made when a join follows at once (by name, a call, a desk's case). */
export interface JoinFollows {
  /** The request the room is made for (its handler's call). */
  scope?: RequestScope;
}

/**
 * Told of a room a join follows, before its statement goes out, and if it was not made after all
 * (memberships.ts signs its first seats' push URLs meanwhile).
 */
export interface RoomCreationListener {
  creating(room: Room, scope?: RequestScope): void;
  notCreated(roomId: string): void;
}

export class Rooms {
  /**
   * Open rooms by name as this instance last saw them, so a join by name skips a lookup (a room's id,
   * kind and recording never change). Forgotten when the room closes here; one closed by another
   * instance is found out under its lock, and the join looks again (Memberships.join).
   */
  private readonly openByName = new Map<string, Room>();
  /** Rooms being looked up (and made if missing) by findOrCreate here, by name. */
  private readonly resolving = new Map<string, Promise<Room>>();
  private readonly creationListeners: RoomCreationListener[] = [];

  constructor(
    private readonly tx: RoomTransactions,
    private readonly policy: RoomPolicy,
  ) {
    tx.addHook({
      usesStore: () => false,
      react: async (_change, room, happened) => {
        if (happened.some((h) => h.type === 'room_closed')) this.forgetName(room.name);
      },
    });
  }

  /** Tells `listener` of each room made for a join that follows at once (create's `joinFollows`). */
  onCreatingForJoin(listener: RoomCreationListener): void {
    this.creationListeners.push(listener);
  }

  /** The open room with this name, or null. */
  async openNamed(name: string): Promise<Room | null> {
    const known = this.openByName.get(name);
    if (known) return { ...known };
    const room = await this.tx.store.rooms.findOpenRoomByName(name);
    if (room) this.remember(room);
    return room;
  }

  forgetName(name: string): void {
    this.openByName.delete(name);
  }

  private remember(room: Room): void {
    if (room.state !== 'open') return;
    this.openByName.delete(room.name);
    this.openByName.set(room.name, { ...room });
    if (this.openByName.size > namedRoomsKept) this.openByName.delete(this.openByName.keys().next().value as string);
  }

  /**
   * A principal's room is its own: it becomes the owner, whatever the options say. With `joinFollows`
   * (a join comes right after), the creation listeners hear of the room before its statement goes out.
   */
  async create(input: RoomOptions, requestId: string | null, actor: Actor = null, joinFollows?: JoinFollows): Promise<Room> {
    const name = input.name || newId('room');
    checkCreate(actor, name);
    const spec = normalizeNewRoom({ ...input, name, ownerIdentity: actor ? actor.identity : input.ownerIdentity }, this.policy);
    if (requestId) {
      const earlier = await this.tx.store.rooms.findRoomByRequestId(requestId);
      if (earlier) return earlier;
    }
    const made = (id: string, now: Date): Room => ({
      ...spec,
      id,
      state: 'open',
      memberCount: 0,
      seq: 0,
      createdAt: now,
      closedAt: null,
      closeReason: null,
      everJoined: false,
      autoCloseAt: initialAutoClose(now, spec.emptyTimeoutSeconds),
    });
    const id = newId('r');
    if (joinFollows) for (const l of this.creationListeners) l.creating(made(id, this.tx.now()), joinFollows.scope);
    try {
      return await this.tx.run(null, async (change) => {
        const room = made(id, change.now);
        change.create(room, requestId);
        change.record({ type: 'room_created', room });
        await change.commit(room);
        return room;
      }, { optimistic: !this.tx.hooksUseStore(spec) }); // a call's room: the locked way at once
    } catch (err) {
      if (joinFollows) for (const l of this.creationListeners) l.notCreated(id);
      if (!isUniqueViolation(err)) throw err;
      if (requestId) {
        const earlier = await this.tx.store.rooms.findRoomByRequestId(requestId);
        if (earlier) return earlier;
      }
      throw new DomainError('ALREADY_EXISTS', `an open room is named ${spec.name}`, { name: spec.name }, { cause: err });
    }
  }

  /**
   * An open room by name, created with `options` when there is none (a racing creator's room wins).
   * Joins that ask for the same missing room here at once wait for one creation instead of racing it.
   */
  async findOrCreate(name: string, options: RoomOptions, joinFollows?: JoinFollows): Promise<Room> {
    const known = this.openByName.get(name);
    if (known) return { ...known };
    // Joins by name of a room not known here come in a burst (everyone arriving for a meeting): the
    // first looks it up (and makes it), the rest wait for that instead of each reading the store.
    const inFlight = this.resolving.get(name);
    if (inFlight) {
      try {
        return { ...(await inFlight) };
      } catch {
        // That attempt's own trouble (its options, say): this one tries for itself.
      }
    }
    const attempt = this.lookUpOrCreate(name, options, joinFollows);
    this.resolving.set(name, attempt);
    try {
      return { ...(await attempt) };
    } finally {
      if (this.resolving.get(name) === attempt) this.resolving.delete(name);
    }
  }

  // Made first, looked up when that fails: a room not known here by name is more often new (the first
  // join of a meeting) than one made elsewhere, and the insert of a taken name writes nothing and
  // raises no error in Postgres (room.repository.ts): one round trip for a new room, two for one made
  // by another instance or before a restart (once per room and instance: it is remembered then). Any
  // failure to make it (options a join may not create with, say) still finds a room that exists.
  private async lookUpOrCreate(name: string, options: RoomOptions, joinFollows?: JoinFollows): Promise<Room> {
    try {
      const created = await this.create({ ...options, name }, null, null, joinFollows);
      this.remember(created);
      return created;
    } catch (err) {
      const found = await this.openNamed(name).catch(() => null);
      if (!found) throw err;
      return found;
    }
  }

  async get(ref: RoomRef, actor: Actor = null): Promise<RoomSnapshot> {
    return this.tx.store.transaction(
      async (tx) => {
        const room = await resolveRoom(tx.rooms, ref, actor);
        const members = await tx.rooms.seatedMembers(room.id);
        checkRead(actor, room, members);
        room.audienceCount = audienceCount(members);
        return { room, members, seq: room.seq };
      },
      { isolation: 'repeatable read' },
    );
  }

  /** Open rooms, newest first; a scoped principal sees only its own room. */
  async list(limit: number, after: RoomPageCursor | null, actor: Actor = null): Promise<Room[]> {
    checkList(actor);
    const scope = actor?.grants.room;
    if (!scope) return this.tx.store.rooms.listOpenRooms(limit, after);
    if (after) return [];
    const room = (await this.tx.store.rooms.findRoomById(scope)) ?? (await this.openNamed(scope));
    return room && room.state === 'open' && inScope(actor!.grants, room) ? [room] : [];
  }

  async close(roomId: string, reason: CloseReason, actor: Actor = null): Promise<Room> {
    checkId('room_id', roomId);
    return this.onRoom(roomId, actor, async (change) => {
      const room = await change.lock(roomId);
      checkManage(actor, room, 'close it');
      if (room.state === 'closed') return room;
      await change.close(room, reason);
      await change.commit(room);
      return room;
    });
  }

  async update(roomId: string, patch: { displayName?: string; metadata?: string; ownerRights?: OwnerRights }, actor: Actor = null): Promise<Room> {
    checkId('room_id', roomId);
    if (patch.displayName !== undefined) checkDisplayName('room.display_name', patch.displayName);
    if (patch.metadata !== undefined) checkBytes('room.metadata', patch.metadata, limits.metadataMaxBytes);
    return this.onRoom(roomId, actor, async (change) => {
      const room = await change.lock(roomId);
      checkManage(actor, room, 'update it');
      if (patch.ownerRights !== undefined) checkAdmin(actor, room, "change the owner's rights");
      if (room.state === 'closed') throw new DomainError('ROOM_CLOSED', `room ${roomId} is closed`);
      const next = { ...room, ...definedOnly(patch) };
      if (next.displayName === room.displayName && next.metadata === room.metadata && next.ownerRights === room.ownerRights) return room;
      Object.assign(room, next);
      change.record({ type: 'room_updated', room: { ...room } });
      await change.commit(room);
      return room;
    });
  }

  async eventsAfter(roomId: string, afterSeq: number, limit: number, actor: Actor = null): Promise<{ events: roomEventv1.RoomEvent[]; lastSeq: number }> {
    checkId('room_id', roomId);
    // A principal reads only a room it may read (and without what is withheld from it); the operator's
    // read (every gateway's catch-up after a join) is the one statement below.
    if (actor) checkRead(actor, await resolveRoom(this.tx.store.rooms, { roomId }, actor), await this.tx.store.rooms.seatedMembers(roomId));
    const found = await this.tx.store.rooms.roomEventsAfter(roomId, afterSeq, limit);
    if (!found) throw missingRoomError(actor, { roomId }, new DomainError('ROOM_NOT_FOUND', `no room ${roomId}`));
    const events = found.payloads.map((p) => roomEventv1.RoomEvent.decode(p));
    return { events: actor ? events.map((e) => withheldFrom(e, actor.identity)) : events, lastSeq: found.roomSeq };
  }

  /** A change under the room's lock; a missing room is answered as resolveRoom answers it. */
  private async onRoom<T>(roomId: string, actor: Actor, work: (change: RoomChangeSet) => Promise<T>): Promise<T> {
    try {
      return await this.tx.run(roomId, work);
    } catch (err) {
      if (isDomainError(err, 'ROOM_NOT_FOUND')) throw missingRoomError(actor, { roomId }, err);
      throw err;
    }
  }

  /** A recording of one of the room's streams is ready: announced to the room (and its webhooks) once. */
  async announceRecording(recording: recordingv1.Recording, factId: string): Promise<void> {
    try {
      await this.tx.run(recording.roomId, async (change) => {
        const room = await change.lock(recording.roomId);
        change.record({ type: 'recording_ready', recording, factId });
        await change.commit(room);
      });
    } catch (err) {
      if (isUniqueViolation(err)) return; // announced before
      throw err;
    }
  }

  /** Closes the rooms whose empty or departure timeout has run out; returns how many. */
  async closeDue(limit = 100): Promise<number> {
    const due = await this.tx.store.rooms.roomsDueToClose(this.tx.now(), limit);
    let closed = 0;
    for (const id of due) {
      const did = await this.tx.run(id, async (change) => {
        const room = await change.lock(id);
        // Re-checked under the lock, or on the copy this instance remembers (its write lands only if
        // nobody wrote the room since): someone may have joined meanwhile.
        if (room.state !== 'open' || !room.autoCloseAt || room.autoCloseAt > change.now || room.memberCount > 0) return false;
        await change.close(room, autoCloseReason(room));
        await change.commit(room);
        return true;
      }, { optimistic: true }); // nobody seated: one statement on the room as this instance last left it
      if (did) closed++;
    }
    return closed;
  }
}

/** The room referred to; a missing one is ROOM_NOT_FOUND, or to a scoped principal PERMISSION_DENIED. */
export async function resolveRoom(rooms: RoomStore, ref: RoomRef, actor: Actor = null): Promise<Room> {
  if (ref.roomId) {
    checkId('room_id', ref.roomId);
    const room = await rooms.findRoomById(ref.roomId);
    if (!room) throw missingRoomError(actor, ref, new DomainError('ROOM_NOT_FOUND', `no room ${ref.roomId}`));
    return room;
  }
  if (!ref.name) throw new DomainError('INVALID_ARGUMENT', 'room_id or name is required', { field: 'room_id' });
  checkRoomName('name', ref.name);
  const room = await rooms.findOpenRoomByName(ref.name);
  if (!room) throw missingRoomError(actor, ref, new DomainError('ROOM_NOT_FOUND', `no open room named ${ref.name}`));
  return room;
}

/** A message addressed to others keeps its place (id, seq, time) but not its content. */
function withheldFrom(event: roomEventv1.RoomEvent, identity: string): roomEventv1.RoomEvent {
  const p = event.payload;
  if (p?.$case !== 'messageSent' || !p.value.message) return event;
  const m = p.value.message;
  return addressedTo({ recipients: m.recipients, senderIdentity: m.senderIdentity }, identity) ? event : { ...event, payload: undefined };
}

export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
