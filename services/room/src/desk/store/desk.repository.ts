// Teams and agents rows <-> desk domain objects.
import { sql } from 'kysely';
import { Call } from '../../calls/domain/call';
import { Agent, AgentState, Team } from '../domain/desk';
import { toCall } from '../../calls/store/call.repository';
import { RoomDb } from '../../db/database';
import { AgentsTable, TeamsTable } from './desk.tables';
import type { CallRecordingFilter, CallRecordingRow, TeamCallFigures } from './desk-store';

const toTeam = (r: TeamsTable): Team => ({
  id: r.id,
  name: r.name,
  displayName: r.display_name,
  recordingFormats: r.recording_formats ? r.recording_formats.split('|') : [],
  ringTimeoutSeconds: r.ring_timeout_seconds,
  wrapUpSeconds: r.wrap_up_seconds,
  queueLimit: r.queue_limit,
  createdAt: new Date(r.created_at),
});

const toAgent = (r: AgentsTable): Agent => ({
  teamId: r.team_id,
  identity: r.identity,
  state: r.state as AgentState,
  stateSince: new Date(r.state_since),
  availableSince: r.available_since ? new Date(r.available_since) : null,
  wrapUpUntil: r.wrap_up_until ? new Date(r.wrap_up_until) : null,
});

export async function insertTeam(db: RoomDb, t: Team): Promise<void> {
  await db
    .insertInto('teams')
    .values({
      id: t.id,
      name: t.name,
      display_name: t.displayName,
      recording_formats: t.recordingFormats.join('|'),
      ring_timeout_seconds: t.ringTimeoutSeconds,
      wrap_up_seconds: t.wrapUpSeconds,
      queue_limit: t.queueLimit,
      created_at: t.createdAt,
    })
    .execute();
}

/** By id or by name. */
export async function findTeam(db: RoomDb, idOrName: string): Promise<Team | null> {
  const row = await db
    .selectFrom('teams')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  return row ? toTeam(row) : null;
}

export async function listTeams(db: RoomDb): Promise<Team[]> {
  return (await db.selectFrom('teams').selectAll().orderBy('name').execute()).map(toTeam);
}

export async function agentsOf(db: RoomDb, teamId: string): Promise<Agent[]> {
  return (await db.selectFrom('agents').selectAll().where('team_id', '=', teamId).orderBy('state_since').execute()).map(toAgent);
}

/** The agent row, locked for the rest of the transaction. */
export async function lockAgent(db: RoomDb, teamId: string, identity: string): Promise<Agent | null> {
  const row = await db.selectFrom('agents').selectAll().where('team_id', '=', teamId).where('identity', '=', identity).forUpdate().executeTakeFirst();
  return row ? toAgent(row) : null;
}

export async function saveAgent(db: RoomDb, a: Agent): Promise<void> {
  await db
    .insertInto('agents')
    .values({ team_id: a.teamId, identity: a.identity, state: a.state, state_since: a.stateSince, available_since: a.availableSince, wrap_up_until: a.wrapUpUntil })
    .onConflict((oc) =>
      oc.columns(['team_id', 'identity']).doUpdateSet({ state: a.state, state_since: a.stateSince, available_since: a.availableSince, wrap_up_until: a.wrapUpUntil }),
    )
    .execute();
}

/** Serialises routing and queue admission per team across instances (held to the end of the transaction). */
export async function lockTeam(db: RoomDb, teamId: string): Promise<void> {
  await db.selectFrom('teams').select('id').where('id', '=', teamId).forUpdate().execute();
}

