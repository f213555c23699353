// Delivers room events to webhook endpoints from the outbox: at least once, in per-room order (each
// endpoint walks the outbox in write order), signed, retried with back-off. Each endpoint is leased
// to one instance at a time; a failing endpoint only delays its own deliveries, and no database
// transaction is held across an HTTP call. Deliveries reach only addresses WebhookTargets allows
// (webhook-request.ts).
import { createHmac } from 'node:crypto';
import { Logger, newId } from '@rtcroom/common';
import { roomEventv1 } from '@rtcroom/proto';
import { Kysely } from 'kysely';
import { RoomDatabase } from '../store/database';
import { anyWebhooks, eventsAfterPosition, leaseDueWebhooks, PendingDelivery, recordDelivery, WebhookRecord } from '../store/webhook.repository';
import { WebhookClient } from './webhook-request';
import { WebhookTargets } from './webhook-target';

export interface WebhookDispatcherOptions {
  pollIntervalMs: number;
  batchSize: number;
  requestTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultWebhookOptions: WebhookDispatcherOptions = {
  pollIntervalMs: 500,
  batchSize: 50,
  requestTimeoutMs: 5000,
  minBackoffMs: 1000,
  maxBackoffMs: 60_000,
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

export class WebhookDispatcher {
  private readonly owner = newId('wd');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
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
    this.client.close();
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.kick(), ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    try {
      const due = await leaseDueWebhooks(this.db, this.owner, new Date(), this.options.requestTimeoutMs * (this.options.batchSize + 1));
      this.active = due.length > 0 || (await anyWebhooks(this.db));
      const fullBatches = await Promise.all(due.map((w) => this.deliver(w)));
      if (fullBatches.some(Boolean)) this.again = true;
    } catch (err) {
      this.logger.warn('webhook dispatch failed', { err });
    }
  }

  /** Delivers one batch to one endpoint; true when it was full (more may be waiting). */
  private async deliver(w: WebhookRecord): Promise<boolean> {
    const events = await eventsAfterPosition(this.db, w.cursorPosition, this.options.batchSize);
    let cursor = w.cursorPosition;
    let delivered = 0;
    let failedAttempts = w.failedAttempts;
    let lastError = w.lastError;
    let nextAttemptAt: Date | null = null;
    for (const e of events) {
      const error = await this.post(w, e);
      if (error === null) {
        cursor = e.position;
        delivered++;
        failedAttempts = 0;
        lastError = '';
        continue;
      }
      failedAttempts++;
      lastError = error;
      const backoff = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** Math.min(failedAttempts - 1, 16));
      nextAttemptAt = new Date(Date.now() + backoff);
      this.logger.info('webhook delivery failed; will retry', { webhook: w.id, event: e.id, error, retryInMs: backoff });
      break;
    }
    await recordDelivery(this.db, w.id, this.owner, { cursorPosition: cursor, delivered, failedAttempts, lastError, nextAttemptAt });
    return nextAttemptAt === null && events.length === this.options.batchSize;
  }

  /** null on a 2xx answer, else what went wrong. */
  private async post(w: WebhookRecord, e: PendingDelivery): Promise<string | null> {
    const body = webhookBody(e);
    try {
      return await this.client.post({
        url: w.url,
        headers: {
          'content-type': 'application/json',
          'rtcroom-event-id': e.id,
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
