// Every migration of the url-issuer's store, in order. Add new ones; never edit old ones.
import { Migration } from 'kysely';
import * as m1 from './2026-11-23T20-00-media-recordings-facts';
import * as m2 from './2026-11-24T10-00-tencent-callback-signs';
import * as m3 from './2026-12-06T00-15-trtc-media-rooms';
import * as m4 from './2026-12-06T23-00-media-facts-waiting';

export const urlIssuerMigrations: Record<string, Migration> = {
  '2026-11-23T20-00-media-recordings-facts': m1,
  '2026-11-24T10-00-tencent-callback-signs': m2,
  '2026-12-06T00-15-trtc-media-rooms': m3,
  '2026-12-06T23-00-media-facts-waiting': m4,
};