/** Serialises offers to one identity (an agent of several teams) to the end of the transaction. */
export async function lockIdentity(db: RoomDb, identity: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`rtcroom.agent:${identity}`}))`.execute(db);
}

/** Whether the identity is ringing, in a call or wrapping up as an agent of any team. */
export async function busyInAnyTeam(db: RoomDb, identity: string): Promise<boolean> {
  const row = await db
    .selectFrom('agents')
    .select('team_id')
    .where('identity', '=', identity)
    .where('state', 'in', [sql.lit('ringing'), sql.lit('in_call'), sql.lit('wrap_up')])
    .executeTakeFirst();
  return row !== undefined;
}

/** Of these identities, the ones ringing, in a call or wrapping up for a team other than `teamId`. */
export async function busyElsewhere(db: RoomDb, teamId: string, identities: string[]): Promise<Map<string, AgentState>> {
  if (identities.length === 0) return new Map();
  const rows = await db
    .selectFrom('agents')
    .select(['identity', 'state'])
    .where('identity', 'in', identities)
    .where('team_id', '<>', teamId)
    .where('state', 'in', [sql.lit('ringing'), sql.lit('in_call'), sql.lit('wrap_up')])
    .execute();
  return new Map(rows.map((r) => [r.identity, r.state as AgentState]));
}

/** The team's calls not yet answered: dialing, queued or ringing, in queue order. */
export async function waitingCalls(db: RoomDb, teamId: string): Promise<Call[]> {
  const rows = await db
    .selectFrom('calls')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('state', 'in', [sql.lit('dialing'), sql.lit('queued'), sql.lit('ringing')])
    .orderBy('queue_at')
    .orderBy('id')
    .execute();
  return rows.map(toCall);
}

export async function liveCalls(db: RoomDb, teamId: string): Promise<Call[]> {
  const rows = await db.selectFrom('calls').selectAll().where('team_id', '=', teamId).where('state', '=', sql.lit('active')).orderBy('answer_at').orderBy('id').execute();
  return rows.map(toCall);
}

export async function countWaiting(db: RoomDb, teamId: string): Promise<number> {
  const row = await db
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('team_id', '=', teamId)
    .where('state', 'in', [sql.lit('dialing'), sql.lit('queued'), sql.lit('ringing')])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Teams with calls waiting in their queue (the router's periodic sweep). */
export async function teamsWithQueuedCalls(db: RoomDb): Promise<string[]> {
  const rows = await db.selectFrom('calls').select('team_id').distinct().where('state', '=', sql.lit('queued')).where('team_id', 'is not', null).execute();
  return rows.map((r) => r.team_id!);
}

/** Team calls ringing an agent now (to move on when the agent's connection is gone). */
export async function ringingTeamCalls(db: RoomDb): Promise<Call[]> {
  const rows = await db.selectFrom('calls').selectAll().where('state', '=', sql.lit('ringing')).where('team_id', 'is not', null).execute();
  return rows.map(toCall);
}

export async function agentsInWrapUpDue(db: RoomDb, now: Date, limit: number): Promise<Agent[]> {
  const rows = await db.selectFrom('agents').selectAll().where('state', '=', sql.lit('wrap_up')).where('wrap_up_until', '<=', now).limit(limit).execute();
  return rows.map(toAgent);
}

/** Figures over the team's calls made since `since`. */
export async function teamCallFigures(db: RoomDb, teamId: string, since: Date): Promise<TeamCallFigures> {
  const { rows } = await sql<{ offered: string; answered: string; abandoned: string; avg_wait: number | null; max_wait: number | null; avg_handle: number | null }>`
    select count(*) as offered,
      count(answer_at) as answered,
      count(*) filter (where state = 'ended' and answer_at is null) as abandoned,
      avg(extract(epoch from answer_at - created_at)) as avg_wait,
      max(extract(epoch from answer_at - created_at)) as max_wait,
      avg(extract(epoch from end_at - answer_at)) filter (where answer_at is not null and end_at is not null) as avg_handle
    from calls where team_id = ${teamId} and created_at >= ${since}`.execute(db);
  const r = rows[0];
  return {
    offered: Number(r?.offered ?? 0),
    answered: Number(r?.answered ?? 0),
    abandoned: Number(r?.abandoned ?? 0),
    averageWaitSeconds: Number(r?.avg_wait ?? 0),
    longestWaitSeconds: Number(r?.max_wait ?? 0),
    averageHandlingSeconds: Number(r?.avg_handle ?? 0),
  };
}

/** Keeps a recording against its desk call; a repeat changes nothing. */
export async function insertCallRecording(db: RoomDb, r: CallRecordingRow): Promise<void> {
  await db
    .insertInto('call_recordings')
    .values({
      recording_id: r.recordingId,
      call_id: r.callId,
      team_id: r.teamId,
      customer_identity: r.customerIdentity,
      agent_identities: `|${r.agentIdentities.join('|')}|`,
      recording: r.recording,
      created_at: r.createdAt,
    })
    .onConflict((oc) => oc.column('recording_id').doNothing())
    .execute();
}

/** Newest first; `after` is the last row of the previous page. */
export async function listCallRecordings(db: RoomDb, f: CallRecordingFilter, limit: number, after: { createdAt: Date; recordingId: string } | null): Promise<CallRecordingRow[]> {
  let q = db.selectFrom('call_recordings').selectAll();
  if (f.callId) q = q.where('call_id', '=', f.callId);
  if (f.teamId) q = q.where('team_id', '=', f.teamId);
  if (f.customerIdentity) q = q.where('customer_identity', '=', f.customerIdentity);
  if (f.agentIdentity) q = q.where(sql<boolean>`strpos(agent_identities, ${`|${f.agentIdentity}|`}) > 0`);
  if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('recording_id', '<', after.recordingId)])]));
  const rows = await q.orderBy('created_at', 'desc').orderBy('recording_id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    recordingId: r.recording_id,
    callId: r.call_id,
    teamId: r.team_id,
    customerIdentity: r.customer_identity,
    agentIdentities: r.agent_identities.split('|').filter(Boolean),
    recording: r.recording,
    createdAt: new Date(r.created_at),
  }));
}
