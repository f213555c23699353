// Where the console's access tokens come from: the embedded default's /dev/token endpoint (asked again
// whenever the SDK needs a fresh one), or a pasted token, whose agent teams it reads to offer them.
import { RtcRoomError } from '@rtcroom/sdk';

/** Asks the embedded default's /dev/token endpoint, again on every reconnect and before the token in use expires. */
export function devToken(identity: string, displayName: string, agentTeams: string[]): () => Promise<string> {
  const name = displayName ? `&name=${encodeURIComponent(displayName)}` : '';
  const agent = agentTeams.length > 0 ? `&agent=${encodeURIComponent(agentTeams.join(','))}` : '';
  // list=1: the console is a lobby, so its development token may list rooms.
  const tokenUrl = `/dev/token?identity=${encodeURIComponent(identity)}${name}${agent}&list=1`;
  return async () => {
    const res = await fetch(tokenUrl);
    const body = await res.json();
    if (!res.ok) throw new RtcRoomError(body?.error?.code ?? 'UNAUTHENTICATED', body?.error?.message ?? `token endpoint answered ${res.status}`);
    return body.token as string;
  };
}

/** The teams a pasted token makes its holder an agent of (read, not verified: the gateway does that). */
export function agentTeamsOf(token: string): string[] {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return Array.isArray(claims?.grants?.agentTeams) ? claims.grants.agentTeams.map(String) : [];
  } catch {
    return [];
  }
}
