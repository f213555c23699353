// A new room's one statement (RoomChangeSet.create, then commit): the room's row and its first events
// (room.created), or nothing when an open room already has the name.
import { prepared } from '@rtcroom/common';
import type { OutboxRow } from '../../../outbox/outbox-row';
import type { Room } from '../../domain/room';
import { byEventCount, eventRows } from './room-write.sql';

const columns = [
  ['id', 'text'],
  ['name', 'text'],
  ['kind', 'text'],
  ['display_name', 'text'],
  ['max_members', 'int4'],
  ['metadata', 'text'],
  ['recording', 'bool'],
  ['recording_formats', 'text'],
  ['state', 'text'],
  ['owner_identity', 'text'],
  ['owner_rights', 'text'],
  ['message_webhooks', 'bool'],
  ['max_audience', 'int4'],
  ['audio_only', 'bool'],
  ['member_count', 'int4'],
  ['seq', 'int8'],
  ['create_request_id', 'text'],
  ['created_at', 'timestamptz'],
  ['closed_at', 'timestamptz'],
  ['close_reason', 'text'],
  ['owner_leave_policy', 'text'],
  ['empty_timeout_seconds', 'int4'],
  ['departure_timeout_seconds', 'int4'],
  ['duplicate_identity', 'text'],
  ['ever_joined', 'bool'],
  ['auto_close_at', 'timestamptz'],
  ['version', 'int8'],
] as const;

/**
 * `made`: the room's row, stamped with this transaction's id as its latest event's tx; no row (and no
 * error: a join by name tries this before looking the room up) when an open room has the name, which
 * the caller answers as the unique violation it replaces. A taken create_request_id still fails.
 *
 * `events_written`: its first events, each stamped with that tx (absent when there are none).
 */
export const createRoomSql = byEventCount((events) => {
  const made = `made as (
    insert into rooms (${columns.map(([name]) => name).join(', ')}, event_tx)
    values (${columns.map(([, type], i) => `$${i + 1}::${type}`).join(', ')}, pg_current_xact_id())
    on conflict (name) where state = 'open' do nothing
    returning event_tx)`;
  const written =
    events === 0
      ? ''
      : `,
  events_written as (
    insert into room_events (id, room_id, seq, subject, payload, created_at, traceparent, tx)
    select e.*, made.event_tx from ${eventRows(events, columns.length)}, made)`;
  return prepared(`with ${made}${written} select count(*)::int as made from made`);
});

export function createRoomValues(room: Room, version: number, requestId: string | null, events: OutboxRow[]): unknown[] {
  const values: unknown[] = [room.id, room.name, room.kind, room.displayName, room.maxMembers, room.metadata, room.recording];
  values.push((room.recordingFormats ?? []).join('|'), room.state, room.ownerIdentity, room.ownerRights, room.messageWebhooks === true);
  values.push(room.maxAudience ?? 30, room.audioOnly === true, room.memberCount, room.seq, requestId, room.createdAt, room.closedAt);
  values.push(room.closeReason, room.ownerLeavePolicy, room.emptyTimeoutSeconds, room.departureTimeoutSeconds, room.duplicateIdentity);
  values.push(room.everJoined, room.autoCloseAt, version);
  for (const e of events) values.push(e.id, e.roomId, e.seq, e.subject, e.payload, e.time, e.traceparent);
  return values;
}
