// Every service stops well on SIGTERM, as separate processes on the real Postgres and NATS: its
// health turns NOT_SERVING first (seen on a Watch stream opened before the signal), the calls in
// flight finish, its consumers drain (nothing left unacknowledged), it exits 0, and the room
// service's outbox shards pass to another instance, whose events then reach NATS.
import * as grpc from '@grpc/grpc-js';
import { AsyncClient, createClient, issueAccessToken, mediaEventsStream, subjects } from '@rtcroom/common';
import { createTestDatabase, deleteTestBucket, deleteTestConsumers, eventually, HeldAddress, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { gatewayv1, presencev1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { ServiceProcess } from '../support/service-processes';

const secret = 'shutdown-test-secret-long-enough';
/** startGrpcServer's drain grace: a Watch stream left open would hold a stop this long. */
const graceMs = 5000;
const names = {
  bucket: uniqueTestName('shutdown_presence'),
  media: uniqueTestName('shutdown-media'),
  recordings: [uniqueTestName('shutdown-rec-a'), uniqueTestName('shutdown-rec-b')],
};
let database: TestDatabase;
let nats: NatsConnection;
const fronts: HeldAddress[] = [];
let urls: ServiceProcess;
let presence: ServiceProcess;
let roomA: ServiceProcess;
let roomB: ServiceProcess;
let gateway: ServiceProcess;

/**
 * The statuses grpc.health.v1.Health/Watch reports for the port ('') until the server ends the stream,
 * as it does once it has said NOT_SERVING (a watch it left open would hold its drain).
 */
function watchHealth(address: string): { seen: string[]; ended: Promise<string[]> } {
  const statuses = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const seen: string[] = [];
  const call = client.makeServerStreamRequest(
    '/grpc.health.v1.Health/Watch',
    () => Buffer.alloc(0), // HealthCheckRequest { service: '' }
    (buf: Buffer) => statuses[buf.length >= 2 ? buf[1]! : 0]!,
    {},
  );
  const ended = new Promise<string[]>((resolve, reject) => {
    call.on('data', (status: string) => seen.push(status));
    call.on('status', (status: grpc.StatusObject) => {
      client.close();
      if (status.code === grpc.status.OK) resolve(seen);
      else reject(new Error(`health watch on ${address} failed (saw ${seen.join(', ') || 'nothing'}): ${status.details}`));
    });
    call.on('error', () => undefined); // reported by 'status'
  });
  return { seen, ended };
}

/** Opens a Watch, waits for SERVING, sends SIGTERM: resolves with the statuses seen and how the process exited. */
async function stopWatched(service: ServiceProcess, grpcVariable: string): Promise<{ seen: string[]; exit: { code: number | null; signal: string | null }; tookMs: number }> {
  const watch = watchHealth(service.listening[grpcVariable]!);
  await eventually(() => watch.seen.includes('SERVING'), 5000, `${service.name} to report SERVING on a Watch`);
  const started = Date.now();
  const [exit, seen] = await Promise.all([service.stop(), watch.ended]);
  return { seen, exit, tookMs: Date.now() - started };
}

/**
 * Sessions of the test database waiting for a lock, asked on `client`, which holds the lock in an open
 * transaction. Postgres reads pg_stat_activity once per transaction and answers every later look from
 * that copy, so the copy is dropped first: else a first look before the call reached its lock would
 * keep saying nobody waits (the cause of this test's failures in CI).
 */
async function waitingForLocks(client: Client): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  return (await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")).rows[0].n;
}

const hold = async () => {
  const front = await HeldAddress.open();
  fronts.push(front);
  return front;
};

beforeAll(async () => {
  database = await createTestDatabase();
  nats = await connect({ servers: testNatsUrl });
  const common = { RTCROOM_DEV: 'true', NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret };
  const [urlsFront, roomFront, presenceFront] = [await hold(), await hold(), await hold()];
  const roomEnv = (i: number) => ({
    ...common,
    DATABASE_URL: database.url,
    URL_ISSUER_ADDRESS: urlsFront.address,
    PRESENCE_SERVICE_ADDRESS: presenceFront.address,
    ROOM_RECORDINGS_CONSUMER: names.recordings[i]!,
  });
  urls = new ServiceProcess('url-issuer', { ...common, ROOM_SERVICE_ADDRESS: roomFront.address }, urlsFront);
  // Room A and B share the outbox shards; B takes A's over when A stops. Peers reach A (the front).
  roomA = new ServiceProcess('room', roomEnv(0), roomFront);
  roomB = new ServiceProcess('room', roomEnv(1));
  presence = new ServiceProcess('presence', { ...common, ROOM_SERVICE_ADDRESS: roomFront.address, PRESENCE_KV_BUCKET: names.bucket, PRESENCE_MEDIA_CONSUMER: names.media }, presenceFront);
  gateway = new ServiceProcess('gateway', {
    ...common,
    GATEWAY_ID: uniqueTestName('gw-shutdown'),
    // A hold longer than the drain may take: with no other gateway alive to take its seated client's
    // session over, the drain holds none.
    GATEWAY_DRAIN_HOLD_MS: '10000',
    ROOM_SERVICE_ADDRESS: roomFront.address,
    PRESENCE_SERVICE_ADDRESS: presenceFront.address,
    URL_ISSUER_ADDRESS: urlsFront.address,
  });
  await urls.start();
  await roomA.start();
  await roomB.start();
  await presence.start();
  await gateway.start();
}, 90_000);

afterAll(async () => {
  for (const p of [gateway, presence, urls, roomA, roomB]) await p?.stop();
  for (const f of fronts) await f.close();
  await nats?.close();
  await deleteTestBucket(names.bucket);
  await deleteTestConsumers(mediaEventsStream.name, [names.media, ...names.recordings]);
  await database?.drop();
});

it('the gateway: NOT_SERVING first, its clients sent away (goAway, 1001), exit 0', async () => {
  const client = await DemoClient.connect(`ws://${gateway.listening.GATEWAY_ADDRESS}/v1/ws`, issueAccessToken(secret, { identity: 'shutdown-alice' }));
  await client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: uniqueTestName('shutdown'), createIfMissing: true }) });
  const frames: string[] = [];
  client.socket.on('message', (data) => frames.push(String(data)));
  const { seen, exit, tookMs } = await stopWatched(gateway, 'GATEWAY_GRPC_ADDRESS');
  expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
  expect(tookMs).toBeLessThan(graceMs);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(frames.some((f) => f.includes('"goAway"'))).toBe(true);
  expect(await eventually(() => client.closeCode, 5000, 'the socket to close')).toBe(1001);
}, 30_000);

