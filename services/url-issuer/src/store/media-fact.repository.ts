// The facts already acted on, so a repeated callback changes nothing.
import type { UrlIssuerDb } from './database';

export async function factSeen(db: UrlIssuerDb, key: string): Promise<boolean> {
  const row = await db.selectFrom('media_facts').select('fact_key').where('fact_key', '=', key).executeTakeFirst();
  return row !== undefined;
}

export async function rememberFact(db: UrlIssuerDb, key: string, at: Date): Promise<void> {
  await db.insertInto('media_facts').values({ fact_key: key, created_at: at }).onConflict((oc) => oc.column('fact_key').doNothing()).execute();
}

/** Forgets facts older than `before`: the media server stopped retrying them long ago. */
export async function forgetFactsBefore(db: UrlIssuerDb, before: Date): Promise<number> {
  const result = await db.deleteFrom('media_facts').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function pgFactMemory(db: UrlIssuerDb): { seen(key: string): Promise<boolean>; remember(key: string, at: Date): Promise<void> } {
  return { seen: (key) => factSeen(db, key), remember: (key, at) => rememberFact(db, key, at) };
}
