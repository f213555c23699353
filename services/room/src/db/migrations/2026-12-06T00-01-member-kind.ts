// Frozen: what a member plays and pushes with ('mini_program' or 'browser'), given at join. Members
// from before it were all mini-programs.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').addColumn('kind', 'text', (c) => c.notNull().defaultTo('mini_program')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').dropColumn('kind').execute();
}
