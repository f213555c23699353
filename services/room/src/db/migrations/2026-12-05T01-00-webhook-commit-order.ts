// Frozen: webhook deliveries walk the outbox in an order no late commit can fall behind, and park
// what an endpoint keeps refusing.
//
// room_events.tx is a transaction id (xid8) stamped on each row: the larger of the writing
// transaction's own id and the tx of the room's previous event (rooms.event_tx, written with the room,
// whose row the writer holds locked). A dispatcher reads only rows whose tx is below the oldest
// transaction still running, in (tx, position) order, and keeps its place as such a pair; see
// webhooks/webhook-dispatcher.ts for why that order skips nothing. Rows written before this migration
// keep tx 0, and so do the cursors of endpoints registered before it: they go on from their position.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // A constant default first (no rewrite of the table), then the real one for new rows.
  await sql`alter table room_events add column tx xid8 not null default '0'`.execute(db);
  await sql`alter table room_events alter column tx set default pg_current_xact_id()`.execute(db);
  await sql`create index room_events_commit_order on room_events (tx, position) where seq is not null`.execute(db);
  await sql`alter table rooms add column event_tx xid8 not null default '0'`.execute(db);
  await sql`alter table webhooks add column cursor_tx xid8 not null default '0'`.execute(db);

  await db.schema
    .createTable('webhook_dead_letters')
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('parked_at', 'timestamptz', (c) => c.notNull())
    // Set by RedeliverDeadLetters: the dispatcher tries the event again, once.
    .addColumn('redeliver_requested_at', 'timestamptz')
    .addPrimaryKeyConstraint('webhook_dead_letters_pk', ['webhook_id', 'event_id'])
    .execute();
  await sql`create index webhook_dead_letters_listing on webhook_dead_letters (webhook_id, parked_at, event_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_dead_letters').execute();
  await db.schema.alterTable('webhooks').dropColumn('cursor_tx').execute();
  await db.schema.alterTable('rooms').dropColumn('event_tx').execute();
  await sql`drop index room_events_commit_order`.execute(db);
  await db.schema.alterTable('room_events').dropColumn('tx').execute();
}
