// Publishes the outbox to NATS, each room's events in seq order. One room-service instance at a time
// is the relay (it holds a session-level advisory lock on a connection of its own); the others wait
// to take over.
//
// The relay's own instance hands it every row it has just committed (`offer`): a room event whose
// seq follows the last one the relay published for that room (or the first of a new room) goes out
// at once, without reading it back. Anything else - another instance's rows, user-addressed rows,
// a room whose previous event the relay has not published, leftovers after a NATS outage - is read
// from the store in the order written: at once when a handed row could not go or another instance
// says it committed (NOTIFY on a channel the relay LISTENs to, where the store has it), else every
// poll interval. Published rows are marked so every half second, in one statement on a pooled
// connection that the relay does not wait for (marking a few hundred rows takes tens of ms under
// load; publishing waited for it before); until marked they are left out of the reads. A relay that
// dies before marking publishes those again, and JetStream's de-duplication on the event id drops
// the copies. While NATS is down nothing is marked published, so events wait and flow when it is back.
//
// A transaction that commits late cannot make the relay skip its rows (as a cursor on position would:
// the webhook dispatcher's problem, see webhook-dispatcher.ts): the relay keeps no cursor, it reads
// every row not yet marked published, so a row that commits after later positions went out is simply
// read at the next read. Nor can it break a room's order: a room's events are numbered under the
// room's row lock, so seq n+1 is inserted only after seq n committed; a handed row goes out only when
// it follows the room's last published seq, and the store is read in position order, which within a
// room is seq order (webhook-commit-order.integration.test.ts writes such late commits).
import { EventBus, inSpan, Listening, Logger, SpanKind, storedTrace, subjectTemplate } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { RoomDatabase, RoomDb } from '../db/database';
import { markPublished, PendingEvent, readUnpublished, releaseRelayLock, tryTakeRelayLock } from './outbox.repository';
import { OutboxRow } from './outbox-row';

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
  /** Embedded PGlite: one instance, one connection: no lock, no connection of its own. */
  singleInstance: boolean;
  /** How the relay hears of other instances' commits (Postgres LISTEN); without it, it polls. */
  listen?: (onNotify: () => void, onLost: (err: Error) => void) => Promise<Listening>;
  /** How an instance that is not the relay tells it (Postgres NOTIFY). */
  notify?: () => Promise<void>;
  /** Told of each batch published: how long JetStream took to acknowledge it all (metrics). */
  onPublished?: (seconds: number, events: number) => void;
}

/** How often an instance that is not the relay checks whether it can become it. */
const takeOverCheckMs = 500;
/** How often published rows are marked so (one statement for all of them). */
const markIntervalMs = 500;
/** Rooms whose last published seq the relay remembers (least recently published out). */
const roomsTracked = 50_000;

export class OutboxRelay {
  private stopped = false;
  private leading = false;
  private wake: (() => void) | undefined;
  /** The store has rows to read that were not handed over (or could not go as handed). */
  private readDue = true;
  private loop: Promise<void> = Promise.resolve();
  /** Committed here and handed over, not yet published. */
  private handed: OutboxRow[] = [];
  /** Published, not yet marked so (see the top of this file). */
  private unmarked: string[] = [];
  /** Being marked published right now. */
  private readonly marking = new Set<string>();
  private marks: Promise<void> = Promise.resolve();
  /** A NOTIFY is on its way; another is owed for commits made meanwhile. */
  private notifying = false;
  private notifyAgain = false;
  /** Per room, the last seq this relay published since it took the lead. */
  private readonly lastSeq = new Map<string, number>();

