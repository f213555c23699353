// A join's one statement (Memberships.join, the optimistic way): the room, the new seat and the
// member.joined event together, or nothing if the room moved on.
import { prepared } from '@rtcroom/common';
import type { OutboxRow } from '../../../outbox/outbox-row';
import type { Room } from '../../domain/room';
import type { MemberWrite } from '../room-store';
import { byEventCount, firstOwnParam, roomWriteCtes, roomWriteValues, roomWritten } from './room-write.sql';

const columns =
  'member_id, room_id, identity, display_name, avatar_url, custom_data, connection_interrupted, stream_source, state, ' +
  'stream_id, session_id, joined_at, left_at, leave_reason, join_request_id, role, seat_invited, kind, media';
const types = 'text text text text text text bool text text text text timestamptz timestamptz text text text bool text jsonb'.split(' ');

/** `saved`, `events_written`: room-write.sql.ts. `member_written`: the new seat's row, only if the room was saved. */
export const seatMemberSql = byEventCount((events) => {
  const first = firstOwnParam(events);
  return prepared(`with ${roomWriteCtes(events)},
  member_written as (
    insert into members (${columns})
    select ${types.map((type, i) => `$${first + i}::${type}`).join(', ')} from saved)
  ${roomWritten}`);
});

export function seatMemberValues(room: Room, expected: number, events: OutboxRow[], { member: m, joinRequestId }: MemberWrite): unknown[] {
  const values = roomWriteValues(room, expected, events);
  values.push(m.memberId, m.roomId, m.identity, m.displayName, m.avatarUrl, m.customData, m.connectionInterrupted, m.streamSource, m.state);
  values.push(m.streamId, m.sessionId, m.joinedAt, m.leftAt, m.leaveReason, joinRequestId, m.role ?? 'seat', m.seatInvited ?? false, m.kind);
  values.push(JSON.stringify(m.media));
  return values;
}
