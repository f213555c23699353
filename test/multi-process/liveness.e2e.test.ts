// Liveness with real processes (each service its own node process) on the real Postgres and NATS:
// a silent client is found within the timeout, a dropped client resumes on another gateway with its
// seat and the notices it missed, a killed gateway leaves no ghost, and a stopping one hands its
// sessions off.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { gatewayv1, roomv1 } from '@rtcroom/proto';
import { Cluster } from '../support/service-processes';

const secret = 'multi-process-secret-long-enough';
const token = (identity: string) => issueAccessToken(secret, { identity });
let database: TestDatabase;
let cluster: Cluster;
let n = 0;
const roomName = () => `mp-${Date.now().toString(36)}-${n++}`;
const join = (c: DemoClient, v: Partial<gatewayv1.JoinRoomRequest>) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(v) });
const kind = (c: string) => (x: gatewayv1.RoomNotice) => x.notice?.$case === c;

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await Cluster.start({
    databaseUrl: database.url,
    natsUrl: testNatsUrl,
    accessTokenSecret: secret,
    gateways: 2,
    presences: 2,
    env: {
      GATEWAY_PING_INTERVAL_MS: '300',
      GATEWAY_PING_TIMEOUT_MS: '1500',
      GATEWAY_KEEPALIVE_INTERVAL_MS: '300',
      PRESENCE_SESSION_TIMEOUT_MS: '1500',
      PRESENCE_RESUME_GRACE_MS: '2500',
      GATEWAY_DRAIN_HOLD_MS: '3000',
    },
  });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
});

it('finds a client whose network went silent within the ping timeout, and frees its seat after the grace period', async () => {
  const watcher = await DemoClient.connect(cluster.gatewayUrl(0), token('watcher'));
  const quiet = await DemoClient.connect(cluster.gatewayUrl(1), token('quiet'));
  const w = await join(watcher, { roomName: roomName(), createIfMissing: true });
  await join(quiet, { roomId: w.room!.id });
  const silentAt = Date.now();
  quiet.silence();
  const interrupted = await watcher.waitForNotice(kind('memberConnection'), 10_000);
  const detectedMs = Date.now() - silentAt;
  expect(interrupted.notice?.$case === 'memberConnection' && interrupted.notice.value.connected).toBe(false);
  // Ping timeout 1.5 s, checked every ~0.3 s: found well inside a few seconds (the bench measures it).
  expect(detectedMs).toBeLessThan(10_000);
  const left = await watcher.waitForNotice(kind('memberLeft'), 10_000);
  expect(left.notice?.$case === 'memberLeft' && left.notice.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST);
  quiet.drop();
  await watcher.close();
});

it('resumes a dropped client on another gateway: same seat, missed notices replayed in order, no leave and rejoin seen by others', async () => {
  const stay = await DemoClient.connect(cluster.gatewayUrl(0), token('stay'));
  const roam = await DemoClient.connect(cluster.gatewayUrl(0), token('roam'));
  const s = await join(stay, { roomName: roomName(), createIfMissing: true });
  const r = await join(roam, { roomId: s.room!.id });
  const resumeToken = roam.welcome!.resumeToken;
  await stay.waitForNotice(kind('memberJoined'));
  const seenBeforeDrop = stay.notices.length;
  roam.drop();
  await stay.waitForNotice((x) => x.notice?.$case === 'memberConnection' && !x.notice.value.connected, 10_000);
  // While roam is away, stay publishes: roam must get this notice on return.
  await stay.request({ $case: 'reportPusherEvent', value: { roomId: s.room!.id, code: 1002, message: '' } });

  const back = await DemoClient.connect(cluster.gatewayUrl(1), token('roam'), resumeToken);
  expect(back.welcome?.resumed).toBe(true);
  expect(back.welcome?.sessionId).toBe(roam.welcome?.sessionId);
  expect(back.welcome?.seats.map((x) => x.memberId)).toEqual([r.member?.memberId]);
  const synced = await back.request({ $case: 'syncRoom', value: { roomId: s.room!.id, afterSeq: r.seq } });
  expect(synced.snapshot).toBe(false);
  const cases = synced.notices.map((x) => x.notice?.$case);
  expect(cases).toEqual(['memberConnection', 'streamStarted', 'memberConnection']);
  expect(synced.notices.map((x) => x.seq)).toEqual([r.seq + 1, r.seq + 2, r.seq + 3]);
  const started = synced.notices[1].notice;
  expect(started?.$case === 'streamStarted' && started.value.playUrl?.viewerIdentity).toBe('roam');

  await stay.waitForNotice((x) => x.notice?.$case === 'memberConnection' && x.notice.value.connected, 10_000);
  const sinceDrop = stay.notices.slice(seenBeforeDrop).map((x) => x.notice?.$case);
  expect(sinceDrop).toEqual(['memberConnection', 'streamStarted', 'memberConnection']);
  // Live notices continue after the sync.
  await stay.request({ $case: 'updateMember', value: { roomId: s.room!.id, displayName: 'Stay', avatarUrl: '', customData: '', updateMask: ['display_name'] } });
  const upd = await back.waitForNotice(kind('memberUpdated'));
  expect(upd.seq).toBe(synced.seq + 1);
  await Promise.all([stay.close(), back.close()]);
});

