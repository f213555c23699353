// Rooms rows <-> Room domain objects. The only place that knows the rooms table's shape.
import { CloseReason, DuplicateIdentityPolicy, OwnerLeavePolicy, Room, RoomKind, RoomState } from '../domain/room';
import { RoomDb, RoomsTable } from './database';

export function toRoom(row: RoomsTable): Room {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as RoomKind,
    displayName: row.display_name,
    maxMembers: row.max_members,
    metadata: row.metadata,
    recording: row.recording,
    state: row.state as RoomState,
    ownerIdentity: row.owner_identity,
    memberCount: row.member_count,
    seq: Number(row.seq),
    createdAt: new Date(row.created_at),
    closedAt: row.closed_at ? new Date(row.closed_at) : null,
    closeReason: row.close_reason as CloseReason | null,
    ownerLeavePolicy: row.owner_leave_policy as OwnerLeavePolicy,
    emptyTimeoutSeconds: row.empty_timeout_seconds,
    departureTimeoutSeconds: row.departure_timeout_seconds,
    duplicateIdentity: row.duplicate_identity as DuplicateIdentityPolicy,
    everJoined: row.ever_joined,
    autoCloseAt: row.auto_close_at ? new Date(row.auto_close_at) : null,
  };
}

export async function insertRoom(db: RoomDb, room: Room, requestId: string | null): Promise<void> {
  await db
    .insertInto('rooms')
    .values({
      id: room.id,
      name: room.name,
      kind: room.kind,
      display_name: room.displayName,
      max_members: room.maxMembers,
      metadata: room.metadata,
      recording: room.recording,
      state: room.state,
      owner_identity: room.ownerIdentity,
      member_count: room.memberCount,
      seq: room.seq,
      create_request_id: requestId,
      created_at: room.createdAt,
      closed_at: room.closedAt,
      close_reason: room.closeReason,
      owner_leave_policy: room.ownerLeavePolicy,
      empty_timeout_seconds: room.emptyTimeoutSeconds,
      departure_timeout_seconds: room.departureTimeoutSeconds,
      duplicate_identity: room.duplicateIdentity,
      ever_joined: room.everJoined,
      auto_close_at: room.autoCloseAt,
    })
    .execute();
}

/** With lock, the row stays locked until the transaction ends: every change to a room goes through it. */
export async function findRoomById(db: RoomDb, id: string, lock = false): Promise<Room | null> {
  let q = db.selectFrom('rooms').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toRoom(row) : null;
}

export async function findOpenRoomByName(db: RoomDb, name: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('name', '=', name).where('state', '=', 'open').executeTakeFirst();
  return row ? toRoom(row) : null;
}

export async function findRoomByRequestId(db: RoomDb, requestId: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('create_request_id', '=', requestId).executeTakeFirst();
  return row ? toRoom(row) : null;
}

/** Writes everything about a room that can change after it was created. */
export async function saveRoom(db: RoomDb, room: Room): Promise<void> {
  await db
    .updateTable('rooms')
    .set({
      display_name: room.displayName,
      metadata: room.metadata,
      owner_identity: room.ownerIdentity,
      state: room.state,
      member_count: room.memberCount,
      seq: room.seq,
      closed_at: room.closedAt,
      close_reason: room.closeReason,
      ever_joined: room.everJoined,
      auto_close_at: room.autoCloseAt,
    })
    .where('id', '=', room.id)
    .execute();
}

/** Open rooms whose auto-close time has come. */
export async function roomsDueToClose(db: RoomDb, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('rooms')
    .select('id')
    .where('state', '=', 'open')
    .where('auto_close_at', '<=', now)
    .orderBy('auto_close_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export interface RoomPageCursor {
  createdAt: Date;
  id: string;
}

/** Open rooms, newest first, after the cursor. */
export async function listOpenRooms(db: RoomDb, limit: number, after: RoomPageCursor | null): Promise<Room[]> {
  let q = db.selectFrom('rooms').selectAll().where('state', '=', 'open');
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRoom);
}

export async function banUntil(db: RoomDb, roomId: string, identity: string): Promise<Date | null> {
  const row = await db.selectFrom('room_bans').select('until').where('room_id', '=', roomId).where('identity', '=', identity).executeTakeFirst();
  return row ? new Date(row.until) : null;
}

export async function saveBan(db: RoomDb, roomId: string, identity: string, until: Date, reasonText: string): Promise<void> {
  await db
    .insertInto('room_bans')
    .values({ room_id: roomId, identity, until, reason_text: reasonText })
    .onConflict((oc) => oc.columns(['room_id', 'identity']).doUpdateSet({ until, reason_text: reasonText }))
    .execute();
}
