// Frozen: each outbox row keeps the trace of the change that wrote it (a W3C traceparent, null when
// tracing was off), so the relay's publish continues that trace, however much later and on whichever
// instance it runs.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('room_events').addColumn('traceparent', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('room_events').dropColumn('traceparent').execute();
}
