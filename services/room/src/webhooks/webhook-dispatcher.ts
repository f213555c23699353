// Delivers room events to webhook endpoints from the outbox: at least once, in per-room order, signed,
// retried with back-off, and after `maxAttempts` failed attempts at one event parked as a dead letter
// (webhook_dead_letters) so the endpoint's later events go on; an operator lists and redelivers them
// through WebhookService. Each endpoint is leased to one instance at a time; a failing endpoint only
// delays its own deliveries, and no database transaction is held across an HTTP call. Deliveries
// reach only addresses WebhookTargets allows (webhook-request.ts).
//
// Why no event can be skipped. Each endpoint keeps one cursor and walks the outbox past it. A cursor
// on room_events.position (a sequence) is not enough: positions are taken when rows are inserted, not
// when they commit, so position 1 can commit after position 2 was read and passed, and be lost. The
// walk is in commit order instead, as far as it can be known: every row carries tx, a transaction id
// (xid8) at least that of the transaction that wrote it, and the walk reads only rows whose tx is below
// the oldest transaction still running (pg_snapshot_xmin of the read's own snapshot), in (tx, position)
// order. Every transaction that can still commit has an id at or above that horizon, so its rows will
// sort after everything the walk has passed; the rows below it have all committed (or never will) and
// are all visible to the read. A long transaction anywhere on the database server holds the horizon
// back: deliveries wait for it, none is lost.
//
// Why per-room order holds. A room's events are numbered (seq) under the room's row lock, so they
// commit in seq order, but transaction ids are handed out at a transaction's first write: one that
// wrote elsewhere first can hold an older id and still take the room after a younger one. So tx is
// not the bare transaction id but the larger of it and the previous event's tx of the same room, kept
// on the room's row (rooms.event_tx, written with it; rooms/store/room.repository.ts). Within a room tx
// then never decreases and position rises with seq: (tx, position) order is seq order.
//
// The alternative, a delivery row per endpoint written in each event's own transaction, would add a
// write per event per endpoint to every join; this adds an 8-byte column and one index entry per event.
//
// Why first arrivals keep that order. An endpoint's next event is sent only after a 2xx for the one
// before, and every walk is contiguous in that order from a cursor everything before which was
// delivered (or parked): so no event of a room reaches the endpoint for the first time after a later
// one. Redeliveries (a lease that ran out under a dead or stalled instance, a record that failed)
// only repeat what was delivered. A walk starts from the endpoint's record as read under its lease
// when the delivery begins (heldWebhook), not from the pass's copy: the endpoint's previous delivery
// here may record a later cursor and release the lease between the pass's read and that start, and
// a walk from the copy would send everything again, without the lease, which another instance may
// hold by then (two walks of one endpoint at once).
import { createHmac } from 'node:crypto';
import { inSpan, Logger, newId, SpanKind, SpanStatusCode, storedTrace } from '@rtcroom/common';
import { roomEventv1 } from '@rtcroom/proto';
import { Kysely } from 'kysely';
import { RoomDatabase } from '../db/database';
import { dueRedeliveries, settleRedelivery } from './webhook-dead-letter.repository';
import { anyWebhooks, eventsInCommitOrder, heldWebhook, leaseDueWebhooks, ParkedEvent, PendingDelivery, recordDelivery, WebhookRecord } from './webhook.repository';
import { WebhookClient } from './webhook-request';
import { WebhookTargets } from './webhook-target';

export interface WebhookDispatcherOptions {
  pollIntervalMs: number;
  batchSize: number;
  requestTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Failed attempts at one event before it is parked as a dead letter. */
  maxAttempts: number;
}

/** Told of every attempt and every event parked (metrics). */
export interface WebhookObserver {
  webhookAttempt(delivered: boolean): void;
  webhookDeadLettered(events: number): void;
}

export const defaultWebhookOptions: WebhookDispatcherOptions = {
  pollIntervalMs: 500,
  batchSize: 50,
  requestTimeoutMs: 5000,
  minBackoffMs: 1000,
  maxBackoffMs: 60_000,
  maxAttempts: 20,
};

