// What every optimistic room write (saveRoomIfUnchanged) sends first: the room's row, written only if
// still at the version the change was decided on, and the outbox rows written with it. A statement's
// text depends only on how many outbox rows it carries, so it is built once per count (and prepared
// once per connection); per call only the parameters are built. The rows go as scalar parameters, one
// VALUES row each: arrays (one text per statement whatever the count) cost Postgres about a tenth more
// CPU per member lifecycle to parse, measured (bench/results/hotpath.md, 2026-12-06, third pass).
import type { OutboxRow } from '../../../outbox/outbox-row';
import type { Room } from '../../domain/room';

/** Parameters of the room part ($1..$12); the outbox rows' follow, 7 each, then the statement's own. */
const roomParamCount = 12;
const eventParamCount = 7;

/** The first parameter after the room's and `events` outbox rows'. */
export function firstOwnParam(events: number): number {
  return roomParamCount + eventParamCount * events + 1;
}

/**
 * `saved`: the room's changeable state (what a join, leave or stream change can change) and its next
 * version, only if it is still at version $2 (nobody wrote the room, its seats or its bans since it was
 * read); no row when it moved on, and then nothing else in the statement writes. With outbox rows it
 * returns the tx stamp they take: this transaction's id, unless an earlier event of the room had a
 * larger one (the webhook dispatcher relies on it, migration 2026-12-05T01-00).
 *
 * `events_written`: the outbox rows, each stamped with that tx (absent when there are none).
 */
export function roomWriteCtes(events: number): string {
  const saved = `
  saved as (
    update rooms set display_name = $3::text, metadata = $4::text, owner_identity = $5::text, state = $6::text,
      member_count = $7::int4, seq = $8::int8, closed_at = $9::timestamptz, close_reason = $10::text,
      ever_joined = $11::bool, auto_close_at = $12::timestamptz, version = version + 1${events > 0 ? ', event_tx = greatest(rooms.event_tx, pg_current_xact_id())' : ''}
    where id = $1::text and version = $2::int8
    returning event_tx)`;
  if (events === 0) return saved;
  return `${saved},
  events_written as (
    insert into room_events (id, room_id, seq, subject, payload, created_at, traceparent, tx)
    select e.*, saved.event_tx from ${eventRows(events, roomParamCount)}, saved)`;
}

/** `events` outbox rows as a VALUES list named `e`, their parameters after the first `after`. */
export function eventRows(events: number, after: number): string {
  const rows = Array.from({ length: events }, (_, i) => {
    const p = (k: number, type: string) => `$${after + eventParamCount * i + k}::${type}`;
    return `(${p(1, 'text')}, ${p(2, 'text')}, ${p(3, 'int8')}, ${p(4, 'text')}, ${p(5, 'bytea')}, ${p(6, 'timestamptz')}, ${p(7, 'text')})`;
  });
  return `(values ${rows.join(', ')}) as e (id, room_id, seq, subject, payload, created_at, traceparent)`;
}

/** Whether the room was written: every statement ends with this. */
export const roomWritten = 'select count(*)::int as saved from saved';

/** The room part's and the outbox rows' values, in parameter order. */
export function roomWriteValues(room: Room, expected: number, events: OutboxRow[]): unknown[] {
  const values: unknown[] = [
    room.id,
    expected,
    room.displayName,
    room.metadata,
    room.ownerIdentity,
    room.state,
    room.memberCount,
    room.seq,
    room.closedAt,
    room.closeReason,
    room.everJoined,
    room.autoCloseAt,
  ];
  for (const e of events) values.push(e.id, e.roomId, e.seq, e.subject, e.payload, e.time, e.traceparent);
  return values;
}

/** A statement's text for each count of outbox rows, built on first use (and marked for preparing). */
export function byEventCount(build: (events: number) => string): (events: number) => string {
  const texts: string[] = [];
  return (events) => (texts[events] ??= build(events));
}
