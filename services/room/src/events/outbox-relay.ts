// Publishes the outbox to NATS in the order events were written. One room-service instance at a time
// is the relay (it holds a session-level advisory lock on a connection of its own); the others wait
// to take over. Kicked right after every commit (low latency) and polled as a fallback (another
// instance's leftovers, NATS outages). While NATS is down nothing is marked published, so events wait
// and flow when it is back; a re-publish after a partial failure is dropped by JetStream's
// de-duplication on the event id. A batch costs one round trip: the read also marks the batch before
// it published (so marks wait for the next read, at most a poll interval; a relay that dies in between
// publishes those again, and JetStream drops the copies).
import { EventBus, Logger } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { RoomDatabase, RoomDb } from '../store/database';
import { markAndReadUnpublished, markPublished, releaseRelayLock, tryTakeRelayLock } from '../store/outbox.repository';

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
  /** Embedded PGlite: one instance, one connection: no lock, no connection of its own. */
  singleInstance: boolean;
}

export class OutboxRelay {
  private stopped = false;
  private wake: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> = Promise.resolve();
  /** Published, not yet marked so (see the top of this file). */
  private unmarked: number[] = [];

  constructor(
    private readonly db: Kysely<RoomDatabase>,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** There is something new to publish. */
  kick(): void {
    this.pending = true;
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
      // Not the relay (another instance is): look again later.
      await this.sleep(this.options.pollIntervalMs);
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

  /** Publishes until stopped: whatever is waiting, then waits for a kick or the poll interval. */
  private async lead(db: RoomDb): Promise<void> {
    while (!this.stopped) {
      this.pending = false;
      while (!this.stopped && (await this.publishBatch(db)) === this.options.batchSize);
      if (!this.pending) await this.sleep(this.options.pollIntervalMs);
    }
    if (this.unmarked.length > 0) {
      await markPublished(db, this.unmarked, new Date());
      this.unmarked = [];
    }
  }

  private async publishBatch(db: RoomDb): Promise<number> {
    const events = await markAndReadUnpublished(db, this.unmarked, new Date(), this.options.batchSize);
    this.unmarked = [];
    if (events.length === 0) return 0;
    // Sent back to back on one connection, so the server stores them in this order.
    await Promise.all(events.map((e) => this.bus.publish(e.subject, e.payload, { msgId: e.id })));
    this.unmarked = events.map((e) => e.position);
    return events.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
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
