// Audiences the way clients see them: WebSocket clients on two gateways (one NATS, one Postgres). The
// seated are told only the audience's size; 连麦 across gateways (ask, offer, take the seat with a push
// URL, the others told, the stream played by the audience); an audience member whose connection is
// gone for good leaves with CONNECTION_LOST like anyone, told again as the audience's size.
import { defaultGrants, Grants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, ProtocolError, RunningSystem, startAll } from '@rtcroom/dev';
import { loadGatewayConfig, RunningGateway, startGateway } from '@rtcroom/gateway';
import { gatewayv1, roomv1 } from '@rtcroom/proto';

const secret = 'audience-e2e-secret-long-enough';
const token = (identity: string, grants: Grants = defaultGrants) => issueAccessToken(secret, { identity, ttlSeconds: 600, grants });
let counter = 0;
const roomName = () => `aud-${Date.now().toString(36)}-${counter++}`;
const { MEMBER_ROLE_AUDIENCE: AUDIENCE, MEMBER_ROLE_SEAT: SEAT } = roomv1.MemberRole;

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
      // A connection gone for good is over quickly here: the audience's departures are tested.
      PRESENCE_RESUME_GRACE_MS: '1500',
    },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
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

async function connect(identity: string, gateway: 1 | 2, grants?: Grants): Promise<DemoClient> {
  const c = await DemoClient.connect(gateway === 1 ? system.gatewayUrl : second.url, token(identity, grants));
  clients.push(c);
  return c;
}

const join = (c: DemoClient, roomId: string, role = SEAT) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId, role }) });
const setRole = (c: DemoClient, roomId: string, role: roomv1.MemberRole, identity = '') => c.request({ $case: 'setMemberRole', value: { roomId, identity, role } });
/** nginx-rtmp's on_publish for a push URL, as nginx would send it; the url-issuer's HTTP status. */
async function publishHook(pushUrl: string): Promise<number> {
  const url = new URL(pushUrl);
  const [, app, name] = url.pathname.split('/');
  const fields = new URLSearchParams({ call: 'publish', app, name, addr: '127.0.0.1', tcurl: `${url.protocol}//${url.host}/${app}`, ...Object.fromEntries(url.searchParams) });
  const res = await fetch(`http://${system.mediaHooksAddress}/v1/nginx-rtmp/on_publish`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields });
  await res.text();
  return res.status;
}

const kinds = (c: DemoClient, roomId: string, afterSeq: number) => c.notices.filter((n) => n.roomId === roomId && n.seq > afterSeq).map((n) => n.notice?.$case ?? '-');