/** The signature header: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

export function webhookBody(e: PendingDelivery): string {
  const event = roomEventv1.RoomEvent.decode(e.payload);
  const type = e.subject.split('.').slice(3).join('.');
  return JSON.stringify({ id: e.id, type, roomId: e.roomId, seq: e.seq, time: e.createdAt.toISOString(), event: roomEventv1.RoomEvent.toJSON(event) });
}

/**
 * Whether endpoints get the event: every room event does, but a room message only when the room or
 * the deployment asked for it when it was sent (RoomMessageSent.to_webhooks).
 */
export function forWebhooks(e: Pick<PendingDelivery, 'subject' | 'payload'>): boolean {
  if (!e.subject.endsWith('.message.sent')) return true;
  const p = roomEventv1.RoomEvent.decode(e.payload).payload;
  return p?.$case === 'messageSent' && p.value.toWebhooks;
}

export interface WebhookTestResult {
  delivered: boolean;
  error: string;
  eventId: string;
  durationMs: number;
}

export class WebhookDispatcher {
  private readonly owner = newId('wd');
  private timer: NodeJS.Timeout | undefined;
  /** Leasing due endpoints and starting their deliveries (not the deliveries themselves). */
  private running: Promise<void> | null = null;
  /**
   * Deliveries under way, by endpoint: each goes at its own pace, so an endpoint that hangs holds up
   * only itself; the next pass leases it again only once its delivery is over.
   */
  private readonly inFlight = new Map<string, Promise<void>>();
  private again = false;
  private stopped = false;
  /** Whether any endpoint was registered at the last look: commits only wake the dispatcher then. */
  private active = false;
  private readonly client: WebhookClient;

  constructor(
    private readonly db: Kysely<RoomDatabase>,
    targets: WebhookTargets,
    private readonly logger: Logger,
    private readonly options: WebhookDispatcherOptions = defaultWebhookOptions,
    private readonly observer?: WebhookObserver,
  ) {
    this.client = new WebhookClient(targets);
  }

  start(): void {
    this.schedule(0);
  }

