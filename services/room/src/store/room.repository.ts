// Rooms rows <-> Room domain objects. The only place that knows the rooms table's shape.
// Partial indexes (state = 'open', state <> 'left', ...) are used only when the state in a query is a
// literal, not a parameter: hence sql.lit.
import { sql } from 'kysely';
import { CloseReason, DuplicateIdentityPolicy, Member, OwnerLeavePolicy, Room, RoomKind, RoomState } from '../domain/room';
import { OutboxRow } from '../events/room-events';
import { MembersTable, RoomDb, RoomsTable } from './database';
import { MemberWrite, memberWriteQuery, toMember } from './member.repository';

export function toRoom(row: RoomsTable): Room {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as RoomKind,
    displayName: row.display_name,
    maxMembers: row.max_members,
    metadata: row.metadata,
    recording: row.recording,
    recordingFormats: row.recording_formats ? row.recording_formats.split('|') : [],
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
      recording_formats: (room.recordingFormats ?? []).join('|'),
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

export async function findRoomById(db: RoomDb, id: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRoom(row) : null;
}

export async function findOpenRoomByName(db: RoomDb, name: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('name', '=', name).where('state', '=', sql.lit('open')).executeTakeFirst();
  return row ? toRoom(row) : null;
}

export async function findRoomByRequestId(db: RoomDb, requestId: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('create_request_id', '=', requestId).executeTakeFirst();
  return row ? toRoom(row) : null;
}

const roomChanges = (room: Room) => ({
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
});

/**
 * Writes the room's changeable state, appends outbox rows and writes the members that changed, in one
 * statement (one round trip) when one member changed. Several (a room closing, a seat replaced by the
 * same identity) are written first, one by one and in order: a seat's unique identity must be free
 * before the same identity's new seat is inserted, and statements in one WITH run in no set order.
 */
export async function saveRoomWithEvents(db: RoomDb, room: Room, events: OutboxRow[], members: MemberWrite[] = []): Promise<void> {
  if (members.length > 1) for (const w of members) await memberWriteQuery(db, w).execute();
  const one = members.length === 1 ? members[0] : undefined;
  if (events.length === 0) {
    if (!one) return saveRoom(db, room);
    await db.with('member_written', (q) => memberWriteQuery(q, one)).updateTable('rooms').set(roomChanges(room)).where('id', '=', room.id).execute();
    return;
  }
  const rows = events.map((e) => ({ id: e.id, room_id: e.roomId, seq: e.seq, subject: e.subject, payload: e.payload, created_at: e.time }));
  const saved = db.with('saved', (q) => q.updateTable('rooms').set(roomChanges(room)).where('id', '=', room.id).returning('id'));
  if (one) {
    await saved.with('member_written', (q) => memberWriteQuery(q, one)).insertInto('room_events').values(rows).execute();
    return;
  }
  await saved
    .insertInto('room_events')
    .values(rows)
    .execute();
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
    .where('state', '=', sql.lit('open'))
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
  let q = db.selectFrom('rooms').selectAll().where('state', '=', sql.lit('open'));
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRoom);
}


export async function saveBan(db: RoomDb, roomId: string, identity: string, until: Date, reasonText: string): Promise<void> {
  await db
    .insertInto('room_bans')
    .values({ room_id: roomId, identity, until, reason_text: reasonText })
    .onConflict((oc) => oc.columns(['room_id', 'identity']).doUpdateSet({ until, reason_text: reasonText }))
    .execute();
}

export interface LockedRoom {
  room: Room;
  /** Members holding a seat, in the order they joined. */
  seated: Member[];
  /** When `identity` (if given) is banned from the room until; null when not. */
  bannedUntil: Date | null;
}

/**
 * Locks a room's row and reads, in the same round trip, its seated members and one identity's ban:
 * everything a change to a room needs to decide (round trips are the cost that matters here).
 */
export async function lockRoomWithSeats(db: RoomDb, roomId: string, identity = ''): Promise<LockedRoom | null> {
  const { rows } = await sql<RoomsTable & { seated: MembersTable[]; banned_until: Date | string | null }>`
    select r.*,
      coalesce((select json_agg(m order by m.joined_at, m.member_id) from members m
                where m.room_id = r.id and m.state <> 'left'), '[]'::json) as seated,
      (select b.until from room_bans b where b.room_id = r.id and b.identity = ${identity}) as banned_until
    from rooms r where r.id = ${roomId} for update of r`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return {
    room: toRoom(row),
    seated: row.seated.map(toMember),
    bannedUntil: row.banned_until ? new Date(row.banned_until) : null,
  };
}
