// Frozen: room options and auto-close timers, member profile fields and idempotent joins, bans, and
// webhook endpoints with their delivery cursors.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('rooms')
    .addColumn('owner_leave_policy', 'text', (c) => c.notNull().defaultTo('transfer'))
    .addColumn('empty_timeout_seconds', 'integer', (c) => c.notNull().defaultTo(300))
    .addColumn('departure_timeout_seconds', 'integer', (c) => c.notNull().defaultTo(20))
    .addColumn('duplicate_identity', 'text', (c) => c.notNull().defaultTo('replace'))
    .addColumn('ever_joined', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('auto_close_at', 'timestamptz')
    .execute();
  await sql`create index rooms_auto_close on rooms (auto_close_at) where state = 'open' and auto_close_at is not null`.execute(db);

  await db.schema
    .alterTable('members')
    .addColumn('avatar_url', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('custom_data', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('join_request_id', 'text')
    .execute();
  await sql`create unique index members_join_request_id on members (room_id, join_request_id) where join_request_id is not null`.execute(db);

  await db.schema
    .createTable('room_bans')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('until', 'timestamptz', (c) => c.notNull())
    .addColumn('reason_text', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('room_bans_pk', ['room_id', 'identity'])
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    // Deliveries continue after this room_events.position.
    .addColumn('cursor_position', 'bigint', (c) => c.notNull())
    .addColumn('delivered_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('next_attempt_at', 'timestamptz')
    // One room-service instance delivers to an endpoint at a time: it holds the lease.
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhooks').execute();
  await db.schema.dropTable('room_bans').execute();
  await sql`drop index members_join_request_id`.execute(db);
  await db.schema.alterTable('members').dropColumn('avatar_url').dropColumn('custom_data').dropColumn('join_request_id').execute();
  await db.schema
    .alterTable('rooms')
    .dropColumn('owner_leave_policy')
    .dropColumn('empty_timeout_seconds')
    .dropColumn('departure_timeout_seconds')
    .dropColumn('duplicate_identity')
    .dropColumn('ever_joined')
    .dropColumn('auto_close_at')
    .execute();
}
