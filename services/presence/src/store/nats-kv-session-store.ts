// Sessions in a NATS JetStream key-value bucket, shared by every presence instance and kept across
// restarts. Each instance watches the bucket into a local copy, so reads cost nothing; writes go to
// the bucket (and land in every copy through the watch).
//
// A closed session leaves a delete marker in the bucket (every instance's watch must see it go), and
// markers are never dropped by NATS itself: left alone the bucket would grow by one per session
// ever opened, and every restart would replay them all. The instance that deleted a session purges
// its marker once `tombstoneMs` has passed (long after every watch has seen it), and a starting
// instance purges the old markers it finds (left by an instance that stopped before doing so). A
// purge goes up to the marker's own sequence, so a session put again meanwhile (resumed) stays.
//
// Each instance's copy is only as current as its watch, which stops for a while when the NATS server
// holding it is lost (until nats.js notices the missing heartbeats and makes it again): meanwhile the
// other instances' writes, gateways' keepalives among them, do not arrive. So every sweep also writes
// a key of this instance's own (`presence.<instance>`, the time), and the copy counts as current up to
// the time in the last such write its watch has shown (`seenUpTo`).
//
// Writes are JetStream publishes to the bucket's subjects (`$KV.<bucket>.<key>`, a delete with the
// header `KV-Operation: DEL`: what nats.js's kv.put() and kv.delete() send) through rtcroom's
// JetStreamPublisher, which spares each write the error nats.js makes after every request.
import { randomBytes } from 'node:crypto';
import { JetStreamPublisher } from '@rtcroom/common';
import { NatsConnection, NatsError, KV, JetStreamManager } from 'nats';
import { Session } from '../domain/session';
import { SessionIndex, SessionStore } from './session-store';

const sessionKey = (id: string) => `session.${id}`;
const gatewayKey = (id: string) => `gateway.${id}`;
const instanceKey = (id: string) => `presence.${id}`;
/** What NATS takes as a key (as nats.js checks it). */
const keyPattern = /^[-/=\w]+(\.[-/=\w]+)*$/;

interface StoredSession extends Omit<Session, 'openedAt' | 'interruptedAt' | 'connectedAt'> {
  openedAt: string;
  interruptedAt: string | null;
  /** Absent in records an older presence wrote. */
  connectedAt?: string;
}

const encode = (s: Session): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({ ...s, openedAt: s.openedAt.toISOString(), interruptedAt: s.interruptedAt?.toISOString() ?? null, connectedAt: s.connectedAt.toISOString() }),
  );
const decode = (data: Uint8Array): Session => {
  const raw = JSON.parse(new TextDecoder().decode(data)) as StoredSession;
  const openedAt = new Date(raw.openedAt);
  return { ...raw, openedAt, interruptedAt: raw.interruptedAt ? new Date(raw.interruptedAt) : null, connectedAt: raw.connectedAt ? new Date(raw.connectedAt) : openedAt };
};

export interface KvSessionStoreOptions {
  /** How long a closed session's delete marker stays in the bucket before it is purged. */
  tombstoneMs: number;
  /** Copies of the bucket on a NATS cluster (NATS_REPLICAS); an existing bucket is brought to it. */
  replicas?: number;
}

export const defaultKvSessionStoreOptions: KvSessionStoreOptions = { tombstoneMs: 5 * 60_000 };

interface Tombstone {
  key: string;
  /** The marker's sequence in the bucket's stream. */
  revision: number;
  /** When it was written (ms). */
  at: number;
}

/** Purges in flight at once, and at most per sweep. */
const purgeConcurrency = 8;
const purgesPerSweep = 20_000;

