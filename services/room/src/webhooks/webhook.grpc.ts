// rtcroom.room.v1.WebhookService over gRPC.
import { randomBytes } from 'node:crypto';
import { bindService, CallerPolicy, DomainError, newId, ServiceBinding } from '@rtcroom/common';
import { webhookv1 } from '@rtcroom/proto';
import { Kysely } from 'kysely';
import { RoomDatabase } from '../db/database';
import { bareHost, WebhookTargetRefused, WebhookTargets } from './webhook-target';
import { DeadLetterPageCursor, DeadLetterRecord, listDeadLetters, requestRedelivery } from './webhook-dead-letter.repository';
import type { WebhookTestResult } from './webhook-dispatcher';
import { deleteWebhook, findWebhook, insertWebhook, listWebhooks, makeWebhookDue, WebhookRecord, webhookExists } from './webhook.repository';

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new DomainError('INVALID_ARGUMENT', 'url is not a URL', { field: 'url' }, { cause: err });
  }
  if (!['http:', 'https:'].includes(url.protocol) || raw.length > 2048) {
    throw new DomainError('INVALID_ARGUMENT', 'url must be http(s) and at most 2048 characters', { field: 'url' });
  }
  return url;
}

/** The room service will call this URL from inside its network: where it leads must be allowed. */
async function checkTarget(targets: WebhookTargets, url: URL): Promise<void> {
  try {
    await targets.addressesFor(bareHost(url));
  } catch (err) {
    if (!(err instanceof WebhookTargetRefused)) throw err;
    if (err.kind === 'UNRESOLVABLE') throw new DomainError('INVALID_ARGUMENT', `url's host: ${err.message}`, { field: 'url' }, { cause: err });
    throw new DomainError('PERMISSION_DENIED', `url: ${err.message}`, { field: 'url', address: err.address }, { cause: err });
  }
}

const toProto = (w: WebhookRecord, withSecret: boolean): webhookv1.Webhook => ({
  id: w.id,
  url: w.url,
  secret: withSecret ? w.secret : '',
  createTime: w.createdAt,
  deliveredCount: w.deliveredCount,
  lastError: w.lastError,
  failedAttempts: w.failedAttempts,
  deadLetterCount: w.deadLetterCount,
});

const toProtoDeadLetter = (d: DeadLetterRecord): webhookv1.WebhookDeadLetter => ({
  webhookId: d.webhookId,
  eventId: d.eventId,
  roomId: d.roomId,
  seq: d.seq,
  type: d.subject.split('.').slice(3).join('.'),
  eventTime: d.eventTime ?? undefined,
  attempts: d.attempts,
  lastError: d.lastError,
  parkTime: d.parkedAt,
  redeliveryPending: d.redeliveryPending,
});

function encodePageToken(c: DeadLetterPageCursor): string {
  return Buffer.from(JSON.stringify({ p: c.parkedAt.toISOString(), e: c.eventId })).toString('base64url');
}

function decodePageToken(token: string): DeadLetterPageCursor | null {
  if (!token) return null;
  try {
    const { p, e } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const parkedAt = new Date(p);
    if (typeof e !== 'string' || Number.isNaN(parkedAt.getTime())) throw new Error('bad');
    return { parkedAt, eventId: e };
  } catch (err) {
    throw new DomainError('INVALID_ARGUMENT', 'page_token is not one this service issued', { field: 'page_token' }, { cause: err });
  }
}

async function requireWebhook(db: Kysely<RoomDatabase>, id: string): Promise<void> {
  if (!id) throw new DomainError('INVALID_ARGUMENT', 'webhook_id is required', { field: 'webhook_id' });
  if (!(await webhookExists(db, id))) throw new DomainError('NOT_FOUND', `no webhook ${id}`);
}

/** Webhooks are administration: internal systems only, never through the gateway. */
export const webhookServiceCallers: CallerPolicy<typeof webhookv1.WebhookServiceService> = {
  createWebhook: ['internal'],
  listWebhooks: ['internal'],
  deleteWebhook: ['internal'],
  listDeadLetters: ['internal'],
  redeliverDeadLetters: ['internal'],
  testWebhook: ['internal'],
};

/** What the binding asks of the dispatcher. */
export interface WebhookDelivery {
  /** Wakes the dispatcher when a redelivery was asked for. */
  deliverSoon(): void;
  sendTest(w: WebhookRecord): Promise<WebhookTestResult>;
}

export function webhookGrpcBinding(db: Kysely<RoomDatabase>, targets: WebhookTargets, delivery: WebhookDelivery): ServiceBinding {
  return bindService(
    'rtcroom.room.v1.WebhookService',
    webhookv1.WebhookServiceService,
    {
      async createWebhook(req) {
        const url = parseUrl(req.url);
        if (req.secret && (req.secret.length < 16 || req.secret.length > 256)) {
          throw new DomainError('INVALID_ARGUMENT', 'secret must be 16-256 characters', { field: 'secret' });
        }
        await checkTarget(targets, url);
        const secret = req.secret || randomBytes(24).toString('base64url');
        const w = await insertWebhook(db, { id: newId('wh'), url: req.url, secret, createdAt: new Date() });
        return { webhook: toProto(w, true) };
      },
      async listWebhooks() {
        return { webhooks: (await listWebhooks(db)).map((w) => toProto(w, false)) };
      },
      async deleteWebhook(req) {
        if (!(await deleteWebhook(db, req.id))) throw new DomainError('NOT_FOUND', `no webhook ${req.id}`);
        return {};
      },
      async listDeadLetters(req) {
        if (req.pageSize > 500) throw new DomainError('INVALID_ARGUMENT', 'page_size must be at most 500', { field: 'page_size' });
        const after = decodePageToken(req.pageToken);
        await requireWebhook(db, req.webhookId);
        const limit = req.pageSize || 100;
        const found = await listDeadLetters(db, req.webhookId, limit + 1, after);
        const page = found.slice(0, limit);
        const last = page[page.length - 1];
        return {
          deadLetters: page.map(toProtoDeadLetter),
          nextPageToken: found.length > limit && last ? encodePageToken({ parkedAt: last.parkedAt, eventId: last.eventId }) : '',
        };
      },
      async redeliverDeadLetters(req) {
        if (req.eventIds.length > 1000) throw new DomainError('INVALID_ARGUMENT', 'at most 1000 event_ids at a time', { field: 'event_ids' });
        await requireWebhook(db, req.webhookId);
        const queuedCount = await requestRedelivery(db, req.webhookId, req.eventIds);
        if (queuedCount > 0) {
          await makeWebhookDue(db, req.webhookId);
          delivery.deliverSoon();
        }
        return { queuedCount };
      },
      async testWebhook(req) {
        if (!req.webhookId) throw new DomainError('INVALID_ARGUMENT', 'webhook_id is required', { field: 'webhook_id' });
        const w = await findWebhook(db, req.webhookId);
        if (!w) throw new DomainError('NOT_FOUND', `no webhook ${req.webhookId}`);
        return delivery.sendTest(w);
      },
    },
    'rtcroom.room',
    webhookServiceCallers,
  );
}
