// Every migration of the room store, in order. Add new ones; never edit old ones.
import { Migration } from 'kysely';
import * as m20261123 from './2026-11-23T00-00-rooms-members-events';

export const roomMigrations: Record<string, Migration> = {
  '2026-11-23T00-00-rooms-members-events': m20261123,
};