it('presence: a call in flight finishes after NOT_SERVING, its media consumer drained (nothing left unacknowledged), exit 0', async () => {
  const p = createClient(presencev1.PresenceServiceService, presence.listening.PRESENCE_GRPC_ADDRESS!);
  const room = createClient(roomServicev1.RoomServiceService, roomA.listening.ROOM_GRPC_ADDRESS!);
  const lock = new Client({ connectionString: database.url });
  await lock.connect();
  try {
    // A session with a seat: ending it makes presence give the seat up in the room service, which
    // waits here on the room's row, locked by the test, and then drop the session from its store.
    const sessionId = uniqueTestName('sess');
    await p.openSession({ sessionId, identity: 'shutdown-carol', gatewayId: 'gw-test' });
    const r = (await room.createRoom({ room: roomv1.Room.fromPartial({ name: uniqueTestName('seat'), kind: roomv1.RoomKind.ROOM_KIND_GROUP }), requestId: '' })).room!;
    await room.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: r.id, identity: 'shutdown-carol', sessionId }));
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [r.id]);
    const inFlight = p.closeSession({ sessionId, resumable: false, gatewayId: 'gw-test', holdsNoSeats: false }, { timeoutMs: 20_000 });
    inFlight.catch(() => undefined); // awaited below
    await eventually(async () => (await waitingForLocks(lock)) > 0, 5000, 'the seat to wait for the row lock');

    const watch = watchHealth(presence.listening.PRESENCE_GRPC_ADDRESS!);
    await eventually(() => watch.seen.includes('SERVING'), 5000, 'presence to report SERVING on a Watch');
    const started = Date.now();
    const exited = presence.stop();
    await eventually(() => watch.seen.includes('NOT_SERVING'), 5000, 'presence to report NOT_SERVING');
    await lock.query('COMMIT');
    await expect(inFlight).resolves.toEqual({});
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(graceMs);
    expect(await watch.ended).toEqual(['SERVING', 'NOT_SERVING']);
    // The session ended whole: its seat given up, and presence's store still there to drop it.
    expect((await room.getRoom({ roomId: r.id, name: '' })).members).toEqual([]);
    expect(presence.log).not.toMatch(/"level":"(error|warn)"/);
  } finally {
    await lock.end();
    p.close();
    room.close();
  }
  const info = await (await nats.jetstreamManager()).consumers.info(mediaEventsStream.name, names.media);
  expect(info.num_ack_pending).toBe(0);
}, 60_000);

