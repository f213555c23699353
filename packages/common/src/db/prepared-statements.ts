// Statements that run on every change (the hot path) go to a real Postgres as named prepared
// statements: each connection parses and plans one once instead of every time it runs, which
// measured here as half of Postgres's work per statement and a quarter of its latency.
//
// Kysely reaches pg only through the pool it is given (its PostgresPool interface), so that is where
// the names are put on: the pool Kysely gets hands out a view of each pg connection that sends a
// marked text by name. pg's own objects stay as pg made them, for Kysely and for anything else.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { tracedStatement } from '../tracing/db-tracing';

const preparedNames = new Map<string, string>();

/** Marks a statement text to be prepared once per connection (see above); returns the text as is. */
export function prepared(text: string): string {
  if (!preparedNames.has(text)) preparedNames.set(text, `rtcroom_${preparedNames.size + 1}`);
  return text;
}

/** The pool to give Kysely's PostgresDialect: `pool`'s connections, sending marked texts by name. */
export function preparingPool(pool: Pool): PostgresPool {
  // One view per connection, kept as long as the connection: Kysely keeps its own state per client
  // object, so it must get the same object each time it checks the connection out.
  const views = new WeakMap<PoolClient, PreparingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let view = views.get(client);
      if (!view) {
        views.set(client, (view = new PreparingClient(client)));
        // A connection held checked out between statements (the outbox relay's, which holds its locks)
        // that the server drops must not take the process down as an unhandled 'error' event: its
        // holder learns of it from its next statement, which fails.
        client.on('error', () => undefined);
      }
      return view;
    },
    end: () => pool.end(),
  };
}

class PreparingClient implements PostgresPoolClient {
  constructor(private readonly client: PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // pg's typings know neither Kysely's cursor nor its result type; both are pg's at run time.
    const client = this.client as unknown as { query(config: unknown, values?: unknown): never };
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor);
    const name = preparedNames.get(sqlOrCursor);
    return tracedStatement(sqlOrCursor, 'postgresql', () =>
      name ? client.query({ name, text: sqlOrCursor, values: parameters }) : client.query(sqlOrCursor, parameters),
    );
  }

  release(): void {
    this.client.release();
  }
}
