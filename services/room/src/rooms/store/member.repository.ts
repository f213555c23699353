// Members rows <-> Member domain objects.
import { sql } from 'kysely';
import { ClientKind, LeaveReason, Member, MemberRole, MemberState, StreamSource } from '../domain/room';
import { RoomDb } from '../../db/database';
import { MembersTable } from './room.tables';
import { initialMediaState, MediaState } from '../domain/media-state';
import type { MemberWrite } from './room-store';

export function toMember(row: MembersTable): Member {
  return {
    memberId: row.member_id,
    roomId: row.room_id,
    identity: row.identity,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    customData: row.custom_data,
    connectionInterrupted: row.connection_interrupted,
    streamSource: (row.stream_source as StreamSource | null) ?? null,
    media: readMediaState(row.media),
    state: row.state as MemberState,
    streamId: row.stream_id,
    sessionId: row.session_id,
    joinedAt: new Date(row.joined_at),
    leftAt: row.left_at ? new Date(row.left_at) : null,
    leaveReason: row.leave_reason as LeaveReason | null,
    role: (row.role as MemberRole | undefined) ?? 'seat',
    seatInvited: row.seat_invited ?? false,
    kind: row.kind as ClientKind,
  };
}

/** Members holding a seat, in the order they joined. */
export async function seatedMembers(db: RoomDb, roomId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('members')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('state', '<>', sql.lit('left'))
    .orderBy('joined_at')
    .orderBy('member_id')
    .execute();
  return rows.map(toMember);
}

export async function seatedMembersOfSession(db: RoomDb, sessionId: string): Promise<Member[]> {
  const rows = await db.selectFrom('members').selectAll().where('session_id', '=', sessionId).where('state', '<>', sql.lit('left')).execute();
  return rows.map(toMember);
}

export async function seatedMembersOfSessions(db: RoomDb, sessionIds: string[]): Promise<Member[]> {
  if (sessionIds.length === 0) return [];
  const rows = await db.selectFrom('members').selectAll().where('session_id', 'in', sessionIds).where('state', '<>', sql.lit('left')).execute();
  return rows.map(toMember);
}

export async function findMemberByStream(db: RoomDb, streamId: string): Promise<Member | null> {
  const row = await db.selectFrom('members').selectAll().where('stream_id', '=', streamId).executeTakeFirst();
  return row ? toMember(row) : null;
}

export async function findMemberByJoinRequest(db: RoomDb, roomId: string, requestId: string): Promise<Member | null> {
  const row = await db.selectFrom('members').selectAll().where('room_id', '=', roomId).where('join_request_id', '=', requestId).executeTakeFirst();
  return row ? toMember(row) : null;
}

/** The statement writing one member's row, to run alone or as a CTE of the room's commit. */
export function memberWriteQuery(db: Pick<RoomDb, 'insertInto' | 'updateTable'>, w: MemberWrite) {
  const m = w.member;
  if (w.insert) {
    return db
      .insertInto('members')
      .values({
        member_id: m.memberId,
        room_id: m.roomId,
        identity: m.identity,
        display_name: m.displayName,
        avatar_url: m.avatarUrl,
        custom_data: m.customData,
        connection_interrupted: m.connectionInterrupted,
        stream_source: m.streamSource,
        media: JSON.stringify(m.media),
        state: m.state,
        stream_id: m.streamId,
        session_id: m.sessionId,
        joined_at: m.joinedAt,
        left_at: m.leftAt,
        leave_reason: m.leaveReason,
        join_request_id: w.joinRequestId,
        role: m.role ?? 'seat',
        seat_invited: m.seatInvited ?? false,
        kind: m.kind,
      })
      .returning('member_id');
  }
  return db
    .updateTable('members')
    .set({
      state: m.state,
      left_at: m.leftAt,
      leave_reason: m.leaveReason,
      display_name: m.displayName,
      avatar_url: m.avatarUrl,
      custom_data: m.customData,
      connection_interrupted: m.connectionInterrupted,
      stream_source: m.streamSource,
      role: m.role ?? 'seat',
      seat_invited: m.seatInvited ?? false,
      media: JSON.stringify(m.media),
    })
    .where('member_id', '=', m.memberId)
    .returning('member_id');
}

/** A row's media column (jsonb: parsed by the driver, or text from some); null: as a new seat starts. */
function readMediaState(value: unknown): MediaState {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as MediaState) : (value as MediaState | null);
  return parsed ?? initialMediaState(false);
}
