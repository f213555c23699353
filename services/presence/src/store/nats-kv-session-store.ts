// Sessions in a NATS JetStream key-value bucket, shared by every presence instance and kept across
// restarts. Each instance watches the bucket into a local copy, so reads cost nothing; writes go to
// the bucket (and land in every copy through the watch).
import { NatsConnection, KV } from 'nats';
import { Session } from '../domain/session';
import { SessionIndex, SessionStore } from './session-store';

const sessionKey = (id: string) => `session.${id}`;
const gatewayKey = (id: string) => `gateway.${id}`;

interface StoredSession extends Omit<Session, 'openedAt' | 'interruptedAt'> {
  openedAt: string;
  interruptedAt: string | null;
}

const encode = (s: Session): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ ...s, openedAt: s.openedAt.toISOString(), interruptedAt: s.interruptedAt?.toISOString() ?? null }));
const decode = (data: Uint8Array): Session => {
  const raw = JSON.parse(new TextDecoder().decode(data)) as StoredSession;
  return { ...raw, openedAt: new Date(raw.openedAt), interruptedAt: raw.interruptedAt ? new Date(raw.interruptedAt) : null };
};

export class NatsKvSessionStore implements SessionStore {
  private readonly sessions = new SessionIndex();
  private readonly gateways = new Map<string, Date>();
  private stopWatch: (() => void) | undefined;

  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, bucket: string): Promise<NatsKvSessionStore> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(bucket)) throw new Error(`bad bucket name ${bucket}`);
    const kv = await nc.jetstream().views.kv(bucket, { history: 1 });
    const store = new NatsKvSessionStore(kv);
    await store.watch();
    return store;
  }

  private async watch(): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((r) => (initialized = r));
    const iter = await this.kv.watch({ key: '>', initializedFn: () => initialized() });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const e of iter) this.apply(e.key, e.operation, e.value);
    })();
    await ready;
  }

  private apply(key: string, op: string, value: Uint8Array): void {
    const [kind, ...rest] = key.split('.');
    const id = rest.join('.');
    if (kind === 'session') {
      if (op === 'PUT') this.sessions.set(decode(value));
      else this.sessions.delete(id);
    } else if (kind === 'gateway') {
      if (op === 'PUT') this.gateways.set(id, new Date(new TextDecoder().decode(value)));
      else this.gateways.delete(id);
    }
  }

  async get(id: string) {
    return this.sessions.get(id);
  }
  async put(s: Session) {
    // Written through to the local copy at once, so this instance reads its own writes.
    this.sessions.set(s);
    await this.kv.put(sessionKey(s.sessionId), encode(s));
  }
  async delete(id: string) {
    this.sessions.delete(id);
    await this.kv.delete(sessionKey(id));
  }
  async all() {
    return this.sessions.all();
  }
  async ofIdentity(identity: string) {
    return this.sessions.ofIdentity(identity);
  }
  async touchGateway(id: string, at: Date) {
    this.gateways.set(id, at);
    await this.kv.put(gatewayKey(id), new TextEncoder().encode(at.toISOString()));
  }
  async gatewaysLastSeen() {
    return new Map(this.gateways);
  }
  async close() {
    this.stopWatch?.();
  }
}
