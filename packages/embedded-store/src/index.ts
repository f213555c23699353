// The embedded store: PGlite behind Kysely, for the development start and a service run without
// DATABASE_URL. A package of its own so that only installations that start it carry PGlite
// (@rtcroom/common loads it on demand; the production images leave it out).
import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect, StatementRunner } from './pglite-dialect';

export { PGliteDialect, StatementRunner } from './pglite-dialect';

export interface EmbeddedStore<DB> {
  db: Kysely<DB>;
  close(): Promise<void>;
}

/**
 * `dataDir` absent: in memory. `parseInt8` maps bigint columns as the Postgres pool does;
 * `runStatement` wraps each statement (@rtcroom/common traces them).
 */
export async function openEmbeddedStore<DB>(dataDir: string | undefined, parseInt8: (value: string) => unknown, runStatement?: StatementRunner): Promise<EmbeddedStore<DB>> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite({ dataDir, parsers: { [pgliteTypes.INT8]: parseInt8 } });
  await pg.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pg, runStatement) });
  return { db, close: () => db.destroy() };
}
