// Rooms rows <-> Room domain objects. The only place that knows the rooms table's shape.
// Partial indexes (state = 'open', state <> 'left', ...) are used only when the state in a query is a
// literal, not a parameter: hence sql.lit.
import { prepared } from '@rtcroom/common';
import { CompiledQuery, sql } from 'kysely';
import { CloseReason, DuplicateIdentityPolicy, Member, OwnerLeavePolicy, OwnerRights, Room, RoomKind, RoomState } from '../domain/room';
import { OutboxRow } from '../../outbox/outbox-row';
import { RoomDb } from '../../db/database';
import { MembersTable, RoomsTable } from './room.tables';
import { memberWriteQuery, toMember } from './member.repository';
import type { LockedRoom, MemberWrite, RoomPageCursor } from './room-store';
import { uniqueViolation } from '../../db/store';
import { createRoomSql, createRoomValues } from './sql/create-room.sql';
import { roomWriteValues } from './sql/room-write.sql';
import { seatMemberSql, seatMemberValues } from './sql/seat-member.sql';
import { updateMemberSql, updateMemberValues } from './sql/update-member.sql';
import { updateRoomSql } from './sql/update-room.sql';

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
    ownerRights: row.owner_rights as OwnerRights,
    messageWebhooks: row.message_webhooks,
    maxAudience: row.max_audience,
    audioOnly: row.audio_only,
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

/**
 * Inserts a new room at `version` with its first events, in one statement; a unique violation (as
 * Postgres would raise it) when an open room already has the name, without Postgres raising one.
 */
export async function insertRoomWithEvents(db: RoomDb, room: Room, version: number, requestId: string | null, events: OutboxRow[]): Promise<void> {
  const { rows } = await db.executeQuery<{ made: number }>(CompiledQuery.raw(createRoomSql(events.length), createRoomValues(room, version, requestId, events)));
  if (Number(rows[0]?.made) !== 1) throw uniqueViolation('rooms_open_name');
}

/**
 * The outbox's columns, and its rows as a SELECT that stamps each with the tx its room row was just
 * given (`written`, a CTE that returns event_tx): at least this transaction's id, and never below the
 * room's previous event. The webhook dispatcher relies on it (migration 2026-12-05T01-00).
 */
const eventColumns = ['id', 'room_id', 'seq', 'subject', 'payload', 'created_at', 'traceparent', 'tx'] as const;

function stampedEvents(events: OutboxRow[]) {
  const values = sql.join(
    events.map((e) => sql`(${e.id}::text, ${e.roomId}::text, ${e.seq}::int8, ${e.subject}::text, ${e.payload}::bytea, ${e.time}::timestamptz, ${e.traceparent}::text)`),
  );
  return sql<never>`select v.*, written.event_tx from (values ${values}) as v (id, room_id, seq, subject, payload, created_at, traceparent), written`;
}

/** The room's next event tx: this transaction's id, unless an earlier event of the room had a larger one. */
const nextEventTx = sql<string>`greatest(rooms.event_tx, pg_current_xact_id())`;

export async function findRoomById(db: RoomDb, id: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRoom(row) : null;
}

export async function roomSeqs(db: RoomDb, ids: string[]): Promise<Record<string, number>> {
  if (ids.length === 0) return {};
  const rows = await db.selectFrom('rooms').select(['id', 'seq']).where('id', 'in', ids).execute();
  return Object.fromEntries(rows.map((r) => [r.id, Number(r.seq)]));
}

export async function findOpenRoomByName(db: RoomDb, name: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('name', '=', name).where('state', '=', sql.lit('open')).executeTakeFirst();
  return row ? toRoom(row) : null;
}

export async function findRoomByRequestId(db: RoomDb, requestId: string): Promise<Room | null> {
  const row = await db.selectFrom('rooms').selectAll().where('create_request_id', '=', requestId).executeTakeFirst();
  return row ? toRoom(row) : null;
}

// The changes written the locked way. saveRoomIfUnchanged writes those a join, leave or stream change
// can make (owner_rights is not one of them: only UpdateRoom changes it).
const roomChanges = (room: Room) => ({
  display_name: room.displayName,
  metadata: room.metadata,
  owner_identity: room.ownerIdentity,
  owner_rights: room.ownerRights,
  state: room.state,
  member_count: room.memberCount,
  seq: room.seq,
  closed_at: room.closedAt,
  close_reason: room.closeReason,
  ever_joined: room.everJoined,
  auto_close_at: room.autoCloseAt,
});

/**
 * Writes the room's changeable state (and its new version), appends outbox rows and writes the members
 * that changed, in one statement (one round trip) when one member changed. Several (a room closing, a
 * seat replaced by the same identity) are written first, one by one and in order: a seat's unique
 * identity must be free before the same identity's new seat is inserted, and statements in one WITH
 * run in no set order. The room is locked by the caller, so `version` is simply the next one.
 */
