// Frozen: audiences. A member is on a seat or in the audience (and may be invited to a seat); a room
// has an audience limit beside its seat limit.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('members')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('seat'))
    .addColumn('seat_invited', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('rooms').addColumn('max_audience', 'integer', (c) => c.notNull().defaultTo(30)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('max_audience').execute();
  await db.schema.alterTable('members').dropColumn('seat_invited').dropColumn('role').execute();
}
