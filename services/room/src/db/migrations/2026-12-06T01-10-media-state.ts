// Frozen: media state. A member's microphone and camera (null: as a new seat starts, see
// rooms/domain/media-state.ts), and audio-only rooms.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('members').addColumn('media', 'jsonb').execute();
  await db.schema.alterTable('rooms').addColumn('audio_only', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('audio_only').execute();
  await db.schema.alterTable('members').dropColumn('media').execute();
}
