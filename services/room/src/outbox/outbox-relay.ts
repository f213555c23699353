// Publishes the outbox to NATS, each room's events in seq order. The rooms are split into shards (a
// hash of the room id, `shardOf`); each room-service instance's relay owns some of them (session-level
// advisory locks on a connection of its own) and publishes only their rooms' events, so different
// rooms' events go out from several instances at once. The relays count each other (a lock each) and
// share the shards evenly: every half second a relay holding more than its share (the shard count over
// the relays, rounded up) hands the extra back - once what it published of them is marked - and one
// holding less takes free ones. A relay that dies, or loses its connection, loses its locks at once,
// and the others take its shards at their next look.
//
// The relay's own instance hands it every row it has just committed (`offer`): a room event of a shard
// it owns whose seq follows the last one the relay published for that room (or the first of a new room)
// goes out at once, without reading it back. Anything else - other instances' rows, user-addressed
// rows, a room whose previous event the relay has not published, leftovers after a NATS outage or a
// handover - is read from the store in the order written: at once when a handed row could not go or
// an instance says it committed in one of its shards (NOTIFY naming the shards, on a channel every
// relay LISTENs to, where the store has it), else every poll interval. Published rows are marked so
// every half second, in one statement on a pooled connection that the relay does not wait for; until
// marked they are left out of the reads. A relay that dies before marking leaves them to the shard's
// next owner, which publishes them again, and JetStream's de-duplication on the event id drops the
// copies. While NATS is down nothing is marked published, so events wait and flow when it is back.
//
// A transaction that commits late cannot make the relay skip its rows (as a cursor on position would:
// the webhook dispatcher's problem, see webhook-dispatcher.ts): the relay reads every row not yet
// marked published, so a row that commits after later positions went out is simply read at the next
// read. It reads only rows of transactions from the oldest one that was still running at its last
// complete read (fromTx, outbox.repository.ts readFrom), and a transaction that commits late was
// running then, so its rows are at or above that id. Nor can it break a room's order: a room's events
// are numbered under the room's row lock, so seq n+1 is inserted only after seq n committed; a handed row goes out only when
// it follows the room's last published seq, and the store is read in position order, which within a
// room is seq order (webhook-commit-order.integration.test.ts writes such late commits).
//
// Batches are published without waiting for the acknowledgements of the ones before (up to
// `maxBatchesInFlight`), as long as they are of different rooms: the events of a room whose earlier
// events are still unacknowledged wait in a queue of the room's (`queued`) and go, in order, in the
// first batch after that acknowledgement; other rooms' events go meanwhile. User-addressed rows (call
// events, seq null) count with their call's room: a callee told "ringing" after "ended" would ring for
// a call that is over. Messages sent one after the other are not always stored in that order: nats.js
// drops what it buffered while disconnected at its next dial (protocol.js, prepare), so an earlier
// batch can be lost - to fail only at its timeout - while a later one goes through the new connection
// (outbox-nats-outage.integration.test.ts saw seqs 1, 2, 6, 3, 4, 5). Within one batch, written at
// once, what arrives is a prefix, so in order. A batch counts as published (to be marked) only once it
// and every batch sent before it are acknowledged. Should one fail, none after it is marked either:
// the relay starts again from the store, and the copies of those that went are dropped. Reads leave
// out the rows in flight.
//
// Nor can a handover: a room's events each relay publishes go in seq order, and each relay starts a
// room from its first event not marked published, so every event before it went out earlier. Should
// two relays publish the same room for a while (the old owner's last batch in flight as its lock goes
// with its connection, or instances disagreeing on the shard count), each event is stored by NATS at
// its first publish and the later copy dropped (same id); the first publishes of two in-order sequences
// are in order too (event n's first publish comes before either relay's publish of n+1).
import { EventBus, inSpan, Listening, Logger, SpanKind, storedTrace, subjectTemplate } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { RoomDatabase, RoomDb } from '../db/database';
import { joinRelays, leaveRelays, markPublished, PendingEvent, readUnpublished, relaysAndOwnedShards, releaseShard, shardOf, tryTakeShard } from './outbox.repository';
import { OutboxRow } from './outbox-row';

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
  /** Embedded PGlite: one instance, one connection: no lock, no connection of its own, every shard. */
  singleInstance: boolean;
  /** Into how many shards the rooms are split (the same on every instance). */
  shards: number;
  /** How the relay hears of other instances' commits (Postgres LISTEN; the payload names shards); without it, it polls. */
  listen?: (onNotify: (payload: string) => void, onLost: (err: Error) => void) => Promise<Listening>;
  /** How an instance tells the relays owning these shards that the store has rows for them (Postgres NOTIFY). */
  notify?: (shards: number[]) => Promise<void>;
  /** Told of each batch published: how long JetStream took to acknowledge it all (metrics). */
  onPublished?: (seconds: number, events: number) => void;
}

