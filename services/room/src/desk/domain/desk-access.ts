// Who may do what at the service desk: an agent's own requests about a team need the team, by id or
// name, in the token's agent_teams (calling a team is calling: calls/domain/call-access.ts).
// Supervising a team's calls needs the team in the token's supervisor_teams.
import { DomainError } from '@rtcroom/common/errors';
import { Actor } from '../../rooms/domain/room-access';
import { Team } from './desk';

/** An agent's own requests about a team: the team (by id or name) is one of its agent_teams. */
export function checkAgentOf(actor: Actor, team: Pick<Team, 'id' | 'name'>): void {
  if (!actor) return;
  const teams = actor.grants.agentTeams ?? [];
  if (!teams.includes(team.id) && !teams.includes(team.name)) {
    throw new DomainError('PERMISSION_DENIED', `the access token is not an agent grant for team ${team.name}`);
  }
}

/** A supervisor's requests about a team's calls: the team (by id or name) is one of its supervisor_teams. */
export function checkSupervisorOf(actor: Actor, team: Pick<Team, 'id' | 'name'>): void {
  if (!actor) return;
  const teams = actor.grants.supervisorTeams ?? [];
  if (!teams.includes(team.id) && !teams.includes(team.name)) {
    throw new DomainError('NOT_A_SUPERVISOR', `the access token is not a supervisor grant for team ${team.name}`, { team: team.name });
  }
}
