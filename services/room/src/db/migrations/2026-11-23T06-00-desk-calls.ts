// Frozen: service-desk calls (a call to a team waits in its queue and is offered to agents), agents'
// system-driven states, rooms recorded in forced formats, and recordings kept against desk calls.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('calls')
    .addColumn('team_id', 'text')
    .addColumn('queue_at', 'timestamptz')
    .addColumn('queue_position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('estimated_wait_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_identities', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('invited_identities', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('declined_by', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // A team's waiting calls in queue order (the router's and the position updates' read).
  await sql`create index calls_team_waiting on calls (team_id, queue_at, id) where state in ('dialing', 'queued', 'ringing')`.execute(db);
  await sql`create index calls_team_created on calls (team_id, created_at) where team_id is not null`.execute(db);
  await db.schema
    .alterTable('agents')
    // Where an AVAILABLE agent stood in line before it was rung (an offer that lapses through no fault
    // of the agent puts it back there).
    .addColumn('available_since', 'timestamptz')
    .addColumn('wrap_up_until', 'timestamptz')
    .execute();
  await db.schema.alterTable('rooms').addColumn('recording_formats', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema
    .createTable('call_recordings')
    .addColumn('recording_id', 'text', (c) => c.primaryKey())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('customer_identity', 'text', (c) => c.notNull())
    // '|a|b|': matched with strpos for one agent.
    .addColumn('agent_identities', 'text', (c) => c.notNull())
    .addColumn('recording', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('call_recordings_call').on('call_recordings').columns(['call_id']).execute();
  await db.schema.createIndex('call_recordings_team').on('call_recordings').columns(['team_id', 'created_at']).execute();
  await db.schema.createIndex('call_recordings_customer').on('call_recordings').columns(['customer_identity', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('call_recordings').execute();
  await db.schema.alterTable('rooms').dropColumn('recording_formats').execute();
  await db.schema.alterTable('agents').dropColumn('available_since').dropColumn('wrap_up_until').execute();
  await sql`drop index calls_team_waiting`.execute(db);
  await sql`drop index calls_team_created`.execute(db);
  await db.schema
    .alterTable('calls')
    .dropColumn('team_id')
    .dropColumn('queue_at')
    .dropColumn('queue_position')
    .dropColumn('estimated_wait_seconds')
    .dropColumn('agent_identities')
    .dropColumn('invited_identities')
    .dropColumn('declined_by')
    .execute();
}
