// The thin path, end to end, the way a client drives it: two WebSocket clients through the gateway,
// with all four services running on the real Postgres and NATS (and once on the embedded default).
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1, tokenv1 } from '@rtcroom/proto';
import WebSocket from 'ws';

const secret = 'e2e-secret-long-enough-to-count';
const token = (identity: string, ttlSeconds = 600) => issueAccessToken(secret, { identity, ttlSeconds });
let counter = 0;
const roomName = () => `e2e-${Date.now().toString(36)}-${counter++}`;

type JoinValue = gatewayv1.JoinRoomRequest;
const join = (c: DemoClient, value: Partial<JoinValue>) =>
  c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) });

async function walkThinPath(system: RunningSystem) {
  const alice = await DemoClient.connect(system.gatewayUrl, token('alice'));
  const bob = await DemoClient.connect(system.gatewayUrl, token('bob'));
  try {
    expect(alice.welcome?.identity).toBe('alice');
    const created = await alice.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName() }) } });
    const roomId = created.room!.id;
    expect(created.room?.maxMembers).toBe(6);

    const a = await join(alice, { roomId });
    expect(a.pushUrl?.url).toMatch(/^rtmp:\/\//);
    expect(a.members.map((m) => m.identity)).toEqual(['alice']);
    const b = await join(bob, { roomId });
    expect(b.pushUrl?.url).toMatch(/^rtmp:\/\//);
    expect(b.pushUrl?.streamId).not.toBe(a.pushUrl?.streamId);
    expect(b.members.map((m) => m.identity)).toEqual(['alice', 'bob']);

    const joined = await alice.waitForNotice((n) => n.notice?.$case === 'memberJoined');
    expect(joined.notice?.$case === 'memberJoined' && joined.notice.value.member?.identity).toBe('bob');
    expect(joined.seq).toBe(b.seq);

    // Nothing is announced before the push has really begun (seed step 3).
    expect(bob.notices.filter((n) => n.notice?.$case === 'streamStarted')).toHaveLength(0);
    const reported = await alice.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
    expect(reported.action).toBe('STREAM_STARTED');
    const started = await bob.waitForNotice((n) => n.notice?.$case === 'streamStarted');
    const playUrl = started.notice?.$case === 'streamStarted' ? started.notice.value.playUrl : undefined;
    expect(playUrl?.streamId).toBe(a.pushUrl?.streamId);
    expect(playUrl?.viewerIdentity).toBe('bob');
    expect(playUrl?.rtcUrl).toContain(a.pushUrl!.streamId);

    await bob.request({ $case: 'leaveRoom', value: { roomId } });
    const left = await alice.waitForNotice((n) => n.notice?.$case === 'memberLeft');
    expect(left.notice?.$case === 'memberLeft' && [left.notice.value.member?.identity, left.notice.value.reason]).toEqual([
      'bob',
      roomv1.LeaveReason.LEAVE_REASON_LEFT,
    ]);
    // Alice saw every event after her join, in order, without gaps.
    expect(alice.notices.map((n) => n.seq)).toEqual([a.seq + 1, a.seq + 2, a.seq + 3]);
  } finally {
    await alice.close();
    await bob.close();
  }
}

