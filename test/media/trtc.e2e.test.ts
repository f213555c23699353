// TRTC as the media provider, end to end on the real Postgres and NATS: members get room:// push URLs,
// and TRTC's callbacks, signed as Tencent signs them, are the media server's word: who entered the
// media room (an audience member who receives only may stay; a user without a seat is put out), whose camera or microphone is on (a stream started or stopped, told to the room with
// its play URL) and the member's media state (which of them is on). Forged, stale, foreign and replayed callbacks change nothing. Departures and closed
// rooms reach the media room through TRTC's server API, here a local stand-in that checks each
// request's TC3-HMAC-SHA256 signature and shape (test/support/trtc-api-stand-in.ts).
import { createHmac } from 'node:crypto';
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, PrivateNatsServer, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1, urlIssuerv1 } from '@rtcroom/proto';
import { trtcApi, trtcCallbackPath } from '@rtcroom/url-issuer';
import { TrtcApiStandIn } from '../support/trtc-api-stand-in';

const secret = 'trtc-e2e-access-secret-long-enough';
const sdkAppId = 1400123456;
const callbackKey = 'trtc-e2e-callback-key';
const apiSecretId = 'AKIDtrtce2estandin0123456789';
const apiSecretKey = 'trtc-e2e-api-secret-key-0123456789';
const token = (identity: string, roomAdmin = false) => issueAccessToken(secret, { identity, ttlSeconds: 600, grants: { roomCreate: true, roomJoin: true, roomAdmin } });

let database: TestDatabase;
// Its own NATS: the durable media consumers are named per deployment, and a shared server's would be shared.
let nats: PrivateNatsServer;
let system: RunningSystem;
let api: TrtcApiStandIn;
const clients: DemoClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  nats = await PrivateNatsServer.start();
  api = await TrtcApiStandIn.start(apiSecretId, apiSecretKey);
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      MEDIA_PROVIDER: 'trtc',
      TRTC_SDK_APP_ID: String(sdkAppId),
      TRTC_SECRET_KEY: 'trtc-e2e-secret-key-0123456789abcdef',
      TRTC_CALLBACK_KEY: callbackKey,
      TRTC_API_SECRET_ID: apiSecretId,
      TRTC_API_SECRET_KEY: apiSecretKey,
      TRTC_API_ENDPOINT: 'http://trtc.tencentcloudapi.com',
      TRTC_API_PROXY: api.proxyUrl,
    },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await system?.stop();
  await nats?.dispose();
  await api?.stop();
  await database?.drop();
});

async function connect(identity: string, roomAdmin = false): Promise<DemoClient> {
  const c = await DemoClient.connect(system.gatewayUrl, token(identity, roomAdmin));
  clients.push(c);
  return c;
}
const join = (c: DemoClient, value: Partial<gatewayv1.JoinRoomRequest>) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) });

