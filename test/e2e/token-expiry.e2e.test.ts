// A session ends with its access token unless the client sends a fresh one, end to end on the real
// Postgres and NATS: the gateway warns ahead of exp (tokenExpiring), takes refreshToken over the
// socket (same identity only; its grants apply from then on), and otherwise closes with 4001 after an
// error TOKEN_EXPIRED, the seats kept for a resume. Tokens here live 3 s, warned 2 s ahead.
import { Grants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1 } from '@rtcroom/proto';

const secret = 'e2e-expiry-secret-long-enough-to-count';
const token = (identity: string, ttlSeconds = 600, grants?: Grants) => issueAccessToken(secret, { identity, ttlSeconds, grants });
const shortLived = 3;
const expOf = (t: string): number => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8')).exp * 1000;
let counter = 0;
const roomName = () => `expiry-${Date.now().toString(36)}-${counter++}`;

let database: TestDatabase;
let system: RunningSystem;
const open: DemoClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS: '2' },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await system?.stop();
  await database?.drop();
});

/** A client, and every frame the gateway sends it (the demo client keeps only some kinds). */
async function connect(accessToken: string, resumeToken?: string) {
  const client = await DemoClient.connect(system.gatewayUrl, accessToken, resumeToken);
  open.push(client);
  const expiring: gatewayv1.TokenExpiring[] = [];
  client.socket.on('message', (data) => {
    const m = gatewayv1.ServerMessage.fromJSON(JSON.parse(String(data))).message;
    if (m?.$case === 'tokenExpiring') expiring.push(m.value);
  });
  const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
  return { client, expiring, closed };
}

const until = async (what: string, done: () => boolean, timeoutMs = 6000) => {
  for (const end = Date.now() + timeoutMs; !done(); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > end) throw new Error(`not in time: ${what}`);
  }
};
const join = (c: DemoClient, value: Partial<gatewayv1.JoinRoomRequest>) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) });
const refresh = (c: DemoClient, accessToken: string) => c.request({ $case: 'refreshToken', value: { accessToken } });
const aboutMember = (identity: string) => (n: gatewayv1.RoomNotice) =>
  (n.notice?.$case === 'memberLeft' || n.notice?.$case === 'memberConnection') && n.notice.value.member?.identity === identity;

/** Alice (on the given token) and Bob (a long one) in one room. */
async function aliceAndBob(aliceToken: string, suffix: string) {
  const alice = await connect(aliceToken);
  const bob = await connect(token(`bob-${suffix}`));
  const seat = await join(alice.client, { roomName: roomName(), createIfMissing: true });
  await join(bob.client, { roomId: seat.room!.id });
  return { alice, bob, roomId: seat.room!.id, seat };
}

it('without a refresh: tokenExpiring ahead, then error TOKEN_EXPIRED and close 4001; the seat waits and resumes with a fresh token', async () => {
  const first = token('alice-a', shortLived);
  const { alice, bob, roomId, seat } = await aliceAndBob(first, 'a');

  await until('tokenExpiring', () => alice.expiring.length > 0);
  expect(Date.now()).toBeLessThan(expOf(first));
  expect(alice.expiring[0].expireTime?.getTime()).toBe(expOf(first));

  expect(await alice.closed).toBe(4001);
  expect(Date.now()).toBeGreaterThanOrEqual(expOf(first));
  expect(alice.client.unsolicitedErrors.map((e) => e.code)).toEqual(['TOKEN_EXPIRED']);
  expect(alice.expiring).toHaveLength(1);

  // Like any drop: Bob sees Alice interrupted, not gone, and she comes back to the same seat.
  const interrupted = await bob.client.waitForNotice(aboutMember('alice-a'));
  expect(interrupted.notice?.$case === 'memberConnection' && interrupted.notice.value.connected).toBe(false);
  const back = await connect(token('alice-a'), alice.client.welcome!.resumeToken);
  expect(back.client.welcome?.resumed).toBe(true);
  expect(back.client.welcome?.sessionId).toBe(alice.client.welcome?.sessionId);
  expect(back.client.welcome?.seats.map((s) => [s.roomId, s.memberId])).toEqual([[roomId, seat.member!.memberId]]);
  expect(bob.client.notices.some((n) => n.notice?.$case === 'memberLeft')).toBe(false);
});

it('a refresh keeps the connection and the seat past the first token\'s exp; the others see nothing', async () => {
  const first = token('alice-b', shortLived);
  const { alice, bob, roomId } = await aliceAndBob(first, 'b');
  await until('tokenExpiring', () => alice.expiring.length > 0);

  const fresh = token('alice-b', 600);
  const refreshed = await refresh(alice.client, fresh);
  expect(refreshed.expireTime?.getTime()).toBe(expOf(fresh));

  await new Promise((r) => setTimeout(r, expOf(first) - Date.now() + 1000));
  const room = await alice.client.request({ $case: 'getRoom', value: { roomId, name: '' } });
  expect(room.members.map((m) => m.identity)).toEqual(['alice-b', 'bob-b']);
  expect(alice.client.closeCode).toBeUndefined();
  expect(alice.client.unsolicitedErrors).toEqual([]);
  expect(bob.client.notices.filter(aboutMember('alice-b'))).toEqual([]);
  // The new token is far from its exp: no second warning.
  expect(alice.expiring).toHaveLength(1);
});

it('a refresh with another identity\'s, an expired or a forged token is refused, and the old token still ends the connection', async () => {
  const first = token('alice-c', shortLived);
  const { client, closed } = await connect(first);

  await expect(refresh(client, token('mallory-c'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  const expired = issueAccessToken(secret, { identity: 'alice-c', ttlSeconds: 1, now: Date.now() - 60_000 });
  await expect(refresh(client, expired)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  const forged = issueAccessToken('another-secret-of-enough-length', { identity: 'alice-c' });
  await expect(refresh(client, forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  await expect(refresh(client, 'not.a.token')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  await expect(refresh(client, '')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

  expect(await closed).toBe(4001);
  expect(Date.now()).toBeGreaterThanOrEqual(expOf(first));
  expect(client.unsolicitedErrors.map((e) => e.code)).toEqual(['TOKEN_EXPIRED']);
});

it('the refreshed token\'s grants replace the old ones: fewer grants take effect at the next request', async () => {
  const { client } = await connect(token('alice-d'));
  await join(client, { roomName: roomName(), createIfMissing: true });

  await refresh(client, token('alice-d', 600, { roomList: true, roomAdmin: true }));
  await expect(join(client, { roomName: roomName(), createIfMissing: true })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  await expect(client.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName() }) } })).rejects.toMatchObject({
    code: 'PERMISSION_DENIED',
  });
  // ... and the new ones too.
  const other = await (await connect(token('owner-d'))).client.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName() }) } });
  const closedRoom = await client.request({ $case: 'closeRoom', value: { roomId: other.room!.id } });
  expect(closedRoom.room?.state).toBe(roomv1.RoomState.ROOM_STATE_CLOSED);
});