export async function saveRoomWithEvents(db: RoomDb, room: Room, version: number, events: OutboxRow[], members: MemberWrite[] = []): Promise<void> {
  if (members.length > 1) for (const w of members) await memberWriteQuery(db, w).execute();
  const one = members.length === 1 ? members[0] : undefined;
  const set = { ...roomChanges(room), version };
  if (events.length === 0) {
    if (!one) await db.updateTable('rooms').set(set).where('id', '=', room.id).execute();
    else await db.with('member_written', (q) => memberWriteQuery(q, one)).updateTable('rooms').set(set).where('id', '=', room.id).execute();
    return;
  }
  const written = db.with('written', (q) => q.updateTable('rooms').set({ ...set, event_tx: nextEventTx }).where('id', '=', room.id).returning('event_tx'));
  if (one) {
    await written.with('member_written', (q) => memberWriteQuery(q, one)).insertInto('room_events').columns(eventColumns).expression(stampedEvents(events)).execute();
    return;
  }
  await written.insertInto('room_events').columns(eventColumns).expression(stampedEvents(events)).execute();
}

/**
 * The same write as saveRoomWithEvents, without a lock: it lands only if the room is still at
 * `expected` (nothing was written to it, its seats or its bans since it was read), all in one
 * statement: one round trip and no transaction. Returns false, having written nothing, when the room
 * moved on. One member at most (the caller takes the locked way otherwise). Plain SQL, its text built
 * once per shape and prepared once per connection (the files in sql/): this runs on every join, leave and stream change.
 */
export async function saveRoomIfUnchanged(db: RoomDb, room: Room, expected: number, events: OutboxRow[], member?: MemberWrite): Promise<boolean> {
  const query = !member
    ? CompiledQuery.raw(updateRoomSql(events.length), roomWriteValues(room, expected, events))
    : member.insert
      ? CompiledQuery.raw(seatMemberSql(events.length), seatMemberValues(room, expected, events, member))
      : CompiledQuery.raw(updateMemberSql(events.length), updateMemberValues(room, expected, events, member));
  const { rows } = await db.executeQuery<{ saved: number }>(query);
  return Number(rows[0]?.saved) === 1;
}

const roomVersionSql = prepared('select version from rooms where id = $1');

/** The room's version (see saveRoomIfUnchanged); -1 when there is no such room. */
export async function roomVersion(db: RoomDb, roomId: string): Promise<number> {
  const { rows } = await db.executeQuery<{ version: string }>(CompiledQuery.raw(roomVersionSql, [roomId]));
  return rows[0] ? Number(rows[0].version) : -1;
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


/** Bans an identity from a locked room; the room moves to `version` (see saveRoomWithEvents). */
export async function saveBan(db: RoomDb, roomId: string, identity: string, until: Date, reasonText: string, version: number): Promise<void> {
  await db
    .with('banned', (q) =>
      q
        .insertInto('room_bans')
        .values({ room_id: roomId, identity, until, reason_text: reasonText })
        .onConflict((oc) => oc.columns(['room_id', 'identity']).doUpdateSet({ until, reason_text: reasonText }))
        .returning('identity'),
    )
    .updateTable('rooms')
    .set({ version })
    .where('id', '=', roomId)
    .execute();
}

/**
 * Locks a room's row and reads, in the same round trip, its seated members and bans: everything a
 * change to a room needs to decide (round trips are the cost that matters here).
 *
 * When the lock had to wait for another transaction, Postgres hands back the room's row as that one
 * left it, but the seats and bans read in the same statement are as they were when the statement
 * began, before that commit. The version read both ways tells: when they differ, the read is made
 * again, now under the lock, and sees everything that committed.
 */
export async function lockRoomWithSeats(db: RoomDb, roomId: string): Promise<LockedRoom | null> {
  for (;;) {
    const { rows } = await sql<RoomsTable & { seated: MembersTable[]; bans: { identity: string; until: string }[]; seen_version: string }>`
      select r.*,
        coalesce((select json_agg(m order by m.joined_at, m.member_id) from members m
                  where m.room_id = r.id and m.state <> 'left'), '[]'::json) as seated,
        coalesce((select json_agg(json_build_object('identity', b.identity, 'until', b.until)) from room_bans b
                  where b.room_id = r.id and b.until > now()), '[]'::json) as bans,
        (select v.version from rooms v where v.id = r.id) as seen_version
      from rooms r where r.id = ${roomId} for update of r`.execute(db);
    const row = rows[0];
    if (!row) return null;
    if (Number(row.seen_version) !== Number(row.version)) continue;
    return {
      room: toRoom(row),
      seated: row.seated.map(toMember),
      bans: new Map(row.bans.map((b) => [b.identity, new Date(b.until)])),
      version: Number(row.version),
    };
  }
}