describe('thin path on the real Postgres and NATS', () => {
  let database: TestDatabase;
  let system: RunningSystem;

  beforeAll(async () => {
    database = await createTestDatabase();
    system = await startAll({
      env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', PRESENCE_RESUME_GRACE_MS: '600' },
      ephemeralPorts: true,
      logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
    });
  });

  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });

  it('two clients create, join, see each other, get the play URL once the push began, and see the leave', async () => {
    expect(system.embeddedDatabase).toBe(false);
    expect(system.embeddedBus).toBe(false);
    await walkThinPath(system);
  });

  it('a member whose connection drops is shown as interrupted, then leaves with connection lost after the grace period', async () => {
    const carol = await DemoClient.connect(system.gatewayUrl, token('carol'));
    const dave = await DemoClient.connect(system.gatewayUrl, token('dave'));
    const name = roomName();
    const c = await join(carol, { roomName: name, createIfMissing: true });
    await join(dave, { roomId: c.room!.id });
    dave.drop();
    const interrupted = await carol.waitForNotice((n) => n.notice?.$case === 'memberConnection');
    expect(interrupted.notice?.$case === 'memberConnection' && interrupted.notice.value.connected).toBe(false);
    const left = await carol.waitForNotice((n) => n.notice?.$case === 'memberLeft');
    expect(left.notice?.$case === 'memberLeft' && left.notice.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST);
    await carol.close();
  });

  it('a member that says goodbye (close 1000) without leaving leaves at once, as LEFT', async () => {
    const erin = await DemoClient.connect(system.gatewayUrl, token('erin2'));
    const fay = await DemoClient.connect(system.gatewayUrl, token('fay'));
    const e = await join(erin, { roomName: roomName(), createIfMissing: true });
    await join(fay, { roomId: e.room!.id });
    await fay.close();
    const left = await erin.waitForNotice((n) => n.notice?.$case === 'memberLeft');
    // A goodbye, not a crash: the README says a 1000 close ends the session.
    expect(left.notice?.$case === 'memberLeft' && left.notice.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_LEFT);
    expect(erin.notices.some((n) => n.notice?.$case === 'memberConnection')).toBe(false);
    await erin.close();
  });

  it('a newcomer joining a room where someone already publishes gets that play URL in the join answer', async () => {
    const erin = await DemoClient.connect(system.gatewayUrl, token('erin'));
    const frank = await DemoClient.connect(system.gatewayUrl, token('frank'));
    const e = await join(erin, { roomName: roomName(), createIfMissing: true });
    await erin.request({ $case: 'reportPusherEvent', value: { roomId: e.room!.id, code: 1002, message: '' } });
    const f = await join(frank, { roomId: e.room!.id });
    expect(f.playUrls.map((u) => [u.streamId, u.viewerIdentity])).toEqual([[e.pushUrl!.streamId, 'frank']]);
    // A snapshot (sync from seq 0) carries them too.
    const snap = await frank.request({ $case: 'syncRoom', value: { roomId: e.room!.id, afterSeq: 0 } });
    expect(snap.snapshot).toBe(true);
    expect(snap.playUrls.map((u) => [u.streamId, u.viewerIdentity])).toEqual([[e.pushUrl!.streamId, 'frank']]);
    await erin.close();
    await frank.close();
  });

  it('the seventh member of a six-seat room gets ROOM_FULL', async () => {
    const name = roomName();
    const clients = await Promise.all(Array.from({ length: 7 }, (_, i) => DemoClient.connect(system.gatewayUrl, token(`seat-${i}`))));
    for (const c of clients.slice(0, 6)) await join(c, { roomName: name, createIfMissing: true });
    await expect(join(clients[6], { roomName: name })).rejects.toMatchObject({ code: 'ROOM_FULL' });
    await Promise.all(clients.map((c) => c.close()));
  });

  describe('bad input gets a stable error code and the connection stays healthy', () => {
    let client: DemoClient;
    beforeAll(async () => {
      client = await DemoClient.connect(system.gatewayUrl, token('prober'));
    });
    afterAll(() => client.close());
    afterEach(async () => {
      // Still connected and answering.
      await expect(client.request({ $case: 'ping', value: {} })).resolves.toHaveProperty('serverTime');
    });

    const rawAnswer = async (frame: string | Buffer, requestId: string) => {
      const answer = client.answerTo(requestId);
      client.sendRaw(frame);
      return answer;
    };
    const unsolicited = async (frame: string | Buffer) => {
      const before = client.unsolicitedErrors.length;
      client.sendRaw(frame);
      for (let i = 0; i < 100 && client.unsolicitedErrors.length === before; i++) await new Promise((r) => setTimeout(r, 20));
      return client.unsolicitedErrors[before];
    };

    it('a frame that is not JSON: MALFORMED_FRAME', async () => {
      expect((await unsolicited('{not json'))?.code).toBe('MALFORMED_FRAME');
    });
    it('JSON that is not an object: MALFORMED_FRAME', async () => {
      expect((await unsolicited('[1,2,3]'))?.code).toBe('MALFORMED_FRAME');
      expect((await unsolicited('null'))?.code).toBe('MALFORMED_FRAME');
    });
    it('a binary frame: MALFORMED_FRAME', async () => {
      expect((await unsolicited(Buffer.from([1, 2, 3])))?.code).toBe('MALFORMED_FRAME');
    });
    it('an unknown message: UNKNOWN_MESSAGE, answered by its requestId', async () => {
      const answer = await rawAnswer('{"requestId":"u1","launchRockets":{}}', 'u1');
      expect(answer).toMatchObject({ $case: 'error', value: { code: 'UNKNOWN_MESSAGE' } });
    });
    it('a frame over the size limit: FRAME_TOO_LARGE', async () => {
      expect((await unsolicited(JSON.stringify({ ping: {}, pad: 'x'.repeat(70 * 1024) })))?.code).toBe('FRAME_TOO_LARGE');
    });
    it('an unknown room: ROOM_NOT_FOUND', async () => {
      await expect(join(client, { roomId: 'r_doesnotexist' })).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
      await expect(join(client, { roomName: 'never-created' })).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    });
    it('an ill-formed room name: INVALID_ARGUMENT', async () => {
      await expect(join(client, { roomName: 'no spaces allowed', createIfMissing: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
    it('reporting a push for a room one is not in: NOT_A_MEMBER', async () => {
      await expect(client.request({ $case: 'reportPusherEvent', value: { roomId: 'r_x', code: 1002, message: '' } })).rejects.toMatchObject({
        code: 'NOT_A_MEMBER',
      });
    });
  });

  describe('tokens', () => {
    it('are issued over gRPC for business backends, with grants the gateway enforces', async () => {
      const tokens = createClient(tokenv1.TokenServiceService, system.gatewayGrpcAddress);
      const { token, expiresAt } = await tokens.issueAccessToken(
        tokenv1.IssueAccessTokenRequest.fromPartial({ identity: 'backend-user', ttlSeconds: 600, grants: { roomJoin: true, room: 'only-here' } }),
      );
      expect(expiresAt).toBeGreaterThan(Date.now() / 1000);
      const c = await DemoClient.connect(system.gatewayUrl, token);
      await expect(join(c, { roomName: 'somewhere-else', createIfMissing: true })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(c.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: 'nope' }) } })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(tokens.issueAccessToken(tokenv1.IssueAccessTokenRequest.fromPartial({ identity: 'bad identity!' }))).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
      await c.close();
      tokens.close();
    });

    it.each([
      ['no token', ''],
      ['a token signed with another secret', issueAccessToken('some-other-secret-entirely', { identity: 'eve' })],
      ['garbage', 'not.a.token'],
    ])('%s: UNAUTHENTICATED, then the socket closes', async (_what, bad) => {
      await expect(DemoClient.connect(system.gatewayUrl, bad)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    });
    it('an expired token: TOKEN_EXPIRED', async () => {
      const expired = issueAccessToken(secret, { identity: 'late', ttlSeconds: 1, now: Date.now() - 60_000 });
      await expect(DemoClient.connect(system.gatewayUrl, expired)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    });
    it('the gateway still serves others afterwards', async () => {
      const ok = await DemoClient.connect(system.gatewayUrl, token('after'));
      await ok.close();
    });
    it('frames sent the moment the socket opens, while the token is being checked, are answered after the welcome', async () => {
      const ws = new WebSocket(`${system.gatewayUrl}?access_token=${token('eager')}`);
      const frames: Array<Record<string, unknown>> = [];
      ws.on('message', (data) => frames.push(JSON.parse(String(data))));
      ws.on('open', () => {
        for (let i = 0; i < 3; i++) ws.send(JSON.stringify({ requestId: `early-${i}`, joinRoom: { roomId: 'r_nonesuch' } }));
      });
      try {
        await eventually(() => frames.length >= 4, 5000, 'the welcome and three answers');
        expect(frames.map((f) => (f.welcome ? 'welcome' : `${f.requestId}:${(f.error as { code: string } | undefined)?.code}`))).toEqual([
          'welcome',
          'early-0:ROOM_NOT_FOUND',
          'early-1:ROOM_NOT_FOUND',
          'early-2:ROOM_NOT_FOUND',
        ]);
      } finally {
        ws.close(1000);
      }
    });
  });
});

describe('thin path on the embedded default (PGlite and the in-process bus)', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startAll({ env: { ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true' }, ephemeralPorts: true, logLevel: 'silent' });
  }, 90_000); // PGlite's first start: a few seconds here, over 30 on a machine loaded to 15
  afterAll(() => system?.stop());

  it('works the same', async () => {
    expect(system.embeddedDatabase).toBe(true);
    expect(system.embeddedBus).toBe(true);
    await walkThinPath(system);
  });
});