it('the url-issuer: NOT_SERVING first, exit 0', async () => {
  const { seen, exit, tookMs } = await stopWatched(urls, 'URL_ISSUER_GRPC_ADDRESS');
  expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
  expect(tookMs).toBeLessThan(graceMs);
  expect(exit).toEqual({ code: 0, signal: null });
}, 30_000);

it('room: a call in flight finishes after NOT_SERVING, the relay passes to the other instance, exit 0', async () => {
  type RoomClient = AsyncClient<typeof roomServicev1.RoomServiceService>;
  const a: RoomClient = createClient(roomServicev1.RoomServiceService, roomA.listening.ROOM_GRPC_ADDRESS!);
  const b: RoomClient = createClient(roomServicev1.RoomServiceService, roomB.listening.ROOM_GRPC_ADDRESS!);
  const published = (roomId: string) => {
    const got: string[] = [];
    const sub = nats.subscribe(subjects.roomEvent(roomId, '>'), { callback: (_err, msg) => got.push(msg.subject) });
    return { got, sub };
  };
  const lock = new Client({ connectionString: database.url });
  await lock.connect();
  try {
    const room = (await a.createRoom({ room: roomv1.Room.fromPartial({ name: uniqueTestName('inflight'), kind: roomv1.RoomKind.ROOM_KIND_GROUP }), requestId: '' })).room!;
    // A call that cannot finish until the test lets it: the room's row is locked here.
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [room.id]);
    const inFlight = a.updateRoom(roomServicev1.UpdateRoomRequest.fromPartial({ roomId: room.id, room: roomv1.Room.fromPartial({ metadata: 'after-sigterm' }), updateMask: ['metadata'] }), {
      timeoutMs: 20_000,
    });
    // Awaited below; an answer before the lock is released means the call never waited, said at once.
    let settled: string | undefined;
    inFlight.then(
      () => (settled = 'was answered'),
      (err: Error) => (settled = `failed (${err.message})`),
    );
    await eventually(
      async () => {
        if (settled) throw new Error(`the update did not wait for the row lock: it ${settled}`);
        return (await waitingForLocks(lock)) > 0;
      },
      15_000, // generous: a busy machine
      'the update to wait for the row lock',
    ).catch(async (err: Error) => {
      // Should it ever reach neither an answer nor the lock: say where everything was.
      await lock.query('SELECT pg_stat_clear_snapshot()');
      const sessions = (await lock.query("SELECT pid, state, wait_event_type, wait_event, left(query, 80) AS query FROM pg_stat_activity WHERE datname = current_database()")).rows;
      throw new Error(`${err.message}\nthe database's sessions: ${JSON.stringify(sessions)}\nroom A's log (end): ${roomA.log.slice(-4000)}`);
    });

    const watch = watchHealth(roomA.listening.ROOM_GRPC_ADDRESS!);
    await eventually(() => watch.seen.includes('SERVING'), 5000, 'room A to report SERVING on a Watch');
    const exited = roomA.stop();
    await eventually(() => watch.seen.includes('NOT_SERVING'), 5000, 'room A to report NOT_SERVING');
    expect(watch.seen).toEqual(['SERVING', 'NOT_SERVING']);
    await lock.query('COMMIT');
    expect((await inFlight).room).toMatchObject({ id: room.id, metadata: 'after-sigterm' });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await watch.ended).toEqual(['SERVING', 'NOT_SERVING']);
    expect(roomA.log).not.toMatch(/"level":"error"/);

    // B owns every shard now: what it writes reaches NATS although nobody else is left to publish it.
    const other = (await b.createRoom({ room: roomv1.Room.fromPartial({ name: uniqueTestName('handover'), kind: roomv1.RoomKind.ROOM_KIND_GROUP }), requestId: '' })).room!;
    const events = published(other.id);
    try {
      // (An update: it needs neither presence nor the url-issuer, both stopped by now.)
      await b.updateRoom(roomServicev1.UpdateRoomRequest.fromPartial({ roomId: other.id, room: roomv1.Room.fromPartial({ metadata: 'after-handover' }), updateMask: ['metadata'] }));
      await eventually(() => events.got.some((s) => s.endsWith('.room.updated')), 10_000, 'the update to be published by the instance that took over the relay');
    } finally {
      events.sub.unsubscribe();
    }
  } finally {
    await lock.end();
    a.close();
    b.close();
  }
}, 60_000);
