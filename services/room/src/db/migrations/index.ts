// Every migration of the room store, in order. Add new ones; never edit old ones.
import { Migration } from 'kysely';
import * as m1 from './2026-11-23T00-00-rooms-members-events';
import * as m2 from './2026-11-23T01-00-room-options-bans-webhooks';
import * as m3 from './2026-11-23T02-00-calls';
import * as m4 from './2026-11-23T03-00-member-connection';
import * as m5 from './2026-11-23T04-00-stream-source';
import * as m6 from './2026-11-23T05-00-desk-teams-agents';
import * as m7 from './2026-11-23T06-00-desk-calls';
import * as m8 from './2026-11-23T07-00-room-version';
import * as m9 from './2026-12-05T00-00-room-owner-rights';
import * as m10 from './2026-12-05T01-00-webhook-commit-order';
import * as m11 from './2026-12-05T02-00-outbox-traceparent';
import * as m12 from './2026-12-06T00-00-room-messages';
import * as m13 from './2026-12-06T00-01-member-kind';
import * as m14 from './2026-12-06T01-10-media-state';
import * as m15 from './2026-12-06T01-20-audiences';
import * as m16 from './2026-12-06T01-30-supervision';
import * as m17 from './2026-12-06T12-00-outbox-unpublished-by-tx';

export const roomMigrations: Record<string, Migration> = {
  '2026-11-23T00-00-rooms-members-events': m1,
  '2026-11-23T01-00-room-options-bans-webhooks': m2,
  '2026-11-23T02-00-calls': m3,
  '2026-11-23T03-00-member-connection': m4,
  '2026-11-23T04-00-stream-source': m5,
  '2026-11-23T05-00-desk-teams-agents': m6,
  '2026-11-23T06-00-desk-calls': m7,
  '2026-11-23T07-00-room-version': m8,
  '2026-12-05T00-00-room-owner-rights': m9,
  '2026-12-05T01-00-webhook-commit-order': m10,
  '2026-12-05T02-00-outbox-traceparent': m11,
  '2026-12-06T00-00-room-messages': m12,
  '2026-12-06T00-01-member-kind': m13,
  '2026-12-06T01-10-media-state': m14,
  '2026-12-06T01-20-audiences': m15,
  '2026-12-06T01-30-supervision': m16,
  '2026-12-06T12-00-outbox-unpublished-by-tx': m17,
};
