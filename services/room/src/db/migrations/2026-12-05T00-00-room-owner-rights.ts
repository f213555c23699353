// Frozen: what a room's owner may do beyond its grants ('manage': close, update, remove members;
// 'none'). Rooms made before this keep the default, as the original RtcRoom let a creator close its room.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').addColumn('owner_rights', 'text', (c) => c.notNull().defaultTo('manage')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('owner_rights').execute();
}