export class NatsKvSessionStore implements SessionStore {
  private readonly sessions = new SessionIndex();
  private readonly gateways = new Map<string, Date>();
  private stopWatch: (() => void) | undefined;
  /**
   * Per session with a write of this instance in flight, a token of that write; the watch showing the
   * session changed drops it. A write that fails takes its change out of the local copy only while
   * its token is still there (nothing newer came).
   */
  private readonly inFlight = new Map<string, object>();
  /** Each session key's newest revision seen here: what a replace() expects the bucket still to hold. */
  private readonly revisions = new Map<string, number>();
  /** Keys this instance deleted whose marker its watch has not shown yet. */
  private readonly deleting = new Set<string>();
  /** Markers to purge, oldest first. */
  private tombstones: Tombstone[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  private initialized = false;
  /** This instance's own key, written at every sweep; its echo through the watch dates the copy. */
  private readonly ownKey = instanceKey(randomBytes(6).toString('hex'));
  private seenAt = new Date();

  private constructor(
    private readonly kv: KV,
    private readonly writes: JetStreamPublisher,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly options: KvSessionStoreOptions,
  ) {}

  static async open(nc: NatsConnection, bucket: string, options: KvSessionStoreOptions = defaultKvSessionStoreOptions): Promise<NatsKvSessionStore> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(bucket)) throw new Error(`bad bucket name ${bucket}`);
    const replicas = options.replicas ?? 1;
    const kv = await nc.jetstream().views.kv(bucket, { history: 1, replicas });
    const jsm = await nc.jetstreamManager();
    // views.kv binds to a bucket that exists as it is; presence owns the bucket, so it brings the
    // number of copies to what it is configured with (an operator moving to a cluster sets NATS_REPLICAS).
    const info = await jsm.streams.info(`KV_${bucket}`);
    if (info.config.num_replicas !== replicas) await jsm.streams.update(`KV_${bucket}`, { ...info.config, num_replicas: replicas });
    const store = new NatsKvSessionStore(kv, new JetStreamPublisher(nc), jsm, bucket, options);
    await store.watch();
    store.sweeper = setInterval(() => {
      store.sweeping = store.sweeping.then(() => store.purgeTombstones()).catch(() => undefined); // next sweep tries again
    }, Math.min(60_000, Math.max(100, Math.floor(options.tombstoneMs / 2))));
    store.sweeper.unref();
    return store;
  }

  /** Markers waiting to be purged (for tests and stats). */
  get tombstonesPending(): number {
    return this.tombstones.length;
  }

  private async watch(): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((r) => (initialized = r));
    const iter = await this.kv.watch({
      key: '>',
      initializedFn: () => {
        this.initialized = true;
        this.seenAt = new Date();
        initialized();
      },
    });
    this.stopWatch = () => iter.stop();
    void (async () => {
      for await (const e of iter) this.apply(e.key, e.operation, e.value, e.revision, e.created);
    })();
    await ready;
  }

  private apply(key: string, op: string, value: Uint8Array, revision: number, created: Date): void {
    const [kind, ...rest] = key.split('.');
    const id = rest.join('.');
    if (kind === 'session') {
      this.inFlight.delete(id);
      this.noteRevision(id, op === 'PUT' ? revision : undefined);
      if (op === 'PUT') this.sessions.set(decode(value));
      else this.sessions.delete(id);
    } else if (key === this.ownKey) {
      if (op === 'PUT') this.seenAt = new Date(new TextDecoder().decode(value));
    } else if (kind === 'gateway') {
      if (op === 'PUT') this.gateways.set(id, new Date(new TextDecoder().decode(value)));
      else this.gateways.delete(id);
    }
    // Markers found at start (whoever left them), and this instance's own as they come.
    if (op !== 'PUT' && (!this.initialized || this.deleting.delete(key))) this.tombstones.push({ key, revision, at: created.getTime() });
  }

  private async purgeTombstones(): Promise<void> {
    const due = Date.now() - this.options.tombstoneMs;
    let n = 0;
    while (n < purgesPerSweep && this.tombstones.length > 0 && this.tombstones[0].at <= due) {
      const batch = this.tombstones.splice(0, Math.min(purgeConcurrency, purgesPerSweep - n));
      n += batch.length;
      await Promise.all(
        batch.map((t) =>
          this.jsm.streams.purge(`KV_${this.bucket}`, { filter: `$KV.${this.bucket}.${t.key}`, seq: t.revision + 1 }).catch(() => {
            this.tombstones.push({ ...t, at: Date.now() }); // NATS busy or away: again a tombstone period later
          }),
        ),
      );
    }
  }

  /** Publishes to the key's subject; with `expectedRevision`, only if the key's last write is still that one. Resolves with the new revision. */
  private async write(key: string, value: Uint8Array, operation?: 'DEL', expectedRevision?: number): Promise<number> {
    if (!keyPattern.test(key)) throw new Error(`invalid key: ${key}`);
    const headers: Record<string, string> = {};
    if (operation) headers['KV-Operation'] = operation;
    if (expectedRevision !== undefined) headers['Nats-Expected-Last-Subject-Sequence'] = String(expectedRevision);
    return (await this.writes.publish(`$KV.${this.bucket}.${key}`, value, { headers })).seq;
  }

  /** The newest revision seen of a session's key (the watch's, or this instance's own write's ack); undefined: deleted. */
  private noteRevision(id: string, revision: number | undefined): void {
    if (revision === undefined) this.revisions.delete(id);
    else this.revisions.set(id, Math.max(revision, this.revisions.get(id) ?? 0));
  }

  async get(id: string) {
    return this.sessions.get(id);
  }
  async put(s: Session) {
    // Written through to the local copy at once, so this instance reads its own writes.
    await this.writeThrough(s.sessionId, () => this.sessions.set(s), async () => this.noteRevision(s.sessionId, await this.write(sessionKey(s.sessionId), encode(s))));
  }
  async replace(s: Session, basis: Session) {
    if (this.sessions.get(s.sessionId) !== basis) return false;
    const revision = this.revisions.get(s.sessionId);
    try {
      await this.writeThrough(s.sessionId, () => this.sessions.set(s), async () =>
        this.noteRevision(s.sessionId, await this.write(sessionKey(s.sessionId), encode(s), undefined, revision)),
      );
      return true;
    } catch (err) {
      // JetStream's "wrong last sequence": another instance wrote the session meanwhile (the watch brings it here).
      if ((err as NatsError).api_error?.err_code === 10071) return false;
      throw err;
    }
  }
  async delete(id: string) {
    this.deleting.add(sessionKey(id));
    try {
      await this.writeThrough(id, () => this.sessions.delete(id), async () => {
        await this.write(sessionKey(id), new Uint8Array(0), 'DEL');
        this.noteRevision(id, undefined);
      });
    } catch (err) {
      this.deleting.delete(sessionKey(id));
      throw err;
    }
  }

  /**
   * Changes the session's local copy at once, then writes the change to the bucket. Should the write
   * fail, the copy goes back to what it was, unless it changed again meanwhile (a later write here, or
   * the watch: a write that failed at its acknowledgement may still have been stored, and then the
   * watch shows it).
   */
  private async writeThrough(id: string, change: () => void, write: () => Promise<void>): Promise<void> {
    const before = this.sessions.get(id);
    const token = {};
    this.inFlight.set(id, token);
    change();
    try {
      await write();
    } catch (err) {
      if (this.inFlight.get(id) === token) {
        if (before) this.sessions.set(before);
        else this.sessions.delete(id);
      }
      throw err;
    } finally {
      if (this.inFlight.get(id) === token) this.inFlight.delete(id);
    }
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
    await this.write(gatewayKey(id), new TextEncoder().encode(at.toISOString()));
  }
  async gatewaysLastSeen() {
    return new Map(this.gateways);
  }
  async seenUpTo(now: Date) {
    await this.write(this.ownKey, new TextEncoder().encode(now.toISOString()));
    return this.seenAt;
  }
  async close() {
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.write(this.ownKey, new Uint8Array(0), 'DEL').catch(() => undefined); // a starting instance purges its marker
    this.stopWatch?.();
    this.writes.close();
  }
}
