// Frozen: which stream each Tencent callback (t, sign) pair signed for, kept until its t passes.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tencent_callback_signs')
    .addColumn('sign_pair', 'text', (c) => c.primaryKey())
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index tencent_callback_signs_by_expiry on tencent_callback_signs (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tencent_callback_signs').execute();
}
