// Presence with the real room service behind it, on the real Postgres and NATS (sessions in the
// NATS key-value bucket), over gRPC: liveness, grace and resume, restarts, two instances.
import { AsyncClient, createClient, createLogger, Logger } from '@rtcroom/common';
import { createTestDatabase, deleteTestBucket, deleteTestConsumers, eventually, HeldAddress, testLogger, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { presencev1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { loadRoomConfig, startRoomService, RunningRoomService } from '@rtcroom/room';
import { loadUrlIssuerConfig, startUrlIssuer, RunningUrlIssuer } from '@rtcroom/url-issuer';
import { loadPresenceConfig, startPresenceService, RunningPresenceService } from '../src';

type PresenceClient = AsyncClient<typeof presencev1.PresenceServiceService>;

describe('presence (with the real room service and NATS)', () => {
  let database: TestDatabase;
  let urls: RunningUrlIssuer;
  let room: RunningRoomService;
  let rooms: AsyncClient<typeof roomServicev1.RoomServiceService>;
  const running: RunningPresenceService[] = [];
  let a: PresenceClient;
  let n = 0;
  const bucket = uniqueTestName('presence_t');

  const consumers: string[] = [];

  async function startPresence(logger: Logger = testLogger('presence'), roomAddress = room.grpcAddress): Promise<{ service: RunningPresenceService; client: PresenceClient }> {
    const consumer = `presence-test-${process.pid}-${n++}`;
    consumers.push(consumer);
    const service = await startPresenceService(
      loadPresenceConfig({
        RTCROOM_DEV: 'true',
        PRESENCE_GRPC_ADDRESS: '127.0.0.1:0', PRESENCE_METRICS_ADDRESS: '127.0.0.1:0',
        ROOM_SERVICE_ADDRESS: roomAddress,
        NATS_URL: testNatsUrl,
        PRESENCE_SESSION_TIMEOUT_MS: '800',
        PRESENCE_RESUME_GRACE_MS: '1500',
        PRESENCE_MEDIA_CONSUMER: consumer,
        PRESENCE_KV_BUCKET: bucket,
      }),
      logger,
    );
    running.push(service);
    return { service, client: createClient(presencev1.PresenceServiceService, service.grpcAddress) };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    urls = await startUrlIssuer(loadUrlIssuerConfig({ RTCROOM_DEV: 'true', URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0', URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0' }), testLogger('urls'));
    room = await startRoomService(
      loadRoomConfig({ RTCROOM_DEV: 'true', ROOM_GRPC_ADDRESS: '127.0.0.1:0', ROOM_METRICS_ADDRESS: '127.0.0.1:0', DATABASE_URL: database.url, NATS_URL: testNatsUrl, URL_ISSUER_ADDRESS: urls.grpcAddress }),
      testLogger('room'),
    );
    rooms = createClient(roomServicev1.RoomServiceService, room.grpcAddress);
    a = (await startPresence()).client;
  });

  afterAll(async () => {
    rooms?.close();
    for (const s of running) await s.stop().catch(() => undefined);
    await room?.stop();
    await urls?.stop();
    await database?.drop();
    await deleteTestBucket(bucket);
    await deleteTestConsumers('MEDIA_EVENTS', consumers);
  });

  const unique = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

  async function seat(client: PresenceClient, identity: string, gatewayId = 'gw-test') {
    const sessionId = unique('sess');
    await client.openSession({ sessionId, identity, gatewayId });
    const { room: r } = await rooms.createRoom({ room: roomv1.Room.fromPartial({ name: unique('p') }), requestId: '' });
    await rooms.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: r!.id, identity, sessionId }));
    return { sessionId, roomId: r!.id };
  }

  const members = async (roomId: string) => (await rooms.getRoom({ roomId, name: '' })).members;
  const keep = (client: PresenceClient, gatewayId: string, ids: string[]) => {
    const timer = setInterval(() => void client.keepAlive({ gatewayId, sessionIds: ids, listsAll: false }).catch(() => undefined), 150);
    return () => clearInterval(timer);
  };

  it('knows who is online and through which gateway', async () => {
    await a.openSession({ sessionId: unique('on'), identity: 'olive', gatewayId: 'gw-a' });
    const p = await a.getUserPresence({ identity: 'olive' });
    expect(p.online).toBe(true);
    expect(p.sessions.map((s) => s.gatewayId)).toEqual(['gw-a']);
    expect((await a.getUserPresence({ identity: 'nobody' })).online).toBe(false);
  });

  it('says which of many identities are online in one call, and refuses too many', async () => {
    await a.openSession({ sessionId: unique('many'), identity: 'pia', gatewayId: 'gw-a' });
    await a.openSession({ sessionId: unique('many'), identity: 'quinn', gatewayId: 'gw-a' });
    const { onlineIdentities } = await a.listOnline({ identities: ['quinn', 'nobody', 'pia'] });
    expect(onlineIdentities).toEqual(['quinn', 'pia']);
    await expect(a.listOnline({ identities: Array.from({ length: 501 }, (_, i) => `id${i}`) })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });

  it('turns pusher event 1002 into a publishing member, and a repeat into nothing', async () => {
    const { sessionId, roomId } = await seat(a, 'pia');
    const first = await a.reportPusherEvent({ sessionId, identity: 'pia', roomId, code: 1002, message: '' });
    expect(first.action).toBe(presencev1.PusherAction.PUSHER_ACTION_STREAM_STARTED);
    const again = await a.reportPusherEvent({ sessionId, identity: 'pia', roomId, code: 1002, message: '' });
    expect(again.action).toBe(presencev1.PusherAction.PUSHER_ACTION_NONE);
    expect((await members(roomId))[0].state).toBe(roomv1.MemberState.MEMBER_STATE_PUBLISHING);
    const lost = await a.reportPusherEvent({ sessionId, identity: 'pia', roomId, code: -1307, message: '' });
    expect(lost.action).toBe(presencev1.PusherAction.PUSHER_ACTION_STREAM_STOPPED);
  });

  it('refuses a report for a session that is not the reporter\'s', async () => {
    const sessionId = unique('mine');
    await a.openSession({ sessionId, identity: 'real', gatewayId: 'gw' });
    await expect(a.reportPusherEvent({ sessionId, identity: 'impostor', roomId: 'r_x', code: 1002, message: '' })).rejects.toMatchObject({
      reason: 'SESSION_NOT_FOUND',
    });
  });

  it('ends the seats of a session closed for good at once, as LEFT (a goodbye, not a lost connection)', async () => {
    const { sessionId, roomId } = await seat(a, 'cleo');
    await a.closeSession({ sessionId, resumable: false, gatewayId: 'gw-test', holdsNoSeats: false });
    expect(await members(roomId)).toEqual([]);
    const { events } = await rooms.listRoomEvents({ roomId, afterSeq: 0, pageSize: 100 });
    const left = events.map((e) => e.payload).find((p) => p?.$case === 'memberLeft');
    expect(left?.$case === 'memberLeft' && left.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_LEFT);
  });

  /**
   * A presence instance reaching the room service through a front the test can cut, with `gatewayId`
   * kept alive (a gateway that lives: no sweep ends its sessions); stopped after `body`, since an
   * instance whose room service is gone would sweep the sessions of later tests.
   */
  async function behindFront(gatewayId: string, body: (client: PresenceClient, front: HeldAddress) => Promise<void>): Promise<void> {
    const front = await HeldAddress.open();
    front.forwardTo(room.grpcAddress);
    const { service, client } = await startPresence(testLogger('presence'), front.address);
    const stopKeeping = keep(client, gatewayId, []);
    try {
      await body(client, front);
    } finally {
      stopKeeping();
      client.close();
      await service.stop();
      running.splice(running.indexOf(service), 1);
      await front.close();
    }
  }

  it('fails a goodbye whose seats could not be given up (the room service away), and ends it as LEFT when told again', async () => {
    await behindFront('gw-goodbye', async (client, front) => {
      const { sessionId, roomId } = await seat(client, 'gil', 'gw-goodbye');
      front.forwardTo(undefined);
      front.cut();
      const goodbye = { sessionId, resumable: false, gatewayId: 'gw-goodbye', holdsNoSeats: false };
      await expect(client.closeSession(goodbye)).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
      // Kept: still connected, its seat held; nothing but the gateway's next close would end it.
      expect((await client.getUserPresence({ identity: 'gil' })).online).toBe(true);
      front.forwardTo(room.grpcAddress);
      await eventually(() => client.closeSession(goodbye).then(() => true, () => false), 10_000, 'the close to go through');
      expect(await members(roomId)).toEqual([]);
      const { events } = await rooms.listRoomEvents({ roomId, afterSeq: 0, pageSize: 100 });
      const left = events.map((e) => e.payload).find((p) => p?.$case === 'memberLeft');
      expect(left?.$case === 'memberLeft' && left.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_LEFT);
      expect((await client.getUserPresence({ identity: 'gil' })).online).toBe(false);
    });
  });

  it('tells the rooms of a drop they could not be told of at once, at a later sweep', async () => {
    await behindFront('gw-drop', async (client, front) => {
      const { sessionId, roomId } = await seat(client, 'hal', 'gw-drop');
      front.forwardTo(undefined);
      front.cut();
      await client.closeSession({ sessionId, resumable: true, gatewayId: 'gw-drop', holdsNoSeats: false }); // dropped: resumable
      expect((await members(roomId))[0]?.connectionInterrupted).toBe(false); // the room could not be told
      front.forwardTo(room.grpcAddress);
      await eventually(async () => (await members(roomId))[0]?.connectionInterrupted === true, 5000, 'the room to be told of the drop');
    });
  });

  it('names the request that closed a session on its lines (the caller\'s x-request-id)', async () => {
    const lines: Record<string, any>[] = [];
    const { client } = await startPresence(createLogger({ service: 'presence' }, 'info', (line) => lines.push(JSON.parse(line))));
    const { sessionId, roomId } = await seat(client, 'dora');
    await client.closeSession({ sessionId, resumable: false, gatewayId: 'gw-test', holdsNoSeats: false }, { requestId: 'rq_goodbye' });
    expect(await members(roomId)).toEqual([]);
    expect(lines.filter((l) => l.sessionId === sessionId).map((l) => [l.msg, l.rpc, l.requestId])).toEqual([
      ['session ended', 'rtcroom.presence.v1.PresenceService/CloseSession', 'rq_goodbye'],
    ]);
    client.close();
  });

  it('ends a session the gateway says holds no seats without asking the rooms, and forgets it', async () => {
    const { sessionId, roomId } = await seat(a, 'nell');
    // The hint is believed (the gateway knows): the seat stays until its own leave.
    await a.closeSession({ sessionId, resumable: false, gatewayId: 'gw-test', holdsNoSeats: true });
    expect((await members(roomId)).map((m) => m.identity)).toEqual(['nell']);
    expect((await a.getUserPresence({ identity: 'nell' })).online).toBe(false);
    await expect(a.resumeSession({ sessionId, identity: 'nell', gatewayId: 'gw-test' })).rejects.toMatchObject({ reason: 'SESSION_NOT_FOUND' });
  });

  it('opens and closes many sessions of a gateway in one call, each on its own', async () => {
    const dropped = await seat(a, 'batch-drop', 'gw-batch');
    const gone = await seat(a, 'batch-gone', 'gw-batch');
    const [s1, s2] = [unique('batch'), unique('batch')];
    const res = await a.updateSessions({
      gatewayId: 'gw-batch',
      opens: [
        { sessionId: s1, identity: 'batch-1', gatewayId: 'gw-batch' },
        { sessionId: unique('batch'), identity: '', gatewayId: 'gw-batch' },
        { sessionId: s2, identity: 'batch-2', gatewayId: '' },
      ],
      closes: [
        { sessionId: dropped.sessionId, resumable: true, gatewayId: 'gw-batch', holdsNoSeats: false },
        { sessionId: gone.sessionId, resumable: false, gatewayId: 'gw-batch', holdsNoSeats: false },
      ],
    });
    expect(res.opens.map((o) => [o.session?.sessionId ?? '', o.session?.gatewayId ?? '', o.errorReason])).toEqual([
      [s1, 'gw-batch', ''],
      ['', '', 'INVALID_ARGUMENT'],
      [s2, 'gw-batch', ''],
    ]);
    expect(res.failedCloseSessionIds).toEqual([]);
    expect(res.resumeGraceMs).toBe(1500);
    const { onlineIdentities } = await a.listOnline({ identities: ['batch-1', 'batch-2', 'batch-drop', 'batch-gone'] });
    expect(onlineIdentities).toEqual(['batch-1', 'batch-2']);
    // The dropped one keeps its seat, interrupted, for the grace period; the closed one's seat ends as LEFT.
    expect((await members(dropped.roomId)).map((m) => m.connectionInterrupted)).toEqual([true]);
    expect(await members(gone.roomId)).toEqual([]);
    const resumed = await a.resumeSession({ sessionId: dropped.sessionId, identity: 'batch-drop', gatewayId: 'gw-other' });
    expect(resumed.seats.map((m) => m.roomId)).toEqual([dropped.roomId]);
  });

  it('refuses a batch naming another gateway\'s sessions, or too many', async () => {
    const other = { sessionId: unique('batch'), identity: 'batch-x', gatewayId: 'gw-other' };
    await expect(a.updateSessions({ gatewayId: 'gw-batch', opens: [other], closes: [] })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    await expect(a.updateSessions({ gatewayId: '', opens: [], closes: [] })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    const many = Array.from({ length: 1001 }, (_, i) => ({ sessionId: `s${i}`, identity: 'x', gatewayId: 'gw-batch' }));
    await expect(a.updateSessions({ gatewayId: 'gw-batch', opens: many, closes: [] })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    expect((await a.getUserPresence({ identity: 'batch-x' })).online).toBe(false);
  });

  it('keeps a dropped session\'s seat (shown as interrupted) and gives it back on resume, through another gateway', async () => {
    const { sessionId, roomId } = await seat(a, 'remy', 'gw-1');
    await a.closeSession({ sessionId, resumable: true, gatewayId: 'gw-1', holdsNoSeats: false });
    expect((await members(roomId)).map((m) => [m.identity, m.connectionInterrupted])).toEqual([['remy', true]]);
    const resumed = await a.resumeSession({ sessionId, identity: 'remy', gatewayId: 'gw-2' });
    expect(resumed.seats.map((m) => m.roomId)).toEqual([roomId]);
    expect((await members(roomId)).map((m) => m.connectionInterrupted)).toEqual([false]);
    await expect(a.resumeSession({ sessionId, identity: 'mallory', gatewayId: 'gw-3' })).rejects.toMatchObject({ reason: 'SESSION_NOT_FOUND' });
  });

  it('gives the seat up with connection lost once the grace period is over', async () => {
    const { sessionId, roomId } = await seat(a, 'gus');
    await a.closeSession({ sessionId, resumable: true, gatewayId: 'gw-test', holdsNoSeats: false });
    await eventually(async () => (await members(roomId)).length === 0, 6000, 'the seat to be given up');
    await expect(a.resumeSession({ sessionId, identity: 'gus', gatewayId: 'gw-test' })).rejects.toMatchObject({ reason: 'SESSION_NOT_FOUND' });
  });

  it('interrupts every session of a gateway that goes silent, and keeps the ones of a gateway that speaks', async () => {
    const quiet = await seat(a, 'sid', 'gw-quiet');
    const chatty = await seat(a, 'kim', 'gw-chatty');
    const stop = keep(a, 'gw-chatty', [chatty.sessionId]);
    try {
      await eventually(async () => (await members(quiet.roomId))[0]?.connectionInterrupted === true, 5000, 'the silent gateway\'s seat to be interrupted');
      await eventually(async () => (await members(quiet.roomId)).length === 0, 6000, 'the silent seat to be freed');
      expect((await members(chatty.roomId)).map((m) => m.connectionInterrupted)).toEqual([false]);
      const { unknownSessionIds } = await a.keepAlive({ gatewayId: 'gw-chatty', sessionIds: [chatty.sessionId, quiet.sessionId], listsAll: false });
      expect(unknownSessionIds).toEqual([quiet.sessionId]);
    } finally {
      stop();
    }
  });

  it("drops a session connected on a gateway whose full keepalive list does not name it (a resume the gateway gave up on)", async () => {
    const { sessionId, roomId } = await seat(a, 'gia', 'gw-left');
    // Presence carries the resume out; the gateway had given up on it and holds no connection.
    await a.resumeSession({ sessionId, identity: 'gia', gatewayId: 'gw-ghost' });
    const stop = keep(a, 'gw-ghost', []);
    try {
      await new Promise((r) => setTimeout(r, 900)); // past the session timeout (800 ms here)
      await a.keepAlive({ gatewayId: 'gw-ghost', sessionIds: [], listsAll: true });
      await eventually(async () => (await members(roomId))[0]?.connectionInterrupted === true, 3000, 'the seat shown dropped');
      // Then, as any drop, it can be resumed within the grace.
      const back = await a.resumeSession({ sessionId, identity: 'gia', gatewayId: 'gw-ghost' });
      expect(back.seats.map((m) => m.roomId)).toEqual([roomId]);
    } finally {
      stop();
    }
  });

  it('shares sessions between two presence instances and keeps them across a restart', async () => {
    const b = await startPresence();
    const { sessionId, roomId } = await seat(a, 'twin', 'gw-t');
    // The other instance sees the session (through the bucket) and can resume it.
    await eventually(async () => (await b.client.getUserPresence({ identity: 'twin' })).online, 3000, 'instance b to see the session');
    await b.client.closeSession({ sessionId, resumable: true, gatewayId: 'gw-t', holdsNoSeats: false });
    await b.service.stop();
    const c = await startPresence();
    const resumed = await c.client.resumeSession({ sessionId, identity: 'twin', gatewayId: 'gw-u' });
    expect(resumed.seats.map((m) => m.roomId)).toEqual([roomId]);
    b.client.close();
    c.client.close();
  });
});
