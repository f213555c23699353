// Where presence keeps sessions and when each gateway was last heard from. In memory for a single
// instance (the embedded default); a NATS key-value bucket when several presence instances share the
// state and it must survive a restart.
import { Session } from '../domain/session';

export interface SessionStore {
  get(sessionId: string): Promise<Session | undefined>;
  put(session: Session): Promise<void>;
  delete(sessionId: string): Promise<void>;
  all(): Promise<Session[]>;
  ofIdentity(identity: string): Promise<Session[]>;
  touchGateway(gatewayId: string, at: Date): Promise<void>;
  gatewaysLastSeen(): Promise<Map<string, Date>>;
  close(): Promise<void>;
}

export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly gateways = new Map<string, Date>();

  async get(id: string) {
    return this.sessions.get(id);
  }
  async put(s: Session) {
    this.sessions.set(s.sessionId, s);
  }
  async delete(id: string) {
    this.sessions.delete(id);
  }
  async all() {
    return [...this.sessions.values()];
  }
  async ofIdentity(identity: string) {
    return [...this.sessions.values()].filter((s) => s.identity === identity);
  }
  async touchGateway(id: string, at: Date) {
    this.gateways.set(id, at);
  }
  async gatewaysLastSeen() {
    return new Map(this.gateways);
  }
  async close() {}
}