/** A callback as TRTC sends it: the raw body, Sign = base64(HMAC-SHA256(key, body)), SdkAppId. */
async function callback(eventType: number, roomId: string, userId: string, opts: { atMs?: number; callbackTs?: number; key?: string; appId?: number; raw?: string; role?: 20 | 21 } = {}) {
  const atMs = opts.atMs ?? Date.now();
  const raw =
    opts.raw ??
    JSON.stringify({
      EventGroupId: eventType < 200 ? 1 : 2,
      EventType: eventType,
      CallbackTs: opts.callbackTs ?? Date.now(),
      EventInfo: { RoomId: roomId, EventTs: Math.floor(atMs / 1000), EventMsTs: atMs, UserId: userId, Role: opts.role ?? 20, TerminalType: 3, UserType: 2, Reason: 1 },
    });
  const sign = createHmac('sha256', opts.key ?? callbackKey).update(raw).digest('base64');
  const res = await fetch(`http://${system.mediaHooksAddress}${trtcCallbackPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', SdkAppId: String(opts.appId ?? sdkAppId), Sign: sign },
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as { code: number; message?: string }, raw };
}

async function mediaRoom(roomId: string) {
  const client = createClient(urlIssuerv1.UrlIssuerServiceService, system.urlIssuerAddress);
  try {
    return await client.getMediaRoom({ roomId });
  } finally {
    client.close();
  }
}
const presenceOf = async (roomId: string) => Object.fromEntries((await mediaRoom(roomId)).users.map((u) => [u.identity || u.userId, [u.presence, u.seated, u.video, u.audio]]));

it('issues room:// push URLs, and turns signed callbacks into the media room and stream state', async () => {
  const alice = await connect('alice');
  const bob = await connect('bob');
  const { room, pushUrl } = await join(alice, { roomName: `trtc-${Date.now().toString(36)}`, createIfMissing: true });
  const roomId = room!.id;
  const bobJoin = await join(bob, { roomId });
  const url = new URL(pushUrl!.url.replace(/^room:/, 'https:'));
  expect(pushUrl!.url.startsWith('room://cloud.tencent.com/rtc?')).toBe(true);
  expect(Object.fromEntries(url.searchParams)).toMatchObject({ sdkappid: String(sdkAppId), strroomid: roomId, userid: pushUrl!.streamId });
  expect(url.searchParams.get('usersig')).toBeTruthy();
  expect(url.searchParams.get('privatemapkey')).toBeTruthy();
  const aliceUser = pushUrl!.streamId;

  // Seated, and TRTC has said nothing: both show as never entered.
  expect(await presenceOf(roomId)).toEqual({ alice: ['MEDIA_ROOM_PRESENCE_NEVER_ENTERED', true, false, false], bob: ['MEDIA_ROOM_PRESENCE_NEVER_ENTERED', true, false, false] });

  const t0 = Date.now();
  expect(await callback(103, roomId, aliceUser, { atMs: t0 })).toMatchObject({ status: 200, body: { code: 0 } });
  const videoOn = await callback(201, roomId, aliceUser, { atMs: t0 + 1 });
  expect(videoOn.status).toBe(200);
  const started = await bob.waitForNotice((n) => n.notice?.$case === 'streamStarted', 20_000);
  expect(started.notice?.$case === 'streamStarted' && started.notice.value.playUrl).toMatchObject({
    streamId: aliceUser,
    viewerIdentity: 'bob',
    rtcUrl: `room://rtc.tencent.com?userid=${aliceUser}&streamtype=main`,
  });
  expect(await presenceOf(roomId)).toMatchObject({ alice: ['MEDIA_ROOM_PRESENCE_ENTERED', true, true, false] });

  // Forged (another key), foreign (another application), stale and malformed: refused, nothing changes.
  expect(await callback(202, roomId, aliceUser, { key: 'not-the-callback-key' })).toMatchObject({ status: 403, body: { message: 'BAD_SIGN' } });
  expect(await callback(202, roomId, aliceUser, { appId: 1400999999 })).toMatchObject({ status: 403, body: { message: 'WRONG_APP' } });
  expect(await callback(202, roomId, aliceUser, { callbackTs: Date.now() - 600_000 })).toMatchObject({ status: 403, body: { message: 'STALE' } });
  expect(await callback(202, roomId, aliceUser, { raw: '{"EventType":' })).toMatchObject({ status: 400 });
  expect(await presenceOf(roomId)).toMatchObject({ alice: ['MEDIA_ROOM_PRESENCE_ENTERED', true, true, false] });

  // Camera off: the stream stops. The camera-on callback replayed afterwards is acknowledged and changes nothing.
  await callback(202, roomId, aliceUser, { atMs: t0 + 2 });
  await bob.waitForNotice((n) => n.notice?.$case === 'streamStopped', 20_000);
  expect(await callback(201, roomId, aliceUser, { raw: videoOn.raw })).toMatchObject({ status: 200, body: { code: 0 } });
  expect(await presenceOf(roomId)).toMatchObject({ alice: ['MEDIA_ROOM_PRESENCE_ENTERED', true, false, false] });

  // The microphone alone is a stream too; leaving the media room ends it.
  await callback(203, roomId, aliceUser, { atMs: t0 + 3 });
  await eventually(() => bob.notices.filter((n) => n.notice?.$case === 'streamStarted').length === 2, 20_000);
  await callback(104, roomId, aliceUser, { atMs: t0 + 4 });
  await eventually(() => bob.notices.filter((n) => n.notice?.$case === 'streamStopped').length === 2, 20_000);
  // Each stream change was told once, in order: the replay added none.
  expect(bob.notices.map((n) => n.notice?.$case).filter((c) => c === 'streamStarted' || c === 'streamStopped')).toEqual(['streamStarted', 'streamStopped', 'streamStarted', 'streamStopped']);
  expect(await presenceOf(roomId)).toEqual({ alice: ['MEDIA_ROOM_PRESENCE_LEFT', true, false, false], bob: ['MEDIA_ROOM_PRESENCE_NEVER_ENTERED', true, false, false] });
  expect(bobJoin.pushUrl!.streamId).not.toBe(aliceUser);
});