it('a killed gateway leaves no ghost: its members are interrupted, then leave with connection lost', async () => {
  const observer = await DemoClient.connect(cluster.gatewayUrl(0), token('observer'));
  const doomed = await DemoClient.connect(cluster.gatewayUrl(1), token('doomed'));
  const o = await join(observer, { roomName: roomName(), createIfMissing: true });
  await join(doomed, { roomId: o.room!.id });
  await cluster.gateways[1].kill();
  const interrupted = await observer.waitForNotice((x) => x.notice?.$case === 'memberConnection' && !x.notice.value.connected, 15_000);
  expect(interrupted.notice?.$case === 'memberConnection' && interrupted.notice.value.member?.identity).toBe('doomed');
  const left = await observer.waitForNotice(kind('memberLeft'), 15_000);
  expect(left.notice?.$case === 'memberLeft' && [left.notice.value.member?.identity, left.notice.value.reason]).toEqual([
    'doomed',
    roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST,
  ]);
  const snap = await observer.request({ $case: 'getRoom', value: { roomId: o.room!.id, name: '' } });
  expect(snap.members.map((m) => m.identity)).toEqual(['observer']);
  await observer.close();
  await cluster.gateways[1].start();
});

it('a stopping gateway hands its sessions off: one that resumes elsewhere is never shown dropped; one that does not is, after the hold', async () => {
  const observer = await DemoClient.connect(cluster.gatewayUrl(0), token('observer-2'));
  const mover = await DemoClient.connect(cluster.gatewayUrl(1), token('mover'));
  const away = await DemoClient.connect(cluster.gatewayUrl(1), token('away'));
  const o = await join(observer, { roomName: roomName(), createIfMissing: true });
  const m = await join(mover, { roomId: o.room!.id });
  await join(away, { roomId: o.room!.id });
  await eventually(() => observer.notices.filter(kind('memberJoined')).length === 2, 10_000, 'both joins to be seen');
  const seen = observer.notices.length;

  const stoppedAt = Date.now();
  const stopping = cluster.gateways[1].stop();
  // mover goes where it is told (goAway) with its resume token; away never comes back.
  expect(await eventually(() => mover.closeCode, 10_000, 'the gateway to send mover away')).toBe(1001);
  const back = await DemoClient.connect(cluster.gatewayUrl(0), token('mover'), mover.welcome!.resumeToken);
  expect(back.welcome?.resumed).toBe(true);
  const { seq } = await observer.request({ $case: 'getRoom', value: { roomId: o.room!.id, name: '' } });
  expect(back.welcome?.seats.map((x) => [x.memberId, x.seq])).toEqual([[m.member!.memberId, seq]]);

  const dropped = await observer.waitForNotice((x) => x.notice?.$case === 'memberConnection' && !x.notice.value.connected, 15_000);
  expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(2500); // after the hold (3 s), not at once
  expect(dropped.notice?.$case === 'memberConnection' && dropped.notice.value.member?.identity).toBe('away');
  expect(await stopping).toEqual({ code: 0, signal: null });
  // mover was never shown dropped, nor back: nothing changed for the room.
  const connections = observer.notices.slice(seen).filter(kind('memberConnection'));
  expect(connections.map((x) => x.notice?.$case === 'memberConnection' && x.notice.value.member?.identity)).toEqual(['away']);
  // away's session is still there to resume within the grace.
  const awayBack = await DemoClient.connect(cluster.gatewayUrl(0), token('away'), away.welcome!.resumeToken);
  expect(awayBack.welcome?.resumed).toBe(true);
  await Promise.all([observer.close(), back.close(), awayBack.close()]);
  await cluster.gateways[1].start();
}, 60_000);
