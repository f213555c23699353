// Frozen: room messages. Each room keeps its last messages (the service trims to ROOM_MESSAGE_HISTORY
// as it writes), and a room may ask for its messages to go to webhooks.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('room_messages')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('sender_member_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sender_identity', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('recipients', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('topic', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('payload', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_messages_pkey', ['room_id', 'seq'])
    .execute();
  await sql`create index room_messages_id on room_messages (room_id, id)`.execute(db);
  await db.schema.alterTable('rooms').addColumn('message_webhooks', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('message_webhooks').execute();
  await db.schema.dropTable('room_messages').execute();
}