/** How often a relay counts the others and takes or hands back shards. */
const balanceMs = 500;
/** How often published rows are marked so (one statement for all of them). */
const markIntervalMs = 500;
/** Rooms whose last published seq the relay remembers (least recently published out). */
const roomsTracked = 50_000;
/** Batches sent whose acknowledgements are awaited, at most (the next waits for the oldest). */
const maxBatchesInFlight = 4;

export class OutboxRelay {
  private stopped = false;
  private leading = false;
  /** The shards this relay owns now. */
  private readonly owned = new Set<number>();
  private wake: (() => void) | undefined;
  /** The store has rows to read that were not handed over (or could not go as handed). */
  private readDue = true;
  private loop: Promise<void> = Promise.resolve();
  /** Committed here and handed over, not yet published. */
  private handed: OutboxRow[] = [];
  /** Published, not yet marked so (see the top of this file). */
  private unmarked: string[] = [];
  /** Reads of the store take rows of transactions from this id on (publishStored). */
  private fromTx = '0';
  /** Being marked published right now. */
  private readonly marking = new Set<string>();
  private marks: Promise<void> = Promise.resolve();
  /** A NOTIFY is on its way; another is owed for commits made meanwhile, in these shards. */
  private notifying = false;
  private readonly notifyShards = new Set<number>();
  /** Rooms' shards as computed (an md5 each), so a busy room's rows are not hashed one by one. */
  private readonly shardOfRoom = new Map<string, number>();
  /** Per room, the last seq this relay sent since it took the lead. */
  private readonly lastSeq = new Map<string, number>();
  /** Batches sent, not yet acknowledged (each settles once it and those before it are). */
  private readonly inFlight: Promise<void>[] = [];
  /** Ids of the rows in those batches (left out of the reads, and not marked before their turn). */
  private readonly inFlightIds = new Set<string>();
  /** Per room, the last batch sent with one of its events, until it settles. */
  private readonly roomInFlight = new Map<string, Promise<void>>();
  /** Per room with a batch in flight, its next events (ids in inFlightIds): they go once it settles. */
  private readonly queued = new Map<string, Array<OutboxRow | PendingEvent>>();
  /** A queued room's batch settled: its events can go. */
  private releasable = false;
  /** The last batch sent: settles once every batch sent so far is acknowledged (or one failed). */
  private sent: Promise<void> = Promise.resolve();
  /** A batch failed: the relay leads again from the store. */
  private failed: { err: unknown } | undefined;

