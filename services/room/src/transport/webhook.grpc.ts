// rtcroom.room.v1.WebhookService over gRPC.
import { randomBytes } from 'node:crypto';
import { bindService, CallerPolicy, DomainError, newId, ServiceBinding } from '@rtcroom/common';
import { webhookv1 } from '@rtcroom/proto';
import { Kysely } from 'kysely';
import { RoomDatabase } from '../store/database';
import { bareHost, WebhookTargetRefused, WebhookTargets } from '../events/webhook-target';
import { deleteWebhook, insertWebhook, listWebhooks, WebhookRecord } from '../store/webhook.repository';

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError('INVALID_ARGUMENT', 'url is not a URL', { field: 'url' });
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
    if (err.kind === 'UNRESOLVABLE') throw new DomainError('INVALID_ARGUMENT', `url's host: ${err.message}`, { field: 'url' });
    throw new DomainError('PERMISSION_DENIED', `url: ${err.message}`, { field: 'url', address: err.address });
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
});

/** Webhooks are administration: internal systems only, never through the gateway. */
export const webhookServiceCallers: CallerPolicy<typeof webhookv1.WebhookServiceService> = {
  createWebhook: ['internal'],
  listWebhooks: ['internal'],
  deleteWebhook: ['internal'],
};

export function webhookGrpcBinding(db: Kysely<RoomDatabase>, targets: WebhookTargets): ServiceBinding {
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
    },
    'rtcroom.room',
    webhookServiceCallers,
  );
}
