// Frozen: recordings reported by the media servers, and the facts already seen.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('media_recordings')
    .addColumn('recording_id', 'text', (c) => c.primaryKey())
    .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
    .addColumn('media_server', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('file_path', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('url', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('format', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('size_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('start_time', 'timestamptz')
    .addColumn('end_time', 'timestamptz')
    .addColumn('media_file_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('announced_at', 'timestamptz')
    .execute();
  await sql`create index media_recordings_by_room on media_recordings (room_id, created_at, recording_id)`.execute(db);

  await db.schema
    .createTable('media_facts')
    .addColumn('fact_key', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index media_facts_by_age on media_facts (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('media_facts').execute();
  await db.schema.dropTable('media_recordings').execute();
}
