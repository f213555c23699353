// Helpers for integration tests against the real Postgres and NATS (.ci/run makes sure both run).
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createLogger, Logger } from '../logger';

/** The Postgres tests create their databases on (TEST_DATABASE_URL, default the local server). */
export const testPostgresAdminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The NATS server tests use (TEST_NATS_URL, default the local server). */
export const testNatsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the real Postgres, so test files never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `rtcroom_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: testPostgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPostgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: testPostgresAdminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A logger that prints only when TEST_LOG is set (TEST_LOG=debug for everything). */
export function testLogger(service: string): Logger {
  const level = process.env.TEST_LOG;
  return createLogger({ service }, level === 'debug' || level === 'info' || level === 'warn' ? level : 'silent');
}

/** Waits until `check` returns a value other than undefined/false, or fails after timeoutMs (`what`: a function says how far it got). */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, what: string | (() => string) = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
export * from './nats-server';
export * from './held-address';

/** A name no other test file uses, for NATS buckets, consumers and the like. */
export function uniqueTestName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/**
 * Removes durable consumers a test made on the shared NATS (each file names its own, so they would
 * pile up run after run, and NATS matches every message of the stream against each of them).
 */
export async function deleteTestConsumers(stream: string, names: string[], natsUrl = testNatsUrl): Promise<void> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: natsUrl.split(',') });
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of names) await jsm.consumers.delete(stream, name).catch(() => undefined); // never made, or gone
  } finally {
    await nc.close();
  }
}

/** Removes a presence session bucket a test made on the shared NATS (buckets are streams KV_<name>). */
export async function deleteTestBucket(bucket: string, natsUrl = testNatsUrl): Promise<void> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: natsUrl.split(',') });
  try {
    await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`);
  } catch {
    // never made, or already gone
  } finally {
    await nc.close();
  }
}
