// Who is connected, through which gateway, and when each connection was last heard from.
export interface Session {
  sessionId: string;
  identity: string;
  gatewayId: string;
  openedAt: Date;
  lastSeenAt: Date;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly byIdentity = new Map<string, Set<string>>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  open(sessionId: string, identity: string, gatewayId: string): Session {
    this.close(sessionId);
    const at = this.now();
    const session = { sessionId, identity, gatewayId, openedAt: at, lastSeenAt: at };
    this.sessions.set(sessionId, session);
    let ids = this.byIdentity.get(identity);
    if (!ids) this.byIdentity.set(identity, (ids = new Set()));
    ids.add(sessionId);
    return session;
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  close(sessionId: string): Session | undefined {
    const session = this.sessions.get(sessionId);
    if (!session) return undefined;
    this.sessions.delete(sessionId);
    const ids = this.byIdentity.get(session.identity);
    ids?.delete(sessionId);
    if (ids?.size === 0) this.byIdentity.delete(session.identity);
    return session;
  }

  /** Marks the sessions as heard from; returns the ids it does not know. */
  touch(gatewayId: string, sessionIds: string[]): string[] {
    const at = this.now();
    const unknown: string[] = [];
    for (const id of sessionIds) {
      const s = this.sessions.get(id);
      if (s && s.gatewayId === gatewayId) s.lastSeenAt = at;
      else unknown.push(id);
    }
    return unknown;
  }

  sessionsOf(identity: string): Session[] {
    return [...(this.byIdentity.get(identity) ?? [])].map((id) => this.sessions.get(id)!).filter(Boolean);
  }

  /** Removes and returns the sessions not heard from within timeoutMs. */
  expire(timeoutMs: number): Session[] {
    const cutoff = this.now().getTime() - timeoutMs;
    const expired = [...this.sessions.values()].filter((s) => s.lastSeenAt.getTime() < cutoff);
    for (const s of expired) this.close(s.sessionId);
    return expired;
  }

  get size(): number {
    return this.sessions.size;
  }
}
