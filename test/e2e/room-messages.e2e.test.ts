// Room messages the way clients see them: WebSocket clients on two gateways (one NATS, one Postgres),
// messages in the room's order with joins and departures, a private message reaching only its
// recipient (and sender), history for a late joiner, what a resumed client missed through sync_room,
// and the refusals with their codes.
import { defaultGrants, Grants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, ProtocolError, RunningSystem, startAll } from '@rtcroom/dev';
import { loadGatewayConfig, RunningGateway, startGateway } from '@rtcroom/gateway';
import { gatewayv1, roomMessagev1 } from '@rtcroom/proto';

const secret = 'room-messages-secret-long-enough';
const token = (identity: string, grants: Grants = defaultGrants) => issueAccessToken(secret, { identity, ttlSeconds: 600, grants });
let counter = 0;
const roomName = () => `msg-${Date.now().toString(36)}-${counter++}`;

let database: TestDatabase;
let system: RunningSystem;
let second: RunningGateway;
const clients: DemoClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      PRESENCE_RESUME_GRACE_MS: '30000',
      ROOM_MESSAGE_HISTORY: '4',
      ROOM_MESSAGE_MAX_TEXT: '20',
    },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
  // A second gateway, its own process in production: the same room and presence services, the same NATS.
  second = await startGateway(
    loadGatewayConfig({
      RTCROOM_DEV: 'true',
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      GATEWAY_ADDRESS: '127.0.0.1:0',
      GATEWAY_GRPC_ADDRESS: '127.0.0.1:0',
      GATEWAY_METRICS_ADDRESS: '127.0.0.1:0',
      ROOM_SERVICE_ADDRESS: system.roomGrpcAddress,
      PRESENCE_SERVICE_ADDRESS: system.presenceGrpcAddress,
      URL_ISSUER_ADDRESS: system.urlIssuerAddress,
    }),
    testLogger('gateway-2'),
  );
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await second?.stop();
  await system?.stop();
  await database?.drop();
});

async function connect(identity: string, gateway: 1 | 2, grants?: Grants, resumeToken?: string): Promise<DemoClient> {
  const c = await DemoClient.connect(gateway === 1 ? system.gatewayUrl : second.url, token(identity, grants), resumeToken);
  clients.push(c);
  return c;
}

const join = (c: DemoClient, roomName: string) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName, createIfMissing: true }) });
const say = (c: DemoClient, roomId: string, text: string, recipients: string[] = []) =>
  c.request({ $case: 'sendMessage', value: { roomId, recipients, body: { $case: 'text', value: text }, idempotencyKey: '' } });

/** What a client was told of a room, seq by seq: the notice's kind, a message's text, or '-' for a bare seq. */
function heard(c: DemoClient, roomId: string, notices: gatewayv1.RoomNotice[] = c.notices): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of notices) {
    if (n.roomId !== roomId) continue;
    const m = n.notice;
    out.set(n.seq, !m ? '-' : m.$case === 'message' ? `msg:${textOf(m.value.message)}` : m.$case);
  }
  return out;
}
const textOf = (m: roomMessagev1.RoomMessage | undefined) => (m?.body?.$case === 'text' ? m.body.value : '');

it('messages take their place among joins and departures, the same for members on either gateway; private ones reach only their recipient', async () => {
  const name = roomName();
  const ann = await connect('ann', 1);
  const bob = await connect('bob', 2);
  const a = await join(ann, name);
  const roomId = a.room!.id;
  const b = await join(bob, name);
  await say(ann, roomId, 'hello all');
  const cat = await connect('cat', 2);
  const c = await join(cat, name);
  const toBob = await say(ann, roomId, 'for bob', ['bob']);
  expect(toBob.message).toMatchObject({ recipients: ['bob'], senderIdentity: 'ann', seq: c.seq + 1 });
  await cat.request({ $case: 'leaveRoom', value: { roomId } });
  const last = await say(bob, roomId, 'bye');
  for (const client of [ann, bob]) await eventually(() => heard(client, roomId).has(last.message!.seq), 10_000, 'the last message everywhere');
  await eventually(() => heard(cat, roomId).has(c.seq + 1), 10_000, 'the private seq at cat');

  // Everyone heard every seq after its join, in order, and the same thing, but for the private message.
  const annHeard = heard(ann, roomId);
  expect([...annHeard.keys()]).toEqual(Array.from({ length: last.message!.seq - a.seq }, (_, i) => a.seq + 1 + i));
  expect([...annHeard.values()]).toEqual(['memberJoined', 'msg:hello all', 'memberJoined', 'msg:for bob', 'memberLeft', 'msg:bye']);
  expect(ann.notices.filter((n) => n.roomId === roomId).map((n) => n.seq)).toEqual([...annHeard.keys()]); // once each
  expect([...heard(bob, roomId)]).toEqual([...annHeard].filter(([seq]) => seq > b.seq));
  // Cat, on the same gateway as bob, got the private message's seq, bare: not what was said, nor to whom.
  const catAt = cat.notices.find((n) => n.seq === c.seq + 1)!;
  expect(catAt.notice).toBeUndefined();
  expect(JSON.stringify(catAt)).not.toContain('for bob');
});

