// Service-desk use cases (first part): teams, and agents setting their state. Routing calls to agents
// and the queue build on these.
import { DomainError, identityPattern, newId } from '@rtcroom/common';
import { Agent, AgentState, agentChooses, normalizeTeam, Team } from '../domain/desk';
import { agentsOf, findTeam, insertTeam, listTeams, lockAgent, saveAgent } from '../store/desk.repository';
import { PresencePort } from './calls';
import { RoomTransactions } from './room-transaction';

export interface AgentView extends Agent {
  /** Connected right now (an agent who is not is out of rotation). */
  connected: boolean;
}

export class Desk {
  constructor(
    private readonly tx: RoomTransactions,
    private readonly presence: PresencePort,
  ) {}

  async createTeam(input: Omit<Team, 'id' | 'createdAt'>): Promise<Team> {
    const team: Team = { ...normalizeTeam(input), id: newId('t'), createdAt: new Date() };
    try {
      await insertTeam(this.tx.db, team);
    } catch (err) {
      if ((err as { code?: string })?.code === '23505') throw new DomainError('ALREADY_EXISTS', `a team is named ${team.name}`, { name: team.name });
      throw err;
    }
    return team;
  }

  async team(idOrName: string): Promise<{ team: Team; agents: AgentView[] }> {
    const team = await this.find(idOrName);
    const agents = await agentsOf(this.tx.db, team.id);
    const online = await Promise.all(agents.map((a) => this.presence.isOnline(a.identity).catch(() => false)));
    return { team, agents: agents.map((a, i) => ({ ...a, connected: online[i] })) };
  }

  teams(): Promise<Team[]> {
    return listTeams(this.tx.db);
  }

  async setAgentState(teamIdOrName: string, identity: string, state: AgentState): Promise<Agent> {
    if (!identityPattern.test(identity)) throw new DomainError('INVALID_ARGUMENT', 'identity is not valid', { field: 'identity' });
    const team = await this.find(teamIdOrName);
    return this.tx.db.transaction().execute(async (db) => {
      const next = agentChooses(await lockAgent(db, team.id, identity), team.id, identity, state, new Date());
      await saveAgent(db, next);
      return next;
    });
  }

  private async find(idOrName: string): Promise<Team> {
    if (!idOrName) throw new DomainError('INVALID_ARGUMENT', 'team_id or name is required', { field: 'team_id' });
    const team = await findTeam(this.tx.db, idOrName);
    if (!team) throw new DomainError('NOT_FOUND', `no team ${idOrName}`);
    return team;
  }
}
