// Media facts waiting for NATS (media-fact-outbox.ts), oldest first.
import type { UrlIssuerDb } from './database';

export interface WaitingFact {
  position: string;
  subject: string;
  payload: Uint8Array;
  msgId: string;
}

export async function addWaitingFact(db: UrlIssuerDb, fact: Omit<WaitingFact, 'position'>): Promise<void> {
  await db.insertInto('media_facts_waiting').values({ subject: fact.subject, payload: fact.payload, msg_id: fact.msgId }).execute();
}

export async function countWaitingFacts(db: UrlIssuerDb): Promise<number> {
  const row = await db.selectFrom('media_facts_waiting').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Hands `send` the oldest waiting facts, at most `limit`, one after another, and forgets each it sent;
 * stops at the first it could not send. Facts another instance is sending are skipped (its transaction
 * holds them). Resolves with how many were sent and, when one could not be, why.
 */
export async function sendWaitingFacts(db: UrlIssuerDb, limit: number, send: (fact: WaitingFact) => Promise<void>): Promise<{ sent: number; failed?: unknown }> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('media_facts_waiting').selectAll().orderBy('position').limit(limit).forUpdate().skipLocked().execute();
    let sent = 0;
    let failed: unknown;
    for (const r of rows) {
      try {
        await send({ position: r.position, subject: r.subject, payload: r.payload, msgId: r.msg_id });
      } catch (err) {
        failed = err ?? new Error('send failed');
        break;
      }
      sent++;
    }
    if (sent > 0) await trx.deleteFrom('media_facts_waiting').where('position', 'in', rows.slice(0, sent).map((r) => r.position)).execute();
    return { sent, failed };
  });
}
