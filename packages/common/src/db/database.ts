// Opening the store: a real Postgres through `pg` when a URL is given, else the embedded PGlite
// (@rtcroom/embedded-store, loaded only then: production images do not carry it). kysely and pg are
// loaded when a store is opened, not with @rtcroom/common: the services without a database (gateway,
// presence) do not carry them (about 6 MB of each process's memory).
import type { Kysely, Migration } from 'kysely';
import type { Client as PgClient } from 'pg';
import { ConfigError } from '../config';
import { Logger } from '../logger';
import { preparingPool } from './prepared-statements';
import { tracedStatement } from '../tracing/db-tracing';

export { prepared } from './prepared-statements';

export interface DatabaseOptions {
  /** postgres://... ; when absent, PGlite stands in. */
  url?: string;
  /** PGlite's data directory; absent means in memory. */
  embeddedDataDir?: string;
  /** Pool size for a real Postgres. */
  poolSize?: number;
}

export interface OpenDatabase<DB> {
  db: Kysely<DB>;
  kind: 'postgres' | 'pglite';
  /** Postgres only: the pool's connections now (open, idle) and the queries waiting for one (metrics). */
  poolUse?(): { total: number; idle: number; waiting: number; max: number };
  /**
   * Postgres only: calls `onNotify` (with the payload, '' if none) on every NOTIFY on `channel`, over a
   * connection of its own, until closed; `onLost` when that connection fails (listen again to go on).
   */
  listen?(channel: string, onNotify: (payload: string) => void, onLost: (err: Error) => void): Promise<Listening>;
  close(): Promise<void>;
}

export interface Listening {
  close(): Promise<void>;
}

// bigint columns (sequence numbers, sizes) come back as JS numbers: they stay far below 2^53.
const parseInt8 = (value: string) => Number(value);

export async function openDatabase<DB>(options: DatabaseOptions, logger: Logger): Promise<OpenDatabase<DB>> {
  if (options.url) {
    const { Pool, types: pgTypes } = require('pg') as typeof import('pg');
    const { Kysely, PostgresDialect } = require('kysely') as typeof import('kysely');
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // pg's default (10 s) closed connections between the peaks of a steady load: under 200 joins/s the
      // room service opened 14 in 15 s, each a Postgres backend started and every hot statement parsed
      // and planned again on it. Five minutes, as connection pools commonly keep them.
      idleTimeoutMillis: 300_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === pgTypes.builtins.INT8 ? parseInt8 : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
      },
    });
    pool.on('error', (err) => logger.warn('postgres pool error', { err }));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    const url = options.url;
    const max = options.poolSize ?? 10;
    const poolUse = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max });
    return { db, kind: 'postgres', poolUse, listen: (channel, onNotify, onLost) => listen(url, channel, onNotify, onLost), close: () => db.destroy() };
  }
  const { db, close } = await loadEmbeddedStore().openEmbeddedStore<DB>(options.embeddedDataDir, parseInt8, (sql, run) => tracedStatement(sql, 'pglite', run));
  logger.info('embedded postgres (PGlite) ready', { dataDir: options.embeddedDataDir ?? 'memory' });
  return { db, kind: 'pglite', close };
}

type EmbeddedStoreModule = typeof import('@rtcroom/embedded-store');

// Present in the workspace and wherever the development start (@rtcroom/dev) is installed; absent from
// the production images, where a service without DATABASE_URL stops and names the variable. Not declared
// in package.json, not even as an optional peer: npm installs an optional peer that is a workspace into
// every service's tree, PGlite with it.
function loadEmbeddedStore(): EmbeddedStoreModule {
  try {
    return require('@rtcroom/embedded-store') as EmbeddedStoreModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new ConfigError('DATABASE_URL', 'is required: this installation has no embedded store (@rtcroom/embedded-store)', { cause: err });
  }
}

async function listen(url: string, channel: string, onNotify: (payload: string) => void, onLost: (err: Error) => void): Promise<Listening> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  const { Client } = require('pg') as typeof import('pg');
  const client: PgClient = new Client({ connectionString: url });
  let closing = false;
  client.on('notification', (n) => {
    if (n.channel === channel) onNotify(n.payload ?? '');
  });
  let lost = false;
  const lose = (err: Error) => {
    if (closing || lost) return;
    lost = true;
    onLost(err);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the listening connection ended')));
  await client.connect();
  try {
    await client.query(`LISTEN ${channel}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    close: async () => {
      closing = true;
      await client.end().catch(() => undefined);
    },
  };
}

/** Runs a service's migrations (each service keeps its own history table). */
export async function migrateToLatest(db: Kysely<any>, migrations: Record<string, Migration>, tableName: string, logger: Logger): Promise<void> {
  const { Migrator } = require('kysely') as typeof import('kysely');
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: tableName,
    migrationLockTableName: `${tableName}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status !== 'NotExecuted') logger.info('migration', { name: r.migrationName, status: r.status });
  }
  if (error) throw error;
}
