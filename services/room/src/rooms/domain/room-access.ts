// Who may do what with a room: decided here, where the room is, on the room's id and name after any
// name was resolved - never on what a client wrote. A principal is an end user with its access
// token's grants (the gateway passes them through); no principal means the operator (an internal
// system, or presence acting on facts), whom the transport's caller roles have already let in.
import { DomainError, type Grants } from '@rtcroom/common/errors';
import { Member, Room } from './room';

export type { Grants };

export interface Principal {
  identity: string;
  grants: Grants;
}

/** null: the operator, who may do everything. */
export type Actor = Principal | null;

type RoomRef = Pick<Room, 'id' | 'name'>;

function denied(message: string, cause?: unknown): DomainError {
  return new DomainError('PERMISSION_DENIED', message, {}, { cause });
}

/** The room is the one the token is scoped to (or the token is not scoped). */
export function inScope(grants: Grants, room: RoomRef): boolean {
  return !grants.room || grants.room === room.id || grants.room === room.name;
}

/**
 * What a missing room is answered with: to a scoped token that did not name its own room, the same
 * PERMISSION_DENIED as for a room that exists outside its scope, so that probing ids and names tells
 * it nothing (permission is checked before existence).
 */
export function missingRoomError(actor: Actor, ref: { roomId?: string; name?: string }, notFound: DomainError): DomainError {
  const scope = actor?.grants.room;
  if (!scope || (ref.roomId || ref.name) === scope) return notFound;
  // The caller is told only that it may not; the log keeps that the room was missing.
  return denied(`the access token acts in room ${scope} only`, notFound);
}

function checkScope(actor: Principal, room: RoomRef): void {
  if (!inScope(actor.grants, room)) throw denied(`the access token acts in room ${actor.grants.room} only`);
}

/** May manage (close, update, remove members from) the room: room_admin in scope, or its owner with the right to. */
export function mayManage(actor: Actor, room: Pick<Room, 'id' | 'name' | 'ownerIdentity' | 'ownerRights'>): boolean {
  if (!actor) return true;
  if (!inScope(actor.grants, room)) return false;
  if (actor.grants.roomAdmin) return true;
  return room.ownerRights === 'manage' && room.ownerIdentity !== '' && room.ownerIdentity === actor.identity;
}

export function checkManage(actor: Actor, room: Pick<Room, 'id' | 'name' | 'ownerIdentity' | 'ownerRights'>, what: string): void {
  if (mayManage(actor, room)) return;
  checkScope(actor!, room);
  throw denied(`only the room's owner or an admin may ${what}`);
}

/** Changing owner_rights itself needs room_admin in scope (an owner may not grant itself more). */
export function checkAdmin(actor: Actor, room: RoomRef, what: string): void {
  if (!actor) return;
  checkScope(actor, room);
  if (!actor.grants.roomAdmin) throw denied(`only an admin may ${what}`);
}

/** Creating a room: room_create, and with a scope, only the room of that name. */
export function checkCreate(actor: Actor, name: string): void {
  if (!actor) return;
  if (!actor.grants.roomCreate) throw denied('the access token does not allow creating rooms');
  if (actor.grants.room && actor.grants.room !== name) throw denied(`the access token may create room ${actor.grants.room} only`);
}

export function mayCreate(actor: Actor, name: string): boolean {
  return !actor || (!!actor.grants.roomCreate && (!actor.grants.room || actor.grants.room === name));
}

/** Taking a seat: room_join in the token's scope, for the principal's own identity. */
export function checkJoin(actor: Actor, room: RoomRef, identity: string): void {
  if (!actor) return;
  checkSelf(actor, identity, 'take a seat');
  if (!actor.grants.roomJoin) throw denied('the access token does not allow joining rooms');
  checkScope(actor, room);
}

/** Reading a room, its members or its events: seated in it, managing it, or room_list in scope. */
export function checkRead(actor: Actor, room: Pick<Room, 'id' | 'name' | 'ownerIdentity' | 'ownerRights'>, seated: Pick<Member, 'identity'>[]): void {
  if (!actor) return;
  checkScope(actor, room);
  if (actor.grants.roomList || mayManage(actor, room)) return;
  if (seated.some((m) => m.identity === actor.identity)) return;
  throw denied('only members, and tokens with the room_list grant, may read this room');
}

/** Listing rooms needs room_list; a scoped token lists only its own room. */
export function checkList(actor: Actor): void {
  if (actor && !actor.grants.roomList) throw denied('the access token does not allow listing rooms (room_list grant)');
}

/** A principal acts on its own seat; others' seats are the room's managers' (removeMember). */
export function checkSelf(actor: Actor, identity: string, what: string): void {
  if (actor && actor.identity !== identity) throw denied(`an access token may only ${what} for its own identity`);
}

/** One's own seat, or (updating a profile) a manager of the room. */
export function checkSelfOrManage(actor: Actor, room: Pick<Room, 'id' | 'name' | 'ownerIdentity' | 'ownerRights'>, identity: string, what: string): void {
  if (!actor) return;
  checkScope(actor, room);
  if (actor.identity === identity || mayManage(actor, room)) return;
  throw denied(`only ${identity} or the room's managers may ${what}`);
}
