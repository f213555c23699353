// Frozen: 1:1 calls, and outbox rows addressed to a user rather than numbered in a room (seq null).
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('room_id', 'text', (c) => c.notNull().unique().references('rooms.id'))
    .addColumn('caller_identity', 'text', (c) => c.notNull())
    .addColumn('callee_identity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('caller_stream_id', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ring_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ring_at', 'timestamptz')
    .addColumn('answer_at', 'timestamptz')
    .addColumn('end_at', 'timestamptz')
    .addColumn('deadline_at', 'timestamptz')
    .execute();
  await sql`create index calls_live_by_party on calls (callee_identity) where state <> 'ended'`.execute(db);
  await sql`create index calls_live_by_caller on calls (caller_identity) where state <> 'ended'`.execute(db);
  await sql`create index calls_deadline on calls (deadline_at) where state in ('dialing', 'ringing')`.execute(db);
  await sql`alter table room_events alter column seq drop not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from room_events where seq is null`.execute(db);
  await sql`alter table room_events alter column seq set not null`.execute(db);
  await db.schema.dropTable('calls').execute();
}
