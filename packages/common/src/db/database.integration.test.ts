// The store opened on the real Postgres: statements marked prepared() go by name, in and out of a
// transaction, and give the same answers as any other; pg's own connection objects are left as pg
// made them (the names are put on by the pool Kysely is given, not by changing pg's clients).
import { CompiledQuery, sql } from 'kysely';
import { Pool, PoolClient } from 'pg';
import { createTestDatabase, testLogger, TestDatabase } from '../testing';
import { OpenDatabase, openDatabase, prepared } from './database';

describe('openDatabase on Postgres', () => {
  let database: TestDatabase;
  let store: OpenDatabase<unknown>;
  /** Every connection pg's pool handed out. */
  const pgClients: PoolClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const connect = Pool.prototype.connect as () => Promise<PoolClient>;
    jest.spyOn(Pool.prototype, 'connect').mockImplementation(async function (this: Pool) {
      const client = await connect.call(this);
      pgClients.push(client);
      return client;
    } as never);
    store = await openDatabase({ url: database.url, poolSize: 1 }, testLogger('db'));
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await store?.close();
    await database?.drop();
  });

  it('sends a marked statement by name, once prepared per connection, inside and outside a transaction', async () => {
    const text = prepared('select $1::int + 1 as n');
    const run = (db: typeof store.db, n: number) => db.executeQuery<{ n: number }>(CompiledQuery.raw(text, [n]));
    expect((await run(store.db, 1)).rows).toEqual([{ n: 2 }]);
    await store.db.transaction().execute(async (tx) => {
      expect((await run(tx, 2)).rows).toEqual([{ n: 3 }]);
    });
    // One connection in the pool: it holds the statement under its name.
    const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(store.db);
    expect(rows).toEqual([{ name: expect.stringMatching(/^rtcroom_\d+$/), statement: text }]);
    // An unmarked text with the same shape is not prepared.
    await store.db.executeQuery(CompiledQuery.raw('select $1::int + 2 as n', [1]));
    expect((await sql`select count(*)::int as c from pg_prepared_statements`.execute(store.db)).rows).toEqual([{ c: 1 }]);
  });

  it("leaves pg's connection objects as pg made them", async () => {
    await store.db.executeQuery(CompiledQuery.raw(prepared('select $1::int as n'), [1]));
    expect(pgClients.length).toBeGreaterThan(0);
    for (const client of pgClients) expect(Object.prototype.hasOwnProperty.call(client, 'query')).toBe(false);
  });
});