  constructor(
    private readonly db: Kysely<RoomDatabase>,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** The shards this relay owns now (tests, metrics). */
  ownedShards(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /** Rows this instance has just committed, in the order written. */
  offer(rows: OutboxRow[]): void {
    let mine = false;
    let others: Set<number> | undefined;
    for (const row of rows) {
      const shard = this.options.singleInstance ? 0 : this.shardOf(row.roomId);
      if (this.leading && (this.options.singleInstance || this.owned.has(shard))) {
        this.handed.push(row);
        mine = true;
      } else {
        (others ??= new Set()).add(shard); // its owner (elsewhere, or none yet) reads them from the store
      }
    }
    if (mine) this.wake?.();
    if (others) this.tellRelays(others);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.options.singleInstance) await this.lead(this.db);
        else await this.db.connection().execute((conn) => this.relayOn(conn));
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn('outbox relay failed; retrying', { err, failures });
        await this.sleep(Math.min(this.options.maxBackoffMs, 100 * 2 ** Math.min(failures, 10)));
      }
    }
  }

  /** Relays on a connection of its own, which holds its locks; they all go with it (or with the connection). */
  private async relayOn(conn: RoomDb): Promise<void> {
    try {
      await joinRelays(conn);
      await this.lead(conn);
    } finally {
      this.owned.clear();
      await leaveRelays(conn).catch(() => undefined);
    }
  }

  /** Publishes until stopped: what is handed over as it comes, the store when due. */
  private async lead(db: RoomDb): Promise<void> {
    // What was published before (by this instance or another) is known only from the store now.
    this.lastSeq.clear();
    this.handed = [];
    this.readDue = true;
    this.fromTx = '0';
    this.owned.clear();
    if (this.options.singleInstance) for (let s = 0; s < this.options.shards; s++) this.owned.add(s);
    this.leading = true;
    const listening = this.options.singleInstance ? undefined : await this.listen();
    let lastRead = 0;
    let lastMarked = Date.now();
    let lastBalanced = 0;
    try {
      while (!this.stopped) {
        this.throwIfFailed();
        if (!this.options.singleInstance && Date.now() - lastBalanced >= balanceMs) {
          await this.balance(db);
          lastBalanced = Date.now();
        }
        if (this.handed.length > 0 || this.releasable) await this.publishHanded();
        const now = Date.now();
        if (this.unmarked.length > 0 && now - lastMarked >= markIntervalMs) {
          lastMarked = now;
          this.markPublished();
        }
        if (this.owned.size > 0 && (this.readDue || now - lastRead >= this.options.pollIntervalMs)) {
          this.readDue = false;
          lastRead = now;
          while (!this.stopped && (await this.publishStored(db)) === this.options.batchSize) {
            // A long backlog does not hold up the share-out (a relay joining or gone): on after it.
            if (!this.options.singleInstance && Date.now() - lastBalanced >= balanceMs) {
              this.readDue = true;
              break;
            }
          }
          continue;
        }
        if (this.handed.length > 0 || this.releasable || this.failed) continue;
        let wait = this.options.pollIntervalMs - (now - lastRead);
        if (this.unmarked.length > 0 || this.inFlight.length > 0) wait = Math.min(wait, markIntervalMs - (now - lastMarked));
        if (!this.options.singleInstance) wait = Math.min(wait, balanceMs - (now - lastBalanced));
        await this.sleep(wait);
      }
      await this.acknowledged();
      this.throwIfFailed();
      this.markPublished();
      await this.marks;
    } finally {
      this.leading = false;
      this.handed = [];
      await this.acknowledged();
      this.dropQueued(() => true); // the store has them
      // Leading again starts from the store: a failure of this time does not fail the next.
      this.sent = Promise.resolve();
      this.failed = undefined;
      await listening?.close();
    }
  }

  /** Once every batch sent so far is acknowledged, or one failed (throwIfFailed tells). */
  private async acknowledged(): Promise<void> {
    await this.sent.catch(() => undefined);
  }

  private throwIfFailed(): void {
    if (!this.failed) return;
    const { err } = this.failed;
    this.failed = undefined;
    throw err;
  }

  /** Takes free shards up to this relay's share, or hands back what is over it (once marked). */
  private async balance(db: RoomDb): Promise<void> {
    const { relays, owned } = await relaysAndOwnedShards(db);
    const share = Math.ceil(this.options.shards / Math.max(1, relays));
    if (this.owned.size > share) {
      const extra = [...this.owned].slice(share);
      for (const shard of extra) this.owned.delete(shard);
      // Its rows handed over wait in the store for the next owner; what went out is marked first, so
      // that it does not publish them again (copies would be dropped, but cost a publish each).
      this.handed = this.handed.filter((row) => this.owned.has(this.shardOf(row.roomId)));
      this.dropQueued((roomId) => !this.owned.has(this.shardOf(roomId)));
      this.lastSeq.clear();
      await this.acknowledged();
      this.markPublished();
      await this.marks;
      for (const shard of extra) await releaseShard(db, shard);
      this.logger.info('outbox relay handed shards back', { shards: extra, relays, owned: this.owned.size });
      return;
    }
    const taken: number[] = [];
    for (let shard = 0; shard < this.options.shards && this.owned.size < share; shard++) {
      if (owned.has(shard) || this.owned.has(shard)) continue;
      if (await tryTakeShard(db, shard)) {
        this.owned.add(shard);
        taken.push(shard);
      }
    }
    if (taken.length > 0) {
      this.readDue = true; // their rows written before are in the store only
      this.fromTx = '0'; // of any transaction
      this.logger.info('outbox relay took shards', { shards: taken, relays, owned: this.owned.size });
    }
  }

  /** Publishes the handed rows that can go as they are; the rest is left to the store. */
  private async publishHanded(): Promise<void> {
    const rows = this.handed;
    this.handed = [];
    const ready: OutboxRow[] = [];
    for (const row of rows) {
      const last = row.seq === null ? undefined : this.lastSeq.get(row.roomId);
      if (row.seq !== null && last !== undefined && row.seq <= last) continue; // read and published already
      if (row.seq !== null && row.seq === (last ?? 0) + 1) {
        ready.push(row);
        this.published(row.roomId, row.seq);
      } else {
        this.readDue = true; // not known to follow what went out: the store has it, in order
      }
    }
    await this.send(ready);
  }

  /**
   * Publishes these events and those queued of rooms whose batch in flight settled; an event of a room
   * with a batch still in flight (or events queued) joins the room's queue instead.
   */
  private async send(events: Array<OutboxRow | PendingEvent>): Promise<void> {
    const batch: Array<OutboxRow | PendingEvent> = [];
    if (this.releasable) {
      this.releasable = false;
      for (const [roomId, waiting] of this.queued) {
        if (this.roomInFlight.has(roomId)) continue;
        this.queued.delete(roomId);
        batch.push(...waiting);
      }
    }
    for (const e of events) {
      const waiting = this.queued.get(e.roomId);
      if (waiting) waiting.push(e);
      else if (this.roomInFlight.has(e.roomId)) this.queued.set(e.roomId, [e]);
      else {
        batch.push(e);
        continue;
      }
      this.inFlightIds.add(e.id); // left out of the reads, as in flight
    }
    try {
      await this.publish(batch);
    } catch (err) {
      for (const e of batch) this.inFlightIds.delete(e.id); // not sent: the store has them
      throw err;
    }
  }

  /** Forgets the queued events of these rooms (the store still has them, unmarked). */
  private dropQueued(which: (roomId: string) => boolean): void {
    for (const [roomId, waiting] of this.queued) {
      if (!which(roomId)) continue;
      this.queued.delete(roomId);
      for (const e of waiting) this.inFlightIds.delete(e.id);
    }
    if (this.queued.size === 0) this.releasable = false;
  }

  private async publishStored(db: RoomDb): Promise<number> {
    const all = this.owned.size === this.options.shards;
    const shards = all ? undefined : { count: this.options.shards, owned: [...this.owned] };
    const { events, xmin } = await readUnpublished(db, [...this.unmarked, ...this.marking, ...this.inFlightIds], this.options.batchSize, this.fromTx, shards);
    // Every unpublished row it could see was read: those of transactions older than xmin are out or in
    // hand now, and later reads start there (outbox.repository.ts, readFrom).
    if (events.length < this.options.batchSize) this.fromTx = xmin;
    const fresh = events.filter((e) => e.seq === null || e.seq > (this.lastSeq.get(e.roomId) ?? 0));
    for (const e of fresh) if (e.seq !== null) this.published(e.roomId, e.seq);
    await this.send(fresh);
    // Read but already out and acknowledged (handed over and published meanwhile): marked next time all the same.
    for (const e of events) if (!fresh.includes(e) && !this.inFlightIds.has(e.id)) this.unmarked.push(e.id);
    return events.length;
  }

  /**
   * Sends a batch without waiting for its acknowledgements (see the top of this file); waits only
   * when `maxBatchesInFlight` are in flight, for the oldest.
   */
  private async publish(events: Array<OutboxRow | PendingEvent>): Promise<void> {
    if (events.length === 0) return;
    while (this.inFlight.length >= maxBatchesInFlight) await this.inFlight[0].catch(() => undefined);
    this.throwIfFailed();
    // A room's next events wait for the acknowledgement of its last ones (see the top of this file):
    // send() queues them; should one come here all the same, the whole batch waits.
    const prior = new Set<Promise<void>>();
    for (const e of events) {
      const batch = this.roomInFlight.get(e.roomId);
      if (batch) prior.add(batch);
    }
    if (prior.size > 0) {
      await Promise.all([...prior].map((batch) => batch.catch(() => undefined)));
      this.throwIfFailed();
    }
    const began = performance.now();
    for (const e of events) this.inFlightIds.add(e.id);
    // Sent back to back on one connection, so the server stores them in this order.
    // Each publish continues the trace of the change that wrote the row; the bus puts it in the headers.
    const acks = Promise.all(
      events.map((e) =>
        inSpan(`publish ${subjectTemplate(e.subject)}`, { kind: SpanKind.PRODUCER, parent: storedTrace(e.traceparent), attributes: { 'messaging.system': 'nats', 'messaging.destination.name': e.subject, 'messaging.message.id': e.id } }, () =>
          this.bus.publish(e.subject, e.payload, { msgId: e.id }),
        ),
      ),
    );
    const before = this.sent;
    // Published once acknowledged and every batch before it is: a failure fails every later batch too.
    const done = acks.then(() => before).then(() => {
      this.options.onPublished?.((performance.now() - began) / 1000, events.length);
      for (const e of events) this.unmarked.push(e.id);
    });
    this.sent = done;
    this.inFlight.push(done);
    for (const e of events) this.roomInFlight.set(e.roomId, done);
    done
      .catch((err: unknown) => {
        // Some may have gone: the store still has them all unmarked, and the copies are dropped.
        this.lastSeq.clear();
        this.failed ??= { err };
        this.wake?.();
      })
      .finally(() => {
        this.inFlight.splice(this.inFlight.indexOf(done), 1);
        for (const e of events) {
          this.inFlightIds.delete(e.id);
          if (this.roomInFlight.get(e.roomId) !== done) continue;
          this.roomInFlight.delete(e.roomId);
          if (this.queued.has(e.roomId)) this.releasable = true;
        }
        if (this.releasable) this.wake?.();
      });
  }

  /** Hears other instances' commits; without it (it failed) the poll interval still finds them. */
  private async listen(): Promise<Listening | undefined> {
    if (!this.options.listen) return undefined;
    const heard = (payload: string) => {
      // Only commits in a shard of this relay's (an empty payload: any shard).
      if (payload !== '' && !payload.split(',').some((s) => this.owned.has(Number(s)))) return;
      this.readDue = true;
      this.wake?.();
    };
    try {
      return await this.options.listen(heard, (err) => {
        this.logger.warn('outbox relay stopped hearing other instances; polling only until it leads again', { err });
      });
    } catch (err) {
      this.logger.warn('outbox relay cannot listen for other instances; polling only', { err });
      return undefined;
    }
  }

  /** Tells the relays owning these shards that the store has rows for them: one NOTIFY at a time. */
  private tellRelays(shards: Set<number>): void {
    if (!this.options.notify || this.stopped) return;
    for (const s of shards) this.notifyShards.add(s);
    if (this.notifying) return; // sent before this commit, perhaps read before it too: another follows
    this.notifying = true;
    const told = [...this.notifyShards];
    this.notifyShards.clear();
    void this.options
      .notify(told)
      .catch(() => undefined) // the owners' poll finds the rows all the same
      .finally(() => {
        this.notifying = false;
        if (this.notifyShards.size > 0) this.tellRelays(new Set());
      });
  }

  /** Marks what went out since the last time, without holding up the relay. */
  private markPublished(): void {
    if (this.unmarked.length === 0) return;
    const ids = this.unmarked;
    this.unmarked = [];
    for (const id of ids) this.marking.add(id);
    const done = markPublished(this.db, ids, new Date()).then(
      () => undefined,
      (err: unknown) => {
        this.logger.warn('marking published events failed; trying again later', { err, events: ids.length });
        this.unmarked.push(...ids);
      },
    );
    this.marks = Promise.all([this.marks, done]).then(() => {
      for (const id of ids) this.marking.delete(id);
    });
  }

  private shardOf(roomId: string): number {
    let shard = this.shardOfRoom.get(roomId);
    if (shard === undefined) {
      if (this.shardOfRoom.size >= roomsTracked) this.shardOfRoom.clear();
      this.shardOfRoom.set(roomId, (shard = shardOf(roomId, this.options.shards)));
    }
    return shard;
  }

  private published(roomId: string, seq: number): void {
    this.lastSeq.delete(roomId);
    this.lastSeq.set(roomId, seq);
    if (this.lastSeq.size > roomsTracked) this.lastSeq.delete(this.lastSeq.keys().next().value!);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