it('puts removed, banned and unseated users out of the media room, and dismisses a closed room', async () => {
  const admin = await connect('admin-1', true);
  const carol = await connect('carol');
  const dave = await connect('dave');
  const { room } = await join(admin, { roomName: `trtc-out-${Date.now().toString(36)}`, createIfMissing: true });
  const roomId = room!.id;
  const carolUser = (await join(carol, { roomId })).pushUrl!.streamId;
  const daveUser = (await join(dave, { roomId })).pushUrl!.streamId;
  const removes = () => api.calls.filter((c) => c.action === 'RemoveUserByStrRoomId' && c.body.RoomId === roomId).map((c) => c.body.UserIds);
  const remove = (value: Partial<gatewayv1.RemoveMemberRequest>) => admin.request({ $case: 'removeMember', value: gatewayv1.RemoveMemberRequest.fromPartial(value) });

  await callback(103, roomId, carolUser);
  await remove({ roomId, identity: 'carol', reasonText: 'off topic' });
  await eventually(() => removes().length === 1, 20_000, 'carol removed from the TRTC room');
  await remove({ roomId, identity: 'dave', reasonText: 'spam', banSeconds: 600 });
  await eventually(() => removes().length === 2, 20_000, 'dave removed from the TRTC room');
  expect(removes()).toEqual([[carolUser], [daveUser]]);

  // Carol's tickets are still within their lifetime: entering with them again gets her put out at once.
  const reentry = await callback(103, roomId, carolUser);
  expect(reentry).toMatchObject({ status: 200, body: { code: 0 } });
  // Put out before the callback is answered; the same callback replayed is acknowledged and does nothing.
  expect(removes()).toHaveLength(3);
  expect(await callback(103, roomId, carolUser, { raw: reentry.raw })).toMatchObject({ status: 200, body: { code: 0 } });
  expect(removes()).toHaveLength(3);
  expect(await presenceOf(roomId)).toMatchObject({ carol: ['MEDIA_ROOM_PRESENCE_ENTERED', false, false, false] });
  // A user id rtcroom never issued, in the room's media room: put out too.
  await callback(103, roomId, 't_aaaaaaaaaaaaaaaaaaaaaaaa');
  await eventually(() => removes().length === 4, 20_000, 'a stranger removed');

  await admin.request({ $case: 'closeRoom', value: { roomId } });
  await eventually(() => api.calls.some((c) => c.action === 'DismissRoomByStrRoomId' && c.body.RoomId === roomId), 20_000, 'the TRTC room dismissed');
  for (const call of api.calls) expect(call).toMatchObject({ region: 'ap-guangzhou', body: { SdkAppId: sdkAppId } });
  expect(api.refused).toEqual([]);
});

it('is a stand-in that refuses a request not signed with the API key', async () => {
  const forged = trtcApi({ secretId: apiSecretId, secretKey: 'not-the-api-secret-key', endpoint: 'http://trtc.tencentcloudapi.com', region: 'ap-guangzhou', sdkAppId, proxy: api.proxyUrl, timeoutSeconds: 5 });
  await expect(forged.dismissRoom('r_nowhere')).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure' });
  expect(api.refused).toEqual(['signature does not match']);
});

it("turns 201-204 into the member's media state (the media server's word), and gives an audio-only room's pushers TRTC's pure audio mode", async () => {
  const alice = await connect('alice');
  const bob = await connect('bob');
  const { room, pushUrl } = await join(alice, { roomName: `trtc-media-${Date.now().toString(36)}`, createIfMissing: true });
  const roomId = room!.id;
  await join(bob, { roomId });
  const aliceUser = pushUrl!.streamId;
  expect(new URL(pushUrl!.url.replace(/^room:/, 'https:')).searchParams.has('pureaudiomode')).toBe(false);
  const mediaOfAlice = () =>
    bob.notices.flatMap((n) => (n.notice?.$case === 'memberMedia' && n.notice.value.member?.identity === 'alice' ? [n.notice.value.member.media!] : []));

  const t0 = Date.now();
  await callback(103, roomId, aliceUser, { atMs: t0 });
  await callback(203, roomId, aliceUser, { atMs: t0 + 1 });
  await eventually(() => mediaOfAlice().some((m) => m.audio?.on === true && m.audio.source === roomv1.MediaSource.MEDIA_SOURCE_MEDIA_SERVER), 20_000, 'microphone on from TRTC');
  // Alice's client claims the microphone is off: the media server has spoken of it, so it stays on.
  const claimed = await alice.request({ $case: 'setMediaState', value: { roomId, audio: false } });
  expect(claimed.member!.media!.audio).toMatchObject({ on: true, source: 'MEDIA_SOURCE_MEDIA_SERVER' });
  await callback(204, roomId, aliceUser, { atMs: t0 + 2 });
  await eventually(() => mediaOfAlice().at(-1)?.audio?.on === false, 20_000, 'microphone off from TRTC');

  // An audio-only room's push URL enters TRTC in pure audio mode; the camera stays off.
  const audioOnly = await join(alice, { roomName: `trtc-audio-${Date.now().toString(36)}`, createIfMissing: true, createOptions: roomv1.Room.fromPartial({ audioOnly: true }) });
  expect(new URL(audioOnly.pushUrl!.url.replace(/^room:/, 'https:')).searchParams.get('pureaudiomode')).toBe('1');
  expect(audioOnly.member!.media!.video).toMatchObject({ on: false, forbidden: true });
});

