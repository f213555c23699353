// Calls rows <-> Call domain objects.
import { sql } from 'kysely';
import { Call, CallEndReason, CallState } from '../domain/call';
import { RoomDb } from '../../db/database';
import { CallsTable } from './call.tables';

export const toCall = (r: CallsTable): Call => ({
  id: r.id,
  roomId: r.room_id,
  callerIdentity: r.caller_identity,
  calleeIdentity: r.callee_identity,
  state: r.state as CallState,
  endReason: r.end_reason as CallEndReason | null,
  endedBy: r.ended_by,
  callerStreamId: r.caller_stream_id,
  metadata: r.metadata,
  ringTimeoutSeconds: r.ring_timeout_seconds,
  createdAt: new Date(r.created_at),
  ringAt: r.ring_at ? new Date(r.ring_at) : null,
  answerAt: r.answer_at ? new Date(r.answer_at) : null,
  endAt: r.end_at ? new Date(r.end_at) : null,
  deadlineAt: r.deadline_at ? new Date(r.deadline_at) : null,
  teamId: r.team_id,
  queueAt: r.queue_at ? new Date(r.queue_at) : null,
  queuePosition: r.queue_position,
  estimatedWaitSeconds: r.estimated_wait_seconds,
  agentIdentities: splitList(r.agent_identities),
  invitedIdentities: splitList(r.invited_identities),
  declinedBy: splitList(r.declined_by),
});

const splitList = (s: string): string[] => (s ? s.split('|') : []);

const toRow = (c: Call): CallsTable => ({
  id: c.id,
  room_id: c.roomId,
  caller_identity: c.callerIdentity,
  callee_identity: c.calleeIdentity,
  state: c.state,
  end_reason: c.endReason,
  ended_by: c.endedBy,
  caller_stream_id: c.callerStreamId,
  metadata: c.metadata,
  ring_timeout_seconds: c.ringTimeoutSeconds,
  created_at: c.createdAt,
  ring_at: c.ringAt,
  answer_at: c.answerAt,
  end_at: c.endAt,
  deadline_at: c.deadlineAt,
  team_id: c.teamId,
  queue_at: c.queueAt,
  queue_position: c.queuePosition,
  estimated_wait_seconds: c.estimatedWaitSeconds,
  agent_identities: c.agentIdentities.join('|'),
  invited_identities: c.invitedIdentities.join('|'),
  declined_by: c.declinedBy.join('|'),
});

export async function insertCall(db: RoomDb, call: Call): Promise<void> {
  await db.insertInto('calls').values(toRow(call)).execute();
}

export async function saveCall(db: RoomDb, call: Call): Promise<void> {
  const { id, ...rest } = toRow(call);
  await db.updateTable('calls').set(rest).where('id', '=', id).execute();
}

export async function findCall(db: RoomDb, id: string): Promise<Call | null> {
  const row = await db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toCall(row) : null;
}

export async function findCallByRoom(db: RoomDb, roomId: string): Promise<Call | null> {
  const row = await db.selectFrom('calls').selectAll().where('room_id', '=', roomId).executeTakeFirst();
  return row ? toCall(row) : null;
}

/** Whether the identity is a party to a call that has not ended. */
/** The calls not ended whose callee or caller is the identity (the partial indexes on each serve it). */
const liveCallsOfQuery = (db: RoomDb, identity: string) =>
  db
    .selectFrom('calls')
    .where('state', '<>', sql.lit('ended'))
    .where((eb) => eb.or([eb('callee_identity', '=', identity), eb('caller_identity', '=', identity)]));

export async function inLiveCall(db: RoomDb, identity: string): Promise<boolean> {
  return (await liveCallsOfQuery(db, identity).select('id').executeTakeFirst()) !== undefined;
}

export async function liveCallsOf(db: RoomDb, identity: string, limit: number): Promise<Call[]> {
  const rows = await liveCallsOfQuery(db, identity).selectAll().orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(toCall);
}

export async function callsPastDeadline(db: RoomDb, now: Date, limit: number): Promise<Call[]> {
  const rows = await db
    .selectFrom('calls')
    .selectAll()
    .where('state', 'in', [sql.lit('dialing'), sql.lit('ringing')])
    .where('deadline_at', '<=', now)
    .limit(limit)
    .execute();
  return rows.map(toCall);
}