  constructor(
    private readonly db: Kysely<RoomDatabase>,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** Rows this instance has just committed, in the order written. */
  offer(rows: OutboxRow[]): void {
    if (!this.leading) return this.tellRelay(); // the relay (elsewhere) reads them from the store
    for (const row of rows) this.handed.push(row);
    this.wake?.();
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
        else await this.db.connection().execute((conn) => this.leadIfFirst(conn));
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn('outbox relay failed; retrying', { err, failures });
        await this.sleep(Math.min(this.options.maxBackoffMs, 100 * 2 ** Math.min(failures, 10)));
        continue;
      }
      // Not the relay (another instance is): look again soon, to take over if it is gone.
      await this.sleep(Math.min(this.options.pollIntervalMs, takeOverCheckMs));
    }
  }

  private async leadIfFirst(conn: RoomDb): Promise<void> {
    if (!(await tryTakeRelayLock(conn))) return;
    try {
      await this.lead(conn);
    } finally {
      await releaseRelayLock(conn).catch(() => undefined);
    }
  }

  /** Publishes until stopped: what is handed over as it comes, the store when due. */
  private async lead(db: RoomDb): Promise<void> {
    // What was published before (by this instance or another) is known only from the store now.
    this.lastSeq.clear();
    this.handed = [];
    this.readDue = true;
    this.leading = true;
    const listening = this.options.singleInstance ? undefined : await this.listen();
    let lastRead = 0;
    let lastMarked = Date.now();
    try {
      while (!this.stopped) {
        if (this.handed.length > 0) await this.publishHanded();
        const now = Date.now();
        if (this.unmarked.length > 0 && now - lastMarked >= markIntervalMs) {
          lastMarked = now;
          this.markPublished();
        }
        if (this.readDue || now - lastRead >= this.options.pollIntervalMs) {
          this.readDue = false;
          lastRead = now;
          while (!this.stopped && (await this.publishStored(db)) === this.options.batchSize);
          continue;
        }
        if (this.handed.length > 0) continue;
        const untilRead = this.options.pollIntervalMs - (now - lastRead);
        await this.sleep(this.unmarked.length > 0 ? Math.min(untilRead, markIntervalMs - (now - lastMarked)) : untilRead);
      }
      this.markPublished();
      await this.marks;
    } finally {
      this.leading = false;
      this.handed = [];
      await listening?.close();
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
    await this.publish(ready);
  }

  private async publishStored(db: RoomDb): Promise<number> {
    const events = await readUnpublished(db, [...this.unmarked, ...this.marking], this.options.batchSize);
    const fresh = events.filter((e) => e.seq === null || e.seq > (this.lastSeq.get(e.roomId) ?? 0));
    for (const e of fresh) if (e.seq !== null) this.published(e.roomId, e.seq);
    await this.publish(fresh);
    // Read but already out (handed over and published meanwhile): marked next time all the same.
    for (const e of events) if (!fresh.includes(e)) this.unmarked.push(e.id);
    return events.length;
  }

  private async publish(events: Array<OutboxRow | PendingEvent>): Promise<void> {
    if (events.length === 0) return;
    const began = performance.now();
    try {
      // Sent back to back on one connection, so the server stores them in this order.
      // Each publish continues the trace of the change that wrote the row; the bus puts it in the headers.
      await Promise.all(
        events.map((e) =>
          inSpan(`publish ${subjectTemplate(e.subject)}`, { kind: SpanKind.PRODUCER, parent: storedTrace(e.traceparent), attributes: { 'messaging.system': 'nats', 'messaging.destination.name': e.subject, 'messaging.message.id': e.id } }, () =>
            this.bus.publish(e.subject, e.payload, { msgId: e.id }),
          ),
        ),
      );
      this.options.onPublished?.((performance.now() - began) / 1000, events.length);
    } catch (err) {
      // Some may have gone: the store still has them all unmarked, and the copies are dropped.
      this.lastSeq.clear();
      throw err;
    }
    for (const e of events) this.unmarked.push(e.id);
  }

  /** Hears other instances' commits; without it (it failed) the poll interval still finds them. */
  private async listen(): Promise<Listening | undefined> {
    if (!this.options.listen) return undefined;
    const heard = () => {
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

  /** Tells the relay (another instance) that the store has rows for it: one NOTIFY at a time. */
  private tellRelay(): void {
    if (!this.options.notify || this.stopped) return;
    if (this.notifying) {
      this.notifyAgain = true; // sent before this commit, perhaps read before it too
      return;
    }
    this.notifying = true;
    void this.options
      .notify()
      .catch(() => undefined) // the relay's poll finds the rows all the same
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain) {
          this.notifyAgain = false;
          this.tellRelay();
        }
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
