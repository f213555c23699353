// Frozen: the outbox relay reads unpublished rows from a transaction id on (outbox-relay.ts), so the
// index of unpublished rows is by tx. A row marked published leaves its entry in the index until a
// vacuum, and autovacuum comes only once a fifth of the table has changed: a read from the first
// entry walked every row published since (10,000 entries, 500 buffers, for the first minute of a
// 200 joins/s run; hundreds of thousands on a large table). Read from the oldest transaction still
// running at the relay's last complete read, it walks only what can still be unpublished.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index room_events_unpublished_tx on room_events (tx, position) where published_at is null`.execute(db);
  await sql`drop index room_events_unpublished`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index room_events_unpublished on room_events (position) where published_at is null`.execute(db);
  await sql`drop index room_events_unpublished_tx`.execute(db);
}