it('a late joiner reads the recent history (the last N, only what it may read); a resumed client gets what it missed through sync_room', async () => {
  const name = roomName();
  const ann = await connect('ann', 1);
  const bob = await connect('bob', 1);
  const roomId = (await join(ann, name)).room!.id;
  await join(bob, name);
  for (const text of ['one', 'two', 'three']) await say(ann, roomId, text);
  await say(ann, roomId, 'secret', ['bob']);
  await say(ann, roomId, 'four');

  const dan = await connect('dan', 2);
  await join(dan, name);
  const history = await dan.request({ $case: 'listMessages', value: { roomId } });
  // The room keeps 4: two, three, secret (not dan's to read), four.
  expect(history.messages.map(textOf)).toEqual(['two', 'three', 'four']);
  const bobHistory = await bob.request({ $case: 'listMessages', value: { roomId } });
  expect(bobHistory.messages.map(textOf)).toEqual(['two', 'three', 'secret', 'four']);

  // Bob drops; while he is away ann writes to all, to him, and to dan; he resumes on the other gateway.
  const bobLast = Math.max(...bob.notices.filter((n) => n.roomId === roomId).map((n) => n.seq));
  const resumeToken = bob.welcome!.resumeToken;
  bob.drop();
  await say(ann, roomId, 'while away');
  const toBob = await say(ann, roomId, 'to bob', ['bob']);
  const toDan = await say(ann, roomId, 'to dan', ['dan']);
  const back = await connect('bob', 2, undefined, resumeToken);
  expect(back.welcome?.resumed).toBe(true);
  const synced = await back.request({ $case: 'syncRoom', value: { roomId, afterSeq: bobLast } });
  expect(synced.snapshot).toBe(false);
  const missed = heard(back, roomId, synced.notices);
  expect([...missed.values()].filter((v) => v.startsWith('msg:'))).toEqual(['msg:while away', 'msg:to bob']);
  expect(missed.get(toBob.message!.seq)).toBe('msg:to bob');
  expect(JSON.stringify(synced.notices)).not.toContain('to dan');
  // (His connection's drop and return are numbered too: the sync reaches at least ann's last message.)
  expect(synced.seq).toBeGreaterThanOrEqual(toDan.message!.seq);
  await eventually(() => heard(dan, roomId).get(toDan.message!.seq) === 'msg:to dan', 10_000, 'dan told');
});

it('refuses with stable codes: too long, not seated, a token without the room_message grant', async () => {
  const name = roomName();
  const ann = await connect('ann', 1);
  const roomId = (await join(ann, name)).room!.id;
  const code = (p: Promise<unknown>) => p.then(() => 'sent', (e: ProtocolError) => e.code);
  expect(await code(say(ann, roomId, 'x'.repeat(21)))).toBe('MESSAGE_TOO_LARGE');
  expect(await code(say(ann, roomId, 'hi', ['nobody']))).toBe('NOT_A_MEMBER');
  const mute = await connect('mute', 2, { roomJoin: true, roomMessage: false });
  await join(mute, name);
  expect(await code(say(mute, roomId, 'let me talk'))).toBe('PERMISSION_DENIED');
  const outsider = await connect('outsider', 2);
  expect(await code(say(outsider, roomId, 'hi'))).toBe('NOT_A_MEMBER');
  // A token issued before messages existed (no roomMessage in its grants) may send as roomJoin allows.
  const old = await connect('old', 1, { roomJoin: true });
  await join(old, name);
  expect(await code(say(old, roomId, 'still works'))).toBe('sent');
});
