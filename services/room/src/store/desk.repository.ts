// Teams and agents rows <-> desk domain objects.
import { Agent, AgentState, Team } from '../domain/desk';
import { AgentsTable, RoomDb, TeamsTable } from './database';

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

const toAgent = (r: AgentsTable): Agent => ({ teamId: r.team_id, identity: r.identity, state: r.state as AgentState, stateSince: new Date(r.state_since) });

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
    .values({ team_id: a.teamId, identity: a.identity, state: a.state, state_since: a.stateSince })
    .onConflict((oc) => oc.columns(['team_id', 'identity']).doUpdateSet({ state: a.state, state_since: a.stateSince }))
    .execute();
}
