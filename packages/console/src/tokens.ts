// Where the console's access tokens come from: the embedded default's /dev/token endpoint (asked again
// whenever the SDK needs a fresh one), or a pasted token, whose agent and supervisor teams it reads.
import { RtcRoomError } from '@rtcroom/sdk';

/** Asks the embedded default's /dev/token endpoint, again on every reconnect and before the token in use expires. */
export function devToken(identity: string, displayName: string, agentTeams: string[], supervisorTeams: string[] = []): () => Promise<string> {
  const name = displayName ? `&name=${encodeURIComponent(displayName)}` : '';
  const teams = (grant: string, list: string[]) => (list.length > 0 ? `&${grant}=${encodeURIComponent(list.join(','))}` : '');
  // list=1: the console is a lobby, so its development token may list rooms.
  const tokenUrl = `/dev/token?identity=${encodeURIComponent(identity)}${name}${teams('agent', agentTeams)}${teams('supervisor', supervisorTeams)}&list=1`;
  return async () => {
    const res = await fetch(tokenUrl);
    const body = await res.json();
    if (!res.ok) throw new RtcRoomError(body?.error?.code ?? 'UNAUTHENTICATED', body?.error?.message ?? `token endpoint answered ${res.status}`);
    return body.token as string;
  };
}

/** The teams a pasted token makes its holder an agent of (read, not verified: the gateway does that). */
export const agentTeamsOf = (token: string) => teamsOf(token, 'agentTeams');

/** The teams a pasted token makes its holder a supervisor of (the Supervise panel shows only for these). */
export const supervisorTeamsOf = (token: string) => teamsOf(token, 'supervisorTeams');

function teamsOf(token: string, grant: 'agentTeams' | 'supervisorTeams'): string[] {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return Array.isArray(claims?.grants?.[grant]) ? claims.grants[grant].map(String) : [];
  } catch {
    return [];
  }
}