it('the seated hear the audience as its size; 连麦 across gateways; the promoted stream is played by the audience', async () => {
  const host = await connect('host', 1);
  const created = await host.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName(), maxMembers: 2, maxAudience: 10 }) } });
  const roomId = created.room!.id;
  const seated = await join(host, roomId);
  const fan = await connect('fan', 2);
  const watching = await join(fan, roomId, AUDIENCE);
  expect(watching.pushUrl).toBeUndefined();
  expect(watching.member).toMatchObject({ role: AUDIENCE });
  const viewer = await connect('viewer', 2);
  await join(viewer, roomId, AUDIENCE);

  // The host (gateway 1) is told two audience sizes, not who.
  await eventually(() => kinds(host, roomId, seated.seq).length === 2, 10_000, 'two audience notices');
  const sizes = host.notices.filter((n) => n.roomId === roomId && n.notice?.$case === 'audience').map((n) => n.notice?.$case === 'audience' && n.notice.value.audienceCount);
  expect(sizes).toEqual([1, 2]);
  expect(JSON.stringify(host.notices)).not.toContain('"viewer"');

  // 连麦: ask (the host hears it), offer (the fan hears it), take (everyone hears it, the fan gets its push URL).
  expect((await setRole(fan, roomId, SEAT)).pending).toBe(true);
  await host.waitForNotice((n) => n.notice?.$case === 'seatRequest' && !n.notice.value.invited, 10_000);
  await setRole(host, roomId, SEAT, 'fan');
  await fan.waitForNotice((n) => n.notice?.$case === 'seatRequest' && n.notice.value.invited, 10_000);
  const taken = await setRole(fan, roomId, SEAT);
  expect(taken.pushUrl?.streamId).toBe(watching.member!.streamId);
  const promoted = await host.waitForNotice((n) => n.notice?.$case === 'memberRole', 10_000);
  expect(promoted.notice?.$case === 'memberRole' && promoted.notice.value).toMatchObject({ member: { identity: 'fan', role: SEAT }, previousRole: AUDIENCE, audienceCount: 1 });

  // It pushes: the audience member still watching gets its play URL, signed for it.
  await fan.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
  const started = await viewer.waitForNotice((n) => n.notice?.$case === 'streamStarted' && n.notice.value.member?.identity === 'fan', 10_000);
  expect(started.notice?.$case === 'streamStarted' && started.notice.value.playUrl?.streamId).toBe(watching.member!.streamId);

  // The seat limit holds: the viewer, offered a seat too, finds both taken.
  await setRole(host, roomId, SEAT, 'viewer');
  await expect(setRole(viewer, roomId, SEAT)).rejects.toMatchObject({ code: 'ROOM_FULL' });
  // Another audience member may not offer seats or move members.
  await expect(setRole(viewer, roomId, AUDIENCE, 'fan')).rejects.toBeInstanceOf(ProtocolError);
  // The media server's publish check (nginx-rtmp's on_publish) admits the push URL while the fan is seated.
  expect(await publishHook(taken.pushUrl!.url)).toBe(200);
  // Back to the audience, by its own choice: the same push URL is refused from then on.
  const back = await setRole(fan, roomId, AUDIENCE);
  expect(back.member).toMatchObject({ role: AUDIENCE, state: roomv1.MemberState.MEMBER_STATE_JOINED });
  await host.waitForNotice((n) => n.notice?.$case === 'memberRole' && n.notice.value.member?.role === AUDIENCE, 10_000);
  expect(await publishHook(taken.pushUrl!.url)).toBe(403);
});

it('an audience member whose connection is gone for good leaves with CONNECTION_LOST, told as the audience size', async () => {
  const host = await connect('host-2', 1);
  const roomId = (await host.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName() }) } })).room!.id;
  const seated = await join(host, roomId);
  const fan = await connect('gone', 2);
  await join(fan, roomId, AUDIENCE);
  await host.waitForNotice((n) => n.notice?.$case === 'audience' && n.notice.value.audienceCount === 1, 10_000);
  fan.drop();
  await host.waitForNotice((n) => n.notice?.$case === 'audience' && n.notice.value.audienceCount === 0, 20_000);
  const snap = await host.request({ $case: 'getRoom', value: { roomId, name: '' } });
  expect(snap.members.map((m) => m.identity)).toEqual(['host-2']);
  expect(snap.room).toMatchObject({ audienceCount: 0 });
  // Its arrival, its connection's drop (a bare seq: no names of the audience) and its departure.
  expect(kinds(host, roomId, seated.seq)).toEqual(['audience', '-', 'audience']);
});

it('a token that joins only as audience may not take a seat; a full audience is AUDIENCE_FULL', async () => {
  const host = await connect('host-3', 1);
  const roomId = (await host.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: roomName(), maxAudience: 1 }) } })).room!.id;
  await join(host, roomId);
  const only = await connect('only', 2, { ...defaultGrants, audienceOnly: true });
  await expect(join(only, roomId)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  await join(only, roomId, AUDIENCE);
  await setRole(host, roomId, SEAT, 'only');
  await expect(setRole(only, roomId, SEAT)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  const late = await connect('late', 1);
  await expect(join(late, roomId, AUDIENCE)).rejects.toMatchObject({ code: 'AUDIENCE_FULL' });
});
