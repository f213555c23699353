// What the desk's use cases and its router share: teams by id or name (they do not change once made,
// so they are kept after the first read), and which identities are connected.
import { DomainError, RequestScope } from '@rtcroom/common';
import { Team } from '../domain/desk';
import type { DeskStore } from '../store/desk-store';
import { PresencePort } from '../../calls/application/calls';

export class TeamDirectory {
  private readonly cache = new Map<string, Team>();

  constructor(private readonly desk: DeskStore) {}

  async find(idOrName: string): Promise<Team> {
    if (!idOrName) throw new DomainError('INVALID_ARGUMENT', 'team_id or name is required', { field: 'team_id' });
    const cached = this.cache.get(idOrName);
    if (cached) return cached;
    const team = await this.desk.findTeam(idOrName);
    if (!team) throw new DomainError('NOT_FOUND', `no team ${idOrName}`);
    this.cache.set(team.id, team);
    this.cache.set(team.name, team);
    return team;
  }
}

/** The identities among these with a connection now, in one call (presence failing: nobody). */
export async function onlineOf(presence: PresencePort, identities: string[], scope?: RequestScope): Promise<Set<string>> {
  if (identities.length === 0) return new Set();
  return presence.onlineAmong(identities, scope).catch(() => new Set<string>());
}
