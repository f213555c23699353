// Frozen: service-desk teams and their agents.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('recording_formats', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ring_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('wrap_up_seconds', 'integer', (c) => c.notNull())
    .addColumn('queue_limit', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('agents')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('state_since', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_pk', ['team_id', 'identity'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('agents').execute();
  await db.schema.dropTable('teams').execute();
}
