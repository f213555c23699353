// Frozen: webhooks also walk supervision's audit rows (seq null, subject …call.supervised; see
// desk/transport/supervision-events.ts), so the dispatcher's partial index takes them in too.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index room_events_webhook_order on room_events (tx, position) where (seq is not null or subject like '%.call.supervised')`.execute(db);
  await sql`drop index room_events_commit_order`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index room_events_commit_order on room_events (tx, position) where seq is not null`.execute(db);
  await sql`drop index room_events_webhook_order`.execute(db);
}
