// The one statement of a leave and of a stream change (push began, push ended), and of any other
// optimistic change to one member's row (connection, media state, profile): the room, the member's
// row and the events together, or nothing if the room moved on.
import { prepared } from '@rtcroom/common';
import type { OutboxRow } from '../../../outbox/outbox-row';
import type { Room } from '../../domain/room';
import type { MemberWrite } from '../room-store';
import { byEventCount, firstOwnParam, roomWriteCtes, roomWriteValues, roomWritten } from './room-write.sql';

/** `saved`, `events_written`: room-write.sql.ts. `member_written`: the member's changeable columns, only if the room was saved. */
export const updateMemberSql = byEventCount((events) => {
  const p = (k: number, type: string) => `$${firstOwnParam(events) + k}::${type}`;
  return prepared(`with ${roomWriteCtes(events)},
  member_written as (
    update members set state = ${p(1, 'text')}, left_at = ${p(2, 'timestamptz')}, leave_reason = ${p(3, 'text')},
      display_name = ${p(4, 'text')}, avatar_url = ${p(5, 'text')}, custom_data = ${p(6, 'text')},
      connection_interrupted = ${p(7, 'bool')}, stream_source = ${p(8, 'text')}, role = ${p(9, 'text')},
      seat_invited = ${p(10, 'bool')}, media = ${p(11, 'jsonb')}
    where member_id = ${p(0, 'text')} and exists (select 1 from saved))
  ${roomWritten}`);
});

export function updateMemberValues(room: Room, expected: number, events: OutboxRow[], { member: m }: MemberWrite): unknown[] {
  const values = roomWriteValues(room, expected, events);
  values.push(m.memberId, m.state, m.leftAt, m.leaveReason, m.displayName, m.avatarUrl, m.customData, m.connectionInterrupted);
  values.push(m.streamSource, m.role ?? 'seat', m.seatInvited ?? false, JSON.stringify(m.media));
  return values;
}
