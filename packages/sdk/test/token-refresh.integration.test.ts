// The SDK keeps its connection past its access tokens' expiry against the real system (all four
// services, real Postgres and NATS): with a token provider it refreshes by itself when the gateway
// warns, and keeps its seat without anyone seeing it leave; with a fixed token the app refreshes it,
// or the connection ends. Tokens here live a few seconds and the gateway warns 2 s ahead.
import { issueAccessToken } from '@rtcroom/common';
import { nodeSocket, RtcRoomClient, WebSocketClass } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { connectClient, recorder, roomName, secret, startTestSystem, TestSystem } from './system';

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem({ GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS: '2' });
});
afterAll(() => t?.stop());

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const expOf = (token: string): number => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).exp * 1000;
const sleepUntil = (time: number) => new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));

function newClient(): RtcRoomClient {
  const c = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  clients.push(c);
  return c;
}

/** Alice in a room (on the tokens `provide` gives), and Bob there too, watching her. */
async function aliceWithBob(identity: string, provide: () => string) {
  const alice = newClient();
  // Listening from the start: the first warning may come before the room is entered.
  const states = recorder(alice, 'connectionState');
  const refreshed = recorder(alice, 'tokenRefreshed');
  const errors = recorder(alice, 'error');
  const expired = recorder(alice, 'tokenExpired');
  const sessions = recorder(alice, 'session');
  await alice.connect(t.system.gatewayUrl, provide);
  const seat = await alice.enterRoom(roomName('expiry'));
  const bob = await connectClient(t.system, `bob-of-${identity}`);
  clients.push(bob);
  const bobSaw = recorder(bob, 'memberConnection');
  const bobSawLeave = recorder(bob, 'memberLeft');
  await bob.joinRoom({ roomId: seat.room.id });
  return { alice, seat, states, refreshed, errors, expired, sessions, bobSaw, bobSawLeave };
}

it('with a token provider it refreshes by itself and keeps the session and the seat past every token\'s exp', async () => {
  const issued: string[] = [];
  const { alice, seat, states, refreshed, bobSaw, bobSawLeave } = await aliceWithBob('alice-p', () => {
    issued.push(issueAccessToken(secret, { identity: 'alice-p', ttlSeconds: 4 }));
    return issued[issued.length - 1];
  });
  const sessionId = alice.sessionId;

  const first = await refreshed.next();
  expect(first.expireTime).toBe(new Date(expOf(issued[1])).toISOString());
  await sleepUntil(expOf(issued[0]) + 1000);

  expect(alice.state).toBe('connected');
  expect(states.seen.map((s) => s.state)).toEqual(['connecting', 'connected']);
  expect(alice.sessionId).toBe(sessionId);
  const room = await alice.getRoom(seat.room.id);
  expect(room.members.map((m) => [m.identity, m.memberId])).toEqual([
    ['alice-p', seat.self.memberId],
    ['bob-of-alice-p', expect.any(String)],
  ]);
  expect(bobSaw.seen).toEqual([]);
  expect(bobSawLeave.seen).toEqual([]);
}, 20_000);

it('a provider that fails at refresh time: the connection ends at exp, and the reconnect asks it again and resumes the seat', async () => {
  let calls = 0;
  const { alice, seat, states, errors, expired, sessions } = await aliceWithBob('alice-f', () => {
    calls++;
    if (calls === 2) throw new Error('token backend down');
    return issueAccessToken(secret, { identity: 'alice-f', ttlSeconds: calls === 1 ? 3 : 600 });
  });

  const refreshFailed = await errors.next((e) => e.code === 'TOKEN_REFRESH_FAILED');
  expect(refreshFailed.message).toContain('token backend down');
  expect(refreshFailed.cause).toEqual(new Error('token backend down'));
  expect(await expired.next()).toEqual({ willReconnect: true });
  const resumed = await sessions.next((w) => w.resumed);
  expect(resumed.seats.map((s) => s.memberId)).toEqual([seat.self.memberId]);
  expect(states.seen.map((s) => s.state)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  expect(alice.room(seat.room.id)?.self.memberId).toBe(seat.self.memberId);
  expect(calls).toBe(3);
}, 20_000);

it('with a fixed token the app is told and may refresh it; left alone, the connection ends with TOKEN_EXPIRED', async () => {
  const alice = newClient();
  const expiring = recorder(alice, 'tokenExpiring');
  await alice.connect(t.system.gatewayUrl, issueAccessToken(secret, { identity: 'alice-x', ttlSeconds: 3 }));
  expect((await expiring.next()).willRefresh).toBe(false);
  const fresh = issueAccessToken(secret, { identity: 'alice-x', ttlSeconds: 3 });
  await expect(alice.refreshToken(issueAccessToken(secret, { identity: 'mallory-x' }))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  expect((await alice.refreshToken(fresh)).expireTime).toBe(new Date(expOf(fresh)).toISOString());

  // The fresh token is left to run out.
  const expired = recorder(alice, 'tokenExpired');
  const states = recorder(alice, 'connectionState');
  expect(await expired.next()).toEqual({ willReconnect: false });
  const gone = await states.next((s) => s.state === 'disconnected');
  expect(gone.error?.code).toBe('TOKEN_EXPIRED');
  expect(Date.now()).toBeGreaterThanOrEqual(expOf(fresh));
}, 20_000);