it('lets an audience member enter the media room to play the seats, with an entry URL that cannot publish, and seats it on promotion', async () => {
  const admin = await connect('admin-2', true);
  const viewer = await connect('viewer');
  const { room, pushUrl } = await join(admin, { roomName: `trtc-aud-${Date.now().toString(36)}`, createIfMissing: true });
  const roomId = room!.id;
  const adminUser = pushUrl!.streamId;
  const removes = () => api.calls.filter((c) => c.action === 'RemoveUserByStrRoomId' && c.body.RoomId === roomId).map((c) => c.body.UserIds);
  const query = (url: string) => Object.fromEntries(new URL(url.replace(/^room:/, 'https:')).searchParams);
  const refusedBefore = api.refused.length;
  const t0 = Date.now();
  await callback(103, roomId, adminUser, { atMs: t0 });
  await callback(201, roomId, adminUser, { atMs: t0 + 1 });
  await admin.waitForNotice((n) => n.notice?.$case === 'streamStarted', 20_000);

  // In the audience: no push URL; the entry URL (its own TRTC user, this room, the audience role) and the seat's play URL.
  const joined = await join(viewer, { roomId, role: roomv1.MemberRole.MEMBER_ROLE_AUDIENCE });
  expect(joined.pushUrl).toBeUndefined();
  const viewerUser = joined.member!.streamId;
  expect(joined.audienceEntryUrl!.url.startsWith('room://cloud.tencent.com/rtc?')).toBe(true);
  expect(query(joined.audienceEntryUrl!.url)).toMatchObject({ sdkappid: String(sdkAppId), strroomid: roomId, userid: viewerUser, appscene: 'live', role: 'audience' });
  expect(joined.audienceEntryUrl!.expireTime!.getTime()).toBeGreaterThan(Date.now());
  expect(joined.playUrls.map((u) => u.rtcUrl)).toEqual([`room://rtc.tencent.com?userid=${adminUser}&streamtype=main`]);

  // TRTC says it entered as audience: it stays, and nothing of it reaches the room as a stream.
  expect(await callback(103, roomId, viewerUser, { atMs: t0 + 2, role: 21 })).toMatchObject({ status: 200, body: { code: 0 } });
  expect(removes()).toEqual([]);
  expect(await presenceOf(roomId)).toMatchObject({ viewer: ['MEDIA_ROOM_PRESENCE_ENTERED', false, false, false] });
  // The same user entering as an anchor (a seat's tickets it does not hold) is put out.
  await callback(103, roomId, viewerUser, { atMs: t0 + 3, role: 20 });
  expect(removes()).toEqual([[viewerUser]]);

  // 连麦: invited and accepted, it gets an anchor's push URL for the same TRTC user, and entering with it stays.
  const setRole = (c: DemoClient, identity: string, role: roomv1.MemberRole) => c.request({ $case: 'setMemberRole', value: { roomId, identity, role } });
  await setRole(admin, 'viewer', roomv1.MemberRole.MEMBER_ROLE_SEAT);
  const promoted = await setRole(viewer, '', roomv1.MemberRole.MEMBER_ROLE_SEAT);
  expect(promoted.pushUrl!.streamId).toBe(viewerUser);
  expect(promoted.audienceEntryUrl).toBeUndefined();
  expect(query(promoted.pushUrl!.url)).toMatchObject({ strroomid: roomId, userid: viewerUser, streamid: viewerUser });
  await callback(103, roomId, viewerUser, { atMs: t0 + 4, role: 20 });
  await callback(203, roomId, viewerUser, { atMs: t0 + 5 });
  await admin.waitForNotice((n) => n.notice?.$case === 'streamStarted' && n.notice.value.member?.identity === 'viewer', 20_000);
  expect(removes()).toEqual([[viewerUser]]);

  // Back in the audience: the entry URL again, and no push URL.
  const demoted = await setRole(viewer, '', roomv1.MemberRole.MEMBER_ROLE_AUDIENCE);
  expect(demoted.pushUrl).toBeUndefined();
  expect(query(demoted.audienceEntryUrl!.url)).toMatchObject({ userid: viewerUser, role: 'audience' });
  await callback(104, roomId, viewerUser, { atMs: t0 + 6 });
  await callback(103, roomId, viewerUser, { atMs: t0 + 7, role: 21 });
  expect(removes()).toEqual([[viewerUser]]);
  expect(api.refused).toHaveLength(refusedBefore);
});
