// Every service's /metrics, scraped around a real join through the gateway on the real Postgres and
// NATS: the numbers an operator watches move, each on its own service's listener.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, deleteTestConsumers, eventually, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { mediaEventsStream } from '@rtcroom/common';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1 } from '@rtcroom/proto';
import { parseSamples, Sample, scrape, sum } from './scrape';

const secret = 'metrics-e2e-secret-long-enough';
const token = (identity: string) => issueAccessToken(secret, { identity, ttlSeconds: 600 });
const services = ['room', 'presence', 'urlIssuer', 'gateway'] as const;
type Service = (typeof services)[number];

describe('metrics of every service, around a join (real Postgres and NATS)', () => {
  let database: TestDatabase;
  let system: RunningSystem;
  const recordingsConsumer = uniqueTestName('metrics_recordings');
  const mediaConsumer = uniqueTestName('metrics_media');

  beforeAll(async () => {
    database = await createTestDatabase();
    system = await startAll({
      env: {
        DATABASE_URL: database.url,
        NATS_URL: testNatsUrl,
        ACCESS_TOKEN_SECRET: secret,
        RTCROOM_DEV: 'true',
        ROOM_RECORDINGS_CONSUMER: recordingsConsumer,
        PRESENCE_MEDIA_CONSUMER: mediaConsumer,
      },
      ephemeralPorts: true,
      logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
    });
  });

  afterAll(async () => {
    await system?.stop();
    await database?.drop();
    await deleteTestConsumers(mediaEventsStream.name, [recordingsConsumer, mediaConsumer]);
  });

  const scrapeAll = async (): Promise<Record<Service, Sample[]>> => {
    const out = {} as Record<Service, Sample[]>;
    for (const s of services) {
      const res = await scrape(system.metricsAddresses[s]!);
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      out[s] = parseSamples(res.body);
    }
    return out;
  };
  const grpcServed = (samples: Sample[], method: string, code = 'OK') => sum(samples, 'rtcroom_grpc_server_handling_seconds_count', { method, code }) ?? 0;
  const grpcCalled = (samples: Sample[], method: string, code = 'OK') => sum(samples, 'rtcroom_grpc_client_handling_seconds_count', { method, code }) ?? 0;

  it('each service serves its own /metrics on its own port, labelled with its name', async () => {
    const addresses = services.map((s) => system.metricsAddresses[s]);
    expect(new Set(addresses).size).toBe(4);
    const all = await scrapeAll();
    const names = { room: 'room', presence: 'presence', urlIssuer: 'url-issuer', gateway: 'gateway' };
    for (const s of services) {
      const own = all[s].filter((x) => x.name.startsWith('rtcroom_'));
      expect(own.length).toBeGreaterThan(0);
      expect(new Set(own.map((x) => x.labels.service))).toEqual(new Set([names[s]]));
      // The process's metrics: CPU, memory, event-loop lag.
      // (CPU counts from when the process metrics were registered, in the kernel's accounting steps: it
      // may still read 0 at the first scrape; memory never does.)
      expect(sum(all[s], 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
      expect(sum(all[s], 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sum(all[s], 'nodejs_eventloop_lag_seconds')).toBeDefined();
    }
    // Not a metrics path: 404, and no metrics on the gateway's public port.
    expect((await scrape(system.metricsAddresses.room!, '/')).status).toBe(404);
    expect((await scrape(system.gatewayAddress, '/metrics')).status).toBe(404);
  });

  it('a join moves the gateway, room, presence and url-issuer numbers', async () => {
    const before = await scrapeAll();
    const alice = await DemoClient.connect(system.gatewayUrl, token('alice'));
    const bob = await DemoClient.connect(system.gatewayUrl, token('bob'));
    let roomId = '';
    try {
      const created = await alice.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: uniqueTestName('metrics') }) } });
      roomId = created.room!.id;
      await alice.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
      await bob.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
      await alice.waitForNotice((n) => n.notice?.$case === 'memberJoined');
      // A refused join counts by its code.
      await expect(bob.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId: 'no-such-room' }) })).rejects.toThrow();

      // Scraped while both sit in the room (the room gauges are read at scrape time).
      const during = await eventually(async () => {
        const now = await scrapeAll();
        // The outbox relay publishes after the commit; wait until it counted the two joins.
        const published = (sum(now.room, 'rtcroom_outbox_published_total') ?? 0) - (sum(before.room, 'rtcroom_outbox_published_total') ?? 0);
        return published >= 3 && (sum(now.gateway, 'rtcroom_gateway_join_notified_seconds_count') ?? 0) >= 2 ? now : undefined;
      }, 10_000, 'the relay to publish the joins and the gateway to see them');
      const delta = (s: Service, name: string, labels: Record<string, string> = {}) => (sum(during[s], name, labels) ?? 0) - (sum(before[s], name, labels) ?? 0);

      // gateway: sockets, frames, joins by result, join -> notified, its gRPC calls to the room service
      expect(sum(during.gateway, 'rtcroom_gateway_connections')).toBe(2);
      // One NATS subscription for the room both sit in.
      expect(sum(during.gateway, 'rtcroom_gateway_room_subscriptions')).toBe(1);
      // And one for each identity's calls.
      expect(sum(during.gateway, 'rtcroom_gateway_user_subscriptions')).toBe(2);
      expect(delta('gateway', 'rtcroom_gateway_connections_opened_total')).toBe(2);
      expect(delta('gateway', 'rtcroom_gateway_frames_received_total')).toBeGreaterThanOrEqual(4);
      expect(delta('gateway', 'rtcroom_gateway_frames_sent_total')).toBeGreaterThanOrEqual(6); // 2 welcomes, 4 answers, notices
      expect(delta('gateway', 'rtcroom_gateway_joins_total', { result: 'ok' })).toBe(2);
      expect(delta('gateway', 'rtcroom_gateway_joins_total', { result: 'ROOM_NOT_FOUND' })).toBe(1);
      expect(delta('gateway', 'rtcroom_gateway_join_notified_seconds_count')).toBe(2);
      expect(delta('gateway', 'rtcroom_gateway_join_notified_seconds_sum')).toBeGreaterThan(0);
      expect(grpcCalled(during.gateway, 'rtcroom.room.v1.RoomService/JoinRoom') - grpcCalled(before.gateway, 'rtcroom.room.v1.RoomService/JoinRoom')).toBe(2);
      expect(grpcCalled(during.gateway, 'rtcroom.room.v1.RoomService/JoinRoom', 'NOT_FOUND') - grpcCalled(before.gateway, 'rtcroom.room.v1.RoomService/JoinRoom', 'NOT_FOUND')).toBe(1);
      // Sessions reach presence in batches (UpdateSessions, one per GATEWAY_PRESENCE_BATCH_MS tick): the
      // two connections in one call or two.
      const batches = delta('gateway', 'rtcroom_grpc_client_handling_seconds_count', { method: 'rtcroom.presence.v1.PresenceService/UpdateSessions', transport: 'inproc' });
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(batches).toBeLessThanOrEqual(2);

      // room: the calls it served (in-process: the services share this process), seats, open rooms, the outbox, its pool and consumer
      expect(grpcServed(during.room, 'rtcroom.room.v1.RoomService/JoinRoom') - grpcServed(before.room, 'rtcroom.room.v1.RoomService/JoinRoom')).toBe(2);
      expect(delta('room', 'rtcroom_grpc_server_handling_seconds_count', { method: 'rtcroom.room.v1.RoomService/JoinRoom', transport: 'inproc' })).toBe(3);
      expect(delta('room', 'rtcroom_room_members_joined_total')).toBe(2);
      expect(sum(during.room, 'rtcroom_room_open_rooms')).toBeGreaterThanOrEqual(1);
      expect(sum(during.room, 'rtcroom_room_seated_members')).toBe(2);
      expect(delta('room', 'rtcroom_outbox_publish_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(sum(during.room, 'rtcroom_outbox_lag_seconds')).toBeGreaterThanOrEqual(0);
      expect(sum(during.room, 'rtcroom_webhook_queue_depth')).toBe(0);
      expect(sum(during.room, 'rtcroom_db_pool_connections', { state: 'open' })).toBeGreaterThanOrEqual(1);
      expect(sum(during.room, 'rtcroom_db_pool_connections', { state: 'max' })).toBe(20);
      expect(sum(during.room, 'rtcroom_event_consumer_pending', { consumer: recordingsConsumer })).toBe(0);
      // the room service asked the url-issuer for push URLs: the room's first join its own and the
      // free seats' in one call (push-url-grants.ts), which the second join used
      const pushUrlsAsked = delta('room', 'rtcroom_grpc_client_handling_seconds_count', { method: 'rtcroom.media.v1.UrlIssuerService/IssuePushUrl' });
      const pushUrlBatchesAsked = delta('room', 'rtcroom_grpc_client_handling_seconds_count', { method: 'rtcroom.media.v1.UrlIssuerService/IssuePushUrls' });
      expect(pushUrlBatchesAsked).toBeGreaterThanOrEqual(1);

      // presence and url-issuer: the calls they served, the consumer and the pool
      expect(grpcServed(during.presence, 'rtcroom.presence.v1.PresenceService/UpdateSessions') - grpcServed(before.presence, 'rtcroom.presence.v1.PresenceService/UpdateSessions')).toBe(batches);
      expect(sum(during.presence, 'rtcroom_event_consumer_pending', { consumer: mediaConsumer })).toBe(0);
      expect(sum(during.presence, 'rtcroom_presence_sessions')).toBe(2); // the bucket is this system's own
      expect(delta('urlIssuer', 'rtcroom_grpc_server_handling_seconds_count', { method: 'rtcroom.media.v1.UrlIssuerService/IssuePushUrl' })).toBe(pushUrlsAsked);
      expect(delta('urlIssuer', 'rtcroom_grpc_server_handling_seconds_count', { method: 'rtcroom.media.v1.UrlIssuerService/IssuePushUrls' })).toBe(pushUrlBatchesAsked);
      expect(sum(during.urlIssuer, 'rtcroom_db_pool_connections', { state: 'max' })).toBe(10);

      await bob.request({ $case: 'leaveRoom', value: { roomId } });
      const after = await eventually(async () => {
        const now = await scrapeAll();
        return sum(now.room, 'rtcroom_room_seated_members') === 1 ? now : undefined;
      }, 10_000, 'the seat to be given back');
      expect((sum(after.room, 'rtcroom_room_members_left_total', { reason: 'left' }) ?? 0) - (sum(before.room, 'rtcroom_room_members_left_total', { reason: 'left' }) ?? 0)).toBe(1);
      expect((sum(after.gateway, 'rtcroom_gateway_leaves_total', { result: 'ok' }) ?? 0) - (sum(before.gateway, 'rtcroom_gateway_leaves_total', { result: 'ok' }) ?? 0)).toBe(1);
    } finally {
      await alice.close();
      await bob.close();
    }
    const closed = await eventually(async () => {
      const now = await scrapeAll();
      return sum(now.gateway, 'rtcroom_gateway_connections') === 0 ? now : undefined;
    }, 10_000, 'the sockets to close');
    expect(sum(closed.gateway, 'rtcroom_gateway_connections')).toBe(0);
  });
});