  /** Something was written: deliver now, if there is anyone to deliver to. */
  notify(): void {
    if (this.active) this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule(this.options.pollIntervalMs);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    // Cuts requests under way (a hanging endpoint would hold the shutdown for minutes); what they
    // were delivering is not counted as failed and goes again after the restart.
    this.client.close();
    await Promise.all(this.inFlight.values());
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), ms);
    this.timer.unref();
  }

  /** Runs a delivery pass that starts after this call, and resolves when its deliveries are done (tests). */
  async passNow(): Promise<void> {
    while (this.running || this.inFlight.size > 0) await Promise.all([this.running, ...this.inFlight.values()]);
    this.kick();
    await this.running;
    await Promise.all(this.inFlight.values());
  }

  private async run(): Promise<void> {
    try {
      // Every pass leases again the endpoints this instance holds, so a lease is renewed every poll
      // interval while its delivery runs, however long that takes; it only has to outlast a few
      // passes. An instance that dies (kill -9, a lost node) so gives its endpoints up within this
      // time: a lease sized for a whole batch of timed-out requests held them for over 8 minutes.
      const leaseMs = Math.max(10_000, 4 * this.options.pollIntervalMs);
      const due = await leaseDueWebhooks(this.db, this.owner, new Date(), leaseMs);
      this.active = due.length > 0 || (await anyWebhooks(this.db));
      for (const w of due) {
        if (this.inFlight.has(w.id) || this.stopped) continue; // its lease was only extended
        const delivery = this.deliver(w)
          .then(
            (full) => {
              if (full) this.kick(); // more may be waiting
            },
            (err: unknown) => this.logger.warn('webhook delivery failed', { webhook: w.id, err }),
          )
          .finally(() => this.inFlight.delete(w.id));
        this.inFlight.set(w.id, delivery);
      }
    } catch (err) {
      this.logger.warn('webhook dispatch failed', { err });
    }
  }

  /** Delivers one batch to one endpoint; true when it was full (more may be waiting). */
  private async deliver(leased: WebhookRecord): Promise<boolean> {
    // Read again under the lease: the pass's copy may predate what the previous delivery recorded.
    const w = await heldWebhook(this.db, leased.id, this.owner, new Date());
    if (!w) return false; // released or taken since the pass leased it; a later pass leases it afresh
    const redelivered = await this.redeliver(w);
    const events = await eventsInCommitOrder(this.db, w.cursor, this.options.batchSize);
    let cursor = w.cursor;
    let delivered = redelivered;
    let failedAttempts = w.failedAttempts;
    let lastError = w.lastError;
    let nextAttemptAt: Date | null = null;
    const parked: ParkedEvent[] = [];
    for (const e of events) {
      if (!forWebhooks(e)) {
        cursor = e.cursor; // not the endpoint's: passed over
        continue;
      }
      const error = await this.post(w, e);
      if (error !== null && this.stopped) break; // cut by the shutdown: not the endpoint's failure
      if (error === null) {
        cursor = e.cursor;
        delivered++;
        failedAttempts = 0;
        lastError = '';
        continue;
      }
      failedAttempts++;
      lastError = error;
      if (failedAttempts >= this.options.maxAttempts) {
        // Given up on: parked, and the walk goes on (the room's later events are not held hostage).
        parked.push({ event: e, attempts: failedAttempts, lastError: error });
        this.logger.warn('webhook event parked as a dead letter', { webhook: w.id, event: e.id, roomId: e.roomId, seq: e.seq, attempts: failedAttempts, error });
        cursor = e.cursor;
        failedAttempts = 0;
        continue;
      }
      const backoff = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** Math.min(failedAttempts - 1, 16));
      nextAttemptAt = new Date(Date.now() + backoff);
      this.logger.info('webhook delivery failed; will retry', { webhook: w.id, event: e.id, error, attempts: failedAttempts, retryInMs: backoff });
      break;
    }
    await recordDelivery(this.db, w.id, this.owner, { cursor, delivered, failedAttempts, lastError, nextAttemptAt, parked });
    this.observer?.webhookDeadLettered(parked.length);
    return nextAttemptAt === null && events.length === this.options.batchSize;
  }

  /** Dead letters an operator asked for again: one attempt each; delivered ones are no longer parked. */
  private async redeliver(w: WebhookRecord): Promise<number> {
    let delivered = 0;
    for (const r of await dueRedeliveries(this.db, w.id, this.options.batchSize)) {
      const error = r.event ? await this.post(w, r.event) : 'the event is no longer stored';
      if (error !== null && this.stopped) break; // cut by the shutdown: asked for again after it
      await settleRedelivery(this.db, w.id, r, error);
      if (error === null) delivered++;
      else this.logger.info('webhook redelivery failed; the event stays parked', { webhook: w.id, event: r.eventId, error });
    }
    return delivered;
  }

  /**
   * One test delivery to the endpoint, now, signed as every delivery, outside its queue: it changes
   * neither the endpoint's cursor nor its counts.
   */
  async sendTest(w: WebhookRecord): Promise<WebhookTestResult> {
    const eventId = newId('whtest');
    const body = JSON.stringify({ id: eventId, type: 'webhook.test', roomId: '', seq: 0, time: new Date().toISOString(), event: {} });
    const started = performance.now();
    const error = await this.send(w, eventId, body);
    return { delivered: error === null, error: error ?? '', eventId, durationMs: Math.round(performance.now() - started) };
  }

  /** null on a 2xx answer, else what went wrong; in the trace of the change that wrote the event. */
  private post(w: WebhookRecord, e: PendingDelivery): Promise<string | null> {
    const attributes = { 'http.request.method': 'POST', 'rtcroom.webhook_id': w.id, 'rtcroom.event_id': e.id, 'rtcroom.room_id': e.roomId };
    return inSpan('webhook POST', { kind: SpanKind.CLIENT, parent: storedTrace(e.traceparent), attributes }, async (span) => {
      const error = await this.send(w, e.id, webhookBody(e));
      this.observer?.webhookAttempt(error === null);
      if (error !== null) span?.setStatus({ code: SpanStatusCode.ERROR, message: error });
      return error;
    });
  }

  private async send(w: WebhookRecord, eventId: string, body: string): Promise<string | null> {
    try {
      return await this.client.post({
        url: w.url,
        headers: {
          'content-type': 'application/json',
          'rtcroom-event-id': eventId,
          'rtcroom-signature': signWebhook(w.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        timeoutMs: this.options.requestTimeoutMs,
      });
    } catch (err) {
      return (err as Error).message || 'request failed';
    }
  }
}
