// Frozen: rooms, members and the transactional outbox of room events.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('max_members', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('recording', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('owner_identity', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('create_request_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('close_reason', 'text')
    .execute();
  // A name belongs to at most one open room; closed incarnations keep theirs.
  await sql`create unique index rooms_open_name on rooms (name) where state = 'open'`.execute(db);
  await sql`create unique index rooms_create_request_id on rooms (create_request_id) where create_request_id is not null`.execute(db);
  await sql`create index rooms_listing on rooms (created_at desc, id desc) where state = 'open'`.execute(db);

  await db.schema
    .createTable('members')
    .addColumn('member_id', 'text', (c) => c.primaryKey())
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id'))
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .addColumn('leave_reason', 'text')
    .execute();
  // One seat per identity per room; the database enforces it even if the code forgets.
  await sql`create unique index members_seated on members (room_id, identity) where state <> 'left'`.execute(db);
  await sql`create index members_session on members (session_id) where state <> 'left'`.execute(db);
  await sql`create index members_stream on members (stream_id)`.execute(db);

  await db.schema
    .createTable('room_events')
    .addColumn('position', 'bigserial', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('payload', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz')
    .addUniqueConstraint('room_events_room_seq', ['room_id', 'seq'])
    .execute();
  await sql`create index room_events_unpublished on room_events (position) where published_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('room_events').execute();
  await db.schema.dropTable('members').execute();
  await db.schema.dropTable('rooms').execute();
}
