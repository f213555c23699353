// Frozen: a room's version, bumped by every write to the room, its seats or its bans, so a change
// decided on a remembered copy of the room can be written only if nothing changed since (one
// statement instead of lock, write and commit).
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('version').execute();
}
