// Media facts that NATS cannot take when they come wait in the url-issuer's store (real Postgres) and
// go out in the order they came, on the real NATS, once it takes them again: after a real break of the
// connection, and from an instance that stopped with facts waiting.
import { createLogger, mediaEventsStream, migrateToLatest, NatsEventBus, openDatabase, OpenDatabase, subjects } from '@rtcroom/common';
import { createTestDatabase, eventually, HeldAddress, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { mediaEventv1 } from '@rtcroom/proto';
import type { MediaFact } from '../src/domain/media-fact';
import { MediaFactOutbox } from '../src/events/media-fact-outbox';
import type { UrlIssuerDatabase } from '../src/store/database';
import { urlIssuerMigrations } from '../src/store/migrations';

const logger = createLogger({}, 'silent');
let database: TestDatabase;
let store: OpenDatabase<UrlIssuerDatabase>;
let front: HeldAddress;
let bus: NatsEventBus;
const outboxes: MediaFactOutbox[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  store = await openDatabase<UrlIssuerDatabase>({ url: database.url, poolSize: 2 }, logger);
  await migrateToLatest(store.db, urlIssuerMigrations, 'url_issuer_migrations', logger);
  front = await HeldAddress.open();
  front.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
  bus = await NatsEventBus.connect(`nats://${front.address}`, 'media-fact-outbox-test', [mediaEventsStream], logger);
});
afterAll(async () => {
  for (const o of outboxes) await o.stop();
  await bus?.close();
  await front?.close();
  await store?.close();
  await database?.drop();
});

const open = async (on: Pick<NatsEventBus, 'publish'>) => {
  const outbox = new MediaFactOutbox(store.db, on, logger, 100);
  outboxes.push(outbox);
  await outbox.start();
  return outbox;
};

let n = 0;
const fact = (roomId: string, type: 'stream_began' | 'stream_ended'): MediaFact => {
  const base = { id: `me_${process.pid}_${++n}`, time: new Date(), server: 'nginx-rtmp' as const, owner: { roomId, memberId: 'm_a', identity: 'a', streamId: 's_a', state: 'joined' as const }, clientAddress: '', app: 'live' };
  return type === 'stream_began' ? { ...base, type } : { ...base, type, durationMs: 0, errorCode: 0, errorMessage: '' };
};

/** What MEDIA_EVENTS holds of the room, in its order. */
const stored = async (roomId: string, since: Date) => {
  const types: string[] = [];
  await bus.history(mediaEventsStream.name, subjects.mediaEvent(roomId, '>'), since, 100, (m) => types.push(mediaEventv1.MediaEvent.decode(m.data).payload?.$case ?? '?'));
  return types;
};
const waitingRows = async () => (await store.db.selectFrom('media_facts_waiting').select('position').execute()).length;

it('keeps a fact that could not go through a break of the connection, and sends it, in order, once NATS is back', async () => {
  const roomId = `r_break_${process.pid}`;
  const since = new Date(Date.now() - 1000);
  const outbox = await open(bus);
  await outbox.publish(fact(roomId, 'stream_began'));
  front.forwardTo(undefined);
  front.cut();
  // Handed over while the connection is down (nats.js drops it at its next dial); the next waits behind it.
  const ended = outbox.publish(fact(roomId, 'stream_ended'));
  const again = outbox.publish(fact(roomId, 'stream_began'));
  await new Promise((r) => setTimeout(r, 300));
  front.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
  await Promise.all([ended, again]); // waiting, safe in the store
  expect(await waitingRows()).toBeGreaterThan(0);
  await eventually(async () => (await waitingRows()) === 0 && outbox.waitingCount === 0, 10_000, 'nothing left waiting');
  expect(await stored(roomId, since)).toEqual(['streamBegan', 'streamEnded', 'streamBegan']);
}, 30_000);

it('sends, in order, what an instance that stopped left waiting, and keeps later facts behind it', async () => {
  const roomId = `r_left_${process.pid}`;
  const since = new Date(Date.now() - 1000);
  const away = { publish: async () => Promise.reject(new Error('NATS away')) };
  const stopped = await open(away);
  await stopped.publish(fact(roomId, 'stream_began'));
  await stopped.publish(fact(roomId, 'stream_ended'));
  expect(stopped.waitingCount).toBe(2);
  await stopped.stop();
  expect(await stored(roomId, since)).toEqual([]);

  const next = await open(bus);
  await next.publish(fact(roomId, 'stream_began')); // after those left: behind them
  expect(await eventually(async () => ((await stored(roomId, since)).length >= 3 ? stored(roomId, since) : undefined), 10_000, 'the facts to be stored')).toEqual([
    'streamBegan',
    'streamEnded',
    'streamBegan',
  ]);
  expect(await waitingRows()).toBe(0);
}, 30_000);
