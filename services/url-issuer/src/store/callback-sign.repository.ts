// Tencent callback (t, sign) pairs and the stream each signed for: one statement decides, so two
// url-issuer instances taking the same pair at once agree on its stream.
import type { SignLedger } from '../app/tencent-callbacks';
import type { UrlIssuerDb } from './database';

/** Binds the pair to the stream unless it is bound; true when it is bound to this stream. */
export async function claimCallbackSign(db: UrlIssuerDb, pair: string, streamId: string, expiresAt: Date): Promise<boolean> {
  // The no-op update makes a conflicting insert return the row that is there, stream and all.
  const row = await db
    .insertInto('tencent_callback_signs')
    .values({ sign_pair: pair, stream_id: streamId, expires_at: expiresAt })
    .onConflict((oc) => oc.column('sign_pair').doUpdateSet((eb) => ({ sign_pair: eb.ref('excluded.sign_pair') })))
    .returning('stream_id')
    .executeTakeFirstOrThrow();
  return row.stream_id === streamId;
}

/** Drops the pairs whose t has passed: checkTencentCallback refuses them as STALE anyway. */
export async function forgetExpiredCallbackSigns(db: UrlIssuerDb, now: Date): Promise<number> {
  const result = await db.deleteFrom('tencent_callback_signs').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function pgSignLedger(db: UrlIssuerDb): SignLedger {
  return { claim: (pair, streamId, expiresAt) => claimCallbackSign(db, pair, streamId, expiresAt) };
}
