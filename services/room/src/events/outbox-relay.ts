// Publishes the outbox to NATS in the order events were written. Kicked right after every commit
// (low latency) and polled as a fallback (other instances' leftovers, NATS outages). While NATS is
// down nothing is marked published, so events wait and flow when it is back; a re-publish after a
// partial failure is dropped by JetStream's de-duplication on the event id.
import { EventBus, Logger } from '@rtcroom/common';
import { Kysely } from 'kysely';
import { RoomDatabase } from '../store/database';
import { markPublished, tryTakeRelayLock, unpublishedEvents } from '../store/outbox.repository';

export interface OutboxRelayOptions {
  pollIntervalMs: number;
  batchSize: number;
  maxBackoffMs: number;
}

export class OutboxRelay {
  private running = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<RoomDatabase>,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions = { pollIntervalMs: 500, batchSize: 256, maxBackoffMs: 5000 },
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** There is something new to publish. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.idle = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.idle;
  }

  private schedule(delayMs: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && (await this.publishBatch()) === this.options.batchSize);
      } while (this.again && !this.stopped);
      this.failures = 0;
      this.schedule(this.options.pollIntervalMs);
    } catch (err) {
      this.failures++;
      const backoff = Math.min(this.options.maxBackoffMs, 100 * 2 ** Math.min(this.failures, 10));
      this.logger.warn('outbox relay failed; retrying', { err, retryInMs: backoff, failures: this.failures });
      this.schedule(backoff);
    } finally {
      this.running = false;
    }
  }

  /** Publishes one batch; returns how many events it published. */
  private async publishBatch(): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      if (!(await tryTakeRelayLock(tx))) return 0;
      const events = await unpublishedEvents(tx, this.options.batchSize);
      if (events.length === 0) return 0;
      // Sent back to back on one connection, so the server stores them in this order.
      await Promise.all(events.map((e) => this.bus.publish(e.subject, e.payload, { msgId: e.id })));
      await markPublished(tx, events.map((e) => e.position), new Date());
      return events.length;
    });
  }
}
