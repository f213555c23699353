// The seed's seven steps as two clients live them, through the gateway, on the real Postgres and
// NATS: the callee hears of the call only once the caller's push began, each side gets the other's
// play URL at the right moment, and every way a call ends is told to both sides.
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { authv1, callServicev1, callv1, gatewayv1, roomv1 } from '@rtcroom/proto';

const secret = 'call-flow-secret-long-enough';
const S = callv1.CallState;
const E = callv1.CallEndReason;
let system: RunningSystem;
let database: TestDatabase;
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', ROOM_AUTO_CLOSE_INTERVAL_MS: '100', PRESENCE_RESUME_GRACE_MS: '600' },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
});
afterAll(async () => {
  await system?.stop();
  await database?.drop();
});

async function pair() {
  const id = n++;
  const caller = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: `caller-${id}` }));
  const callee = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: `callee-${id}` }));
  return { caller, callee, calleeId: `callee-${id}`, close: () => Promise.all([caller.close(), callee.close()]) };
}

const place = (c: DemoClient, callee: string, ringTimeoutSeconds = 0) =>
  c.request({ $case: 'placeCall', value: gatewayv1.PlaceCallRequest.fromPartial({ calleeIdentity: callee, ringTimeoutSeconds }) });
const pushBegan = (c: DemoClient, roomId: string) => c.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
const state = (s: callv1.CallState) => (n: gatewayv1.CallNotice) => n.call?.state === s;

it('follows the seven steps: ring after push began, each side gets the other\'s play URL, hang-up ends it for both', async () => {
  const { caller, callee, calleeId, close } = await pair();
  // Step 1: the caller gets its push URL; the callee hears nothing yet.
  const placed = await place(caller, calleeId);
  expect(placed.call?.state).toBe(S.CALL_STATE_DIALING);
  expect(placed.pushUrl?.url).toMatch(/^rtmp:/);
  await callee.request({ $case: 'ping', value: {} });
  expect(callee.callNotices).toHaveLength(0);

  // Steps 2-3: the caller's push began (1002): now the callee's phone rings, with the caller's play URL.
  await pushBegan(caller, placed.room!.id);
  const ring = await callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  expect(ring.call?.callerIdentity).toBe(caller.welcome?.identity);
  expect(ring.callerPlayUrl?.streamId).toBe(placed.pushUrl?.streamId);
  expect(ring.callerPlayUrl?.viewerIdentity).toBe(calleeId);

  // Steps 4-5: the callee accepts: a seat, a push URL, and the caller's play URL.
  const answered = await callee.request({ $case: 'answerCall', value: { callId: ring.call!.id, accept: true } });
  expect(answered.call?.state).toBe(S.CALL_STATE_ACTIVE);
  expect(answered.pushUrl?.url).toMatch(/^rtmp:/);
  expect(answered.playUrls.map((u) => u.streamId)).toEqual([placed.pushUrl?.streamId]);
  await caller.waitForCallNotice(state(S.CALL_STATE_ACTIVE));

  // Steps 6-7: the callee's push began: the caller gets the callee's play URL.
  await pushBegan(callee, placed.room!.id);
  const started = await caller.waitForNotice((x) => x.notice?.$case === 'streamStarted' && x.notice.value.member?.identity === calleeId);
  const playUrl = started.notice?.$case === 'streamStarted' ? started.notice.value.playUrl : undefined;
  expect(playUrl?.streamId).toBe(answered.pushUrl?.streamId);

  // Hang up: both are told why, and the call's room closes.
  const hung = await caller.request({ $case: 'hangUp', value: { callId: ring.call!.id } });
  expect(hung.call?.endReason).toBe(E.CALL_END_REASON_HUNG_UP);
  const ended = await callee.waitForCallNotice(state(S.CALL_STATE_ENDED));
  expect([ended.call?.endReason, ended.call?.endedBy]).toEqual([E.CALL_END_REASON_HUNG_UP, caller.welcome?.identity]);
  const closed = await callee.waitForNotice((x) => x.notice?.$case === 'roomClosed');
  expect(closed.notice?.$case === 'roomClosed' && closed.notice.value.reason).toBe(roomv1.CloseReason.CLOSE_REASON_CALL_ENDED);
  await close();
});

it('answers at once when the callee is offline or busy', async () => {
  const { caller, calleeId, callee, close } = await pair();
  await expect(place(caller, 'nobody-is-here')).rejects.toMatchObject({ code: 'CALLEE_OFFLINE' });
  const other = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: `other-${n++}` }));
  const first = await place(other, calleeId);
  await pushBegan(other, first.room!.id);
  await callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  await expect(place(caller, calleeId)).rejects.toMatchObject({ code: 'CALLEE_BUSY' });
  await other.close();
  await close();
});

it('tells the caller when the callee rejects, and the callee when the caller cancels', async () => {
  const a = await pair();
  const placed = await place(a.caller, a.calleeId);
  await pushBegan(a.caller, placed.room!.id);
  const ring = await a.callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  const rejected = await a.callee.request({ $case: 'answerCall', value: { callId: ring.call!.id, accept: false } });
  expect(rejected.call?.endReason).toBe(E.CALL_END_REASON_REJECTED);
  expect((await a.caller.waitForCallNotice(state(S.CALL_STATE_ENDED))).call?.endReason).toBe(E.CALL_END_REASON_REJECTED);
  await a.close();

  const b = await pair();
  const placed2 = await place(b.caller, b.calleeId);
  await pushBegan(b.caller, placed2.room!.id);
  const ring2 = await b.callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  await b.caller.request({ $case: 'cancelCall', value: { callId: ring2.call!.id } });
  expect((await b.callee.waitForCallNotice(state(S.CALL_STATE_ENDED))).call?.endReason).toBe(E.CALL_END_REASON_CANCELLED);
  await expect(b.callee.request({ $case: 'answerCall', value: { callId: ring2.call!.id, accept: true } })).rejects.toMatchObject({ code: 'CALL_ENDED' });
  await b.close();
});

