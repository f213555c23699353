// Where presence keeps sessions and when each gateway was last heard from. In memory for a single
// instance (the embedded default); a NATS key-value bucket when several presence instances share the
// state and it must survive a restart.
import { Session } from '../domain/session';

export interface SessionStore {
  get(sessionId: string): Promise<Session | undefined>;
  put(session: Session): Promise<void>;
  /**
   * Writes the session only if it is still as `basis` (a copy read from this store) left it, here and
   * in the shared store: false, and nothing written, if another write came between (a resume on
   * another presence instance that this one's copy had not shown yet).
   */
  replace(session: Session, basis: Session): Promise<boolean>;
  delete(sessionId: string): Promise<void>;
  all(): Promise<Session[]>;
  /** How many sessions it holds now, without reading them (metrics). */
  count(): number;
  ofIdentity(identity: string): Promise<Session[]>;
  touchGateway(gatewayId: string, at: Date): Promise<void>;
  gatewaysLastSeen(): Promise<Map<string, Date>>;
  /**
   * How current this instance's view is: the time up to which it has seen every write (`now` when the
   * store is its own view). A sweep judges silence as of that time, so a view that has fallen behind
   * (a watch being re-established after a NATS server was lost) never makes gateways that kept
   * writing look silent. Rejects when the store refuses writes.
   */
  seenUpTo(now: Date): Promise<Date>;
  close(): Promise<void>;
}

/** Sessions by id, and the ids of each identity's sessions (who is online is asked often). */
export class SessionIndex {
  private readonly byId = new Map<string, Session>();
  private readonly byIdentity = new Map<string, Set<string>>();

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  set(s: Session): void {
    const earlier = this.byId.get(s.sessionId);
    if (earlier && earlier.identity !== s.identity) this.unindex(earlier);
    this.byId.set(s.sessionId, s);
    let ids = this.byIdentity.get(s.identity);
    if (!ids) this.byIdentity.set(s.identity, (ids = new Set()));
    ids.add(s.sessionId);
  }

  delete(id: string): void {
    const s = this.byId.get(id);
    if (!s) return;
    this.byId.delete(id);
    this.unindex(s);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  ofIdentity(identity: string): Session[] {
    return [...(this.byIdentity.get(identity) ?? [])].map((id) => this.byId.get(id)!).filter(Boolean);
  }

  private unindex(s: Session): void {
    const ids = this.byIdentity.get(s.identity);
    ids?.delete(s.sessionId);
    if (ids?.size === 0) this.byIdentity.delete(s.identity);
  }
}

export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new SessionIndex();
  private readonly gateways = new Map<string, Date>();

  async get(id: string) {
    return this.sessions.get(id);
  }
  async put(s: Session) {
    this.sessions.set(s);
  }
  async replace(s: Session, basis: Session) {
    if (this.sessions.get(s.sessionId) !== basis) return false;
    this.sessions.set(s);
    return true;
  }
  async delete(id: string) {
    this.sessions.delete(id);
  }
  async all() {
    return this.sessions.all();
  }
  count() {
    return this.sessions.size;
  }
  async ofIdentity(identity: string) {
    return this.sessions.ofIdentity(identity);
  }
  async touchGateway(id: string, at: Date) {
    this.gateways.set(id, at);
  }
  async gatewaysLastSeen() {
    return new Map(this.gateways);
  }
  async seenUpTo(now: Date) {
    return now;
  }
  async close() {}
}
