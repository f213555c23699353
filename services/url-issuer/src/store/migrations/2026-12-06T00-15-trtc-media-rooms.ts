// Frozen: TRTC callbacks already taken (by their Sign, until too old to be taken anyway), and who is
// in each TRTC media room as the callbacks told it.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('trtc_callbacks')
    .addColumn('sign', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index trtc_callbacks_by_expiry on trtc_callbacks (expires_at)`.execute(db);

  await db.schema
    .createTable('trtc_room_users')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('identity', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('entered', 'boolean', (c) => c.notNull())
    .addColumn('video', 'boolean', (c) => c.notNull())
    .addColumn('audio', 'boolean', (c) => c.notNull())
    .addColumn('presence_ms', 'bigint', (c) => c.notNull())
    .addColumn('video_ms', 'bigint', (c) => c.notNull())
    .addColumn('audio_ms', 'bigint', (c) => c.notNull())
    .addColumn('entered_at', 'timestamptz')
    .addColumn('left_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('trtc_room_users_pk', ['room_id', 'user_id'])
    .execute();
  await sql`create index trtc_room_users_by_age on trtc_room_users (updated_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('trtc_room_users').execute();
  await db.schema.dropTable('trtc_callbacks').execute();
}