it('ends an unanswered call after the ring timeout, telling both sides', async () => {
  const { caller, callee, calleeId, close } = await pair();
  const placed = await place(caller, calleeId, 1);
  await pushBegan(caller, placed.room!.id);
  await callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  const ended = await caller.waitForCallNotice(state(S.CALL_STATE_ENDED), 8000);
  expect(ended.call?.endReason).toBe(E.CALL_END_REASON_TIMEOUT);
  expect((await callee.waitForCallNotice(state(S.CALL_STATE_ENDED))).call?.endReason).toBe(E.CALL_END_REASON_TIMEOUT);
  await close();
});

it('ends the call when one side\'s connection is lost', async () => {
  const { caller, callee, calleeId, close } = await pair();
  const placed = await place(caller, calleeId);
  await pushBegan(caller, placed.room!.id);
  const ring = await callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  await callee.request({ $case: 'answerCall', value: { callId: ring.call!.id, accept: true } });
  callee.drop();
  const ended = await caller.waitForCallNotice(state(S.CALL_STATE_ENDED));
  expect(ended.call?.endReason).toBe(E.CALL_END_REASON_CONNECTION_LOST);
  await close();
});

it('rings for a callee who was away when the call began to ring, once it resumes its session', async () => {
  const { caller, callee, calleeId, close } = await pair();
  const placed = await place(caller, calleeId, 30);
  const resumeToken = callee.welcome!.resumeToken;
  callee.drop();
  await pushBegan(caller, placed.room!.id); // the call rings while the callee's connection is gone
  await caller.waitForCallNotice(state(S.CALL_STATE_RINGING)); // published (both sides' copies) before the callee is back
  const back = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: calleeId }), resumeToken);
  expect(back.welcome?.resumed).toBe(true);
  const ring = await back.waitForCallNotice(state(S.CALL_STATE_RINGING));
  expect(ring.call?.id).toBe(placed.call!.id);
  expect(ring.callerPlayUrl?.streamId).toBe(placed.call!.callerStreamId); // seed step 4: it can play the caller at once
  await back.request({ $case: 'answerCall', value: { callId: placed.call!.id, accept: false } });
  await caller.waitForCallNotice(state(S.CALL_STATE_ENDED));
  expect(back.callNotices.filter(state(S.CALL_STATE_RINGING))).toHaveLength(1);
  await Promise.all([close(), back.close()]);
});

it('lists the calls under way of the connection\'s identity, to a session that began after them; ended calls leave the list', async () => {
  const { caller, callee, calleeId, close } = await pair();
  const placed = await place(caller, calleeId, 30);
  await pushBegan(caller, placed.room!.id);
  await callee.waitForCallNotice(state(S.CALL_STATE_RINGING));
  // Another session of the callee (an app opened again, a second device) heard nothing of the call: it asks.
  const later = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: calleeId }));
  const mine = async (c: DemoClient) => (await c.request({ $case: 'listMyCalls', value: {} })).calls.map((x) => [x.id, x.state]);
  expect(await mine(later)).toEqual([[placed.call!.id, S.CALL_STATE_RINGING]]);
  expect(await mine(caller)).toEqual([[placed.call!.id, S.CALL_STATE_RINGING]]);
  const stranger = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: `stranger-${n++}` }));
  expect(await mine(stranger)).toEqual([]);
  await later.request({ $case: 'answerCall', value: { callId: placed.call!.id, accept: false } });
  expect(await mine(caller)).toEqual([]);
  expect(await mine(later)).toEqual([]);
  // Through internal gRPC, a principal lists its own calls only.
  const calls = createClient(callServicev1.CallServiceService, system.roomGrpcAddress);
  try {
    const as = (identity: string) => authv1.Principal.fromPartial({ identity, grants: { roomJoin: true } });
    await expect(calls.listCallsUnderWay({ identity: calleeId, principal: as(`stranger-${n++}`) })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    expect((await calls.listCallsUnderWay({ identity: calleeId, principal: as(calleeId) })).calls).toEqual([]);
    await expect(calls.listCallsUnderWay({ identity: 'not an identity!', principal: undefined })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  } finally {
    calls.close();
  }
  await Promise.all([close(), later.close(), stranger.close()]);
});

it('refuses what a party may not do', async () => {
  const { caller, callee, calleeId, close } = await pair();
  const placed = await place(caller, calleeId);
  await expect(caller.request({ $case: 'answerCall', value: { callId: placed.call!.id, accept: true } })).rejects.toMatchObject({ code: 'NOT_A_PARTY' });
  await expect(callee.request({ $case: 'answerCall', value: { callId: placed.call!.id, accept: true } })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  await expect(callee.request({ $case: 'hangUp', value: { callId: 'c_aaaaaaaaaaaaaaaaaaaa' } })).rejects.toMatchObject({ code: 'CALL_NOT_FOUND' });
  // A party reads its call (after a resume, say); nobody else may.
  expect((await callee.request({ $case: 'getCall', value: { callId: placed.call!.id } })).call?.state).toBe(S.CALL_STATE_DIALING);
  const stranger = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: `stranger-${n++}` }));
  await expect(stranger.request({ $case: 'getCall', value: { callId: placed.call!.id } })).rejects.toMatchObject({ code: 'NOT_A_PARTY' });
  await stranger.close();
  await expect(callee.request({ $case: 'hangUp', value: { callId: 'nonsense' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  await expect(place(caller, caller.welcome!.identity)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  await close();
});
