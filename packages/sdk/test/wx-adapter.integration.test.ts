// The mini-program path: the SDK on the wx adapter, over a faithful stand-in of wx.connectSocket,
// against the real system. What the example pages do: a six-person room where members see each other
// arrive and their streams begin, and a 1:1 call from ring to hang-up.
import { handlePlayerStateChange, handlePusherStateChange, RtcRoomClient, wxSocket } from '@rtcroom/sdk';
import { fakeWx } from './fake-wx';
import { recorder, roomName, startTestSystem, TestSystem, token } from './system';

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem({ PRESENCE_RESUME_GRACE_MS: '15000' });
});
afterAll(() => t?.stop());

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function miniProgram(identity: string, wx = fakeWx()) {
  const client = new RtcRoomClient({ socket: wxSocket(wx), reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  clients.push(client);
  await client.connect(t.system.gatewayUrl, () => token(identity));
  return { client, wx };
}

it('a six-person room: each sees the others arrive, gets their play URLs once their pushes began, and sees them leave', async () => {
  const name = roomName('wx');
  const people = await Promise.all(['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map((id) => miniProgram(`${name}-${id}`)));
  const first = people[0].client;
  const joins = recorder(first, 'memberJoined');
  const streams = recorder(first, 'streamReady');
  const room = await first.enterRoom(name);
  for (const p of people.slice(1)) await p.client.enterRoom(name);
  await joins.next((e) => e.member.identity.endsWith('p5'));
  expect(first.members(room.room.id)).toHaveLength(6);
  await expect(miniProgram(`${name}-p6`).then((p) => p.client.enterRoom(name))).rejects.toMatchObject({ code: 'ROOM_FULL' });

  // Each pusher reports 1002 as <live-pusher bindstatechange> would: the first client gets five play URLs.
  for (const p of people.slice(1)) await handlePusherStateChange(p.client, room.room.id, { detail: { code: 1002 } });
  await streams.next((e) => e.member.identity.endsWith('p5'));
  const urls = Object.values(first.room(room.room.id)!.playUrls);
  expect(urls).toHaveLength(5);
  for (const u of urls) expect([u.viewerIdentity, u.rtcUrl.startsWith('rtmp://')]).toEqual([`${name}-p0`, true]);

  // Player codes are diagnostics for the app, nothing more.
  const diag = recorder(first, 'playerState');
  handlePlayerStateChange(first, room.room.id, urls[0].streamId, { detail: { code: 2105 } });
  expect((await diag.next()).meaning).toBe('stutter');

  const left = recorder(first, 'memberLeft');
  await people[3].client.exitRoom(room.room.id);
  const e = await left.next();
  expect([e.member.identity, e.reason]).toEqual([`${name}-p3`, 'LEAVE_REASON_LEFT']);
  expect(first.members(room.room.id)).toHaveLength(5);
});

it('a 1:1 call: ring after the caller\'s push began, answer, each plays the other, hang up ends it for both', async () => {
  const caller = (await miniProgram('wx-caller')).client;
  const callee = (await miniProgram('wx-callee')).client;
  const incoming = recorder(callee, 'incomingCall');
  const calleeEnded = recorder(callee, 'callEnded');
  const callerStreams = recorder(caller, 'streamReady');

  const placed = await caller.placeCall('wx-callee');
  expect(placed.call.state).toBe('CALL_STATE_DIALING');
  expect(placed.room.pushUrl.url).toMatch(/^rtmp:\/\//);
  await handlePusherStateChange(caller, placed.room.room.id, { detail: { code: 1002 } });
  const ring = await incoming.next();
  expect(ring.call.callerIdentity).toBe('wx-caller');
  expect(ring.callerPlayUrl?.streamId).toBe(placed.room.pushUrl.streamId);

  const answered = await callee.answerCall(ring.call.id);
  expect(answered.call.state).toBe('CALL_STATE_ACTIVE');
  expect(Object.values(answered.room!.playUrls).map((u) => u.streamId)).toEqual([placed.room.pushUrl.streamId]);
  await handlePusherStateChange(callee, answered.room!.room.id, { detail: { code: 1002 } });
  const calleeStream = await callerStreams.next((e) => e.member.identity === 'wx-callee');
  expect(calleeStream.playUrl?.viewerIdentity).toBe('wx-caller');

  const hung = await caller.hangUp(ring.call.id);
  expect(hung.endReason).toBe('CALL_END_REASON_HUNG_UP');
  const ended = await calleeEnded.next();
  expect([ended.reason, ended.call.endedBy]).toEqual(['CALL_END_REASON_HUNG_UP', 'wx-caller']);
  expect(callee.activeCalls()).toEqual([]);
});

it('pusher code 3004 during a call: the seat is taken again with a fresh URL and the call goes on', async () => {
  const caller = (await miniProgram('wx-caller3')).client;
  const callee = (await miniProgram('wx-callee3')).client;
  const incoming = recorder(callee, 'incomingCall');
  const callerSees = recorder(caller, 'memberLeft');
  const callerStreams = recorder(caller, 'streamReady');
  const placed = await caller.placeCall('wx-callee3');
  await caller.reportPusherEvent(placed.room.room.id, 1002);
  const answered = await callee.answerCall((await incoming.next()).call.id);
  const roomId = answered.room!.room.id;

  const refreshed = await handlePusherStateChange(callee, roomId, { detail: { code: 3004 } });
  expect([refreshed.action, refreshed.error]).toEqual(['REISSUE_URL', undefined]);
  // The seat its own session holds is taken back: the same stream, its URL signed again, nobody told of a
  // departure, the call untouched.
  expect(refreshed.pushUrl?.streamId).toBe(answered.room!.pushUrl.streamId);
  expect(callee.room(roomId)?.pushUrl?.url).toBe(refreshed.pushUrl?.url);
  expect(callee.call(answered.call.id)?.state).toBe('CALL_STATE_ACTIVE');
  // The push on the fresh URL reaches the caller.
  await handlePusherStateChange(callee, roomId, { detail: { code: 1002 } });
  expect((await callerStreams.next((e) => e.member.identity === 'wx-callee3')).member.streamId).toBe(answered.room!.pushUrl.streamId);
  // A second refresh is as quiet.
  const again = await handlePusherStateChange(callee, roomId, { detail: { code: 3004 } });
  expect(again.pushUrl?.streamId).toBe(answered.room!.pushUrl.streamId);
  expect(callerSees.seen).toEqual([]);
  await caller.hangUp(answered.call.id);
});

it('a rejected call ends for the caller with REJECTED', async () => {
  const caller = (await miniProgram('wx-caller2')).client;
  const callee = (await miniProgram('wx-callee2')).client;
  const incoming = recorder(callee, 'incomingCall');
  const ended = recorder(caller, 'callEnded');
  const placed = await caller.placeCall('wx-callee2');
  await caller.reportPusherEvent(placed.room.room.id, 1002);
  await callee.rejectCall((await incoming.next()).call.id);
  expect((await ended.next()).reason).toBe('CALL_END_REASON_REJECTED');
});

it('a mini-program whose socket drops resumes through wx.connectSocket, and closing says goodbye with 1000', async () => {
  const { client, wx } = await miniProgram('wx-drop');
  const other = (await miniProgram('wx-other')).client;
  const room = await client.enterRoom(roomName('wxdrop'));
  await other.joinRoom({ roomId: room.room.id });
  const sessions = recorder(client, 'session');
  const joins = recorder(client, 'memberJoined');
  wx.tasks[0].ws.terminate();
  const resumed = await sessions.next((w) => w.resumed);
  expect(resumed.seats.map((s) => s.roomId)).toEqual([room.room.id]);
  expect(wx.tasks[1].url).toContain('resume_token=');
  const third = (await miniProgram('wx-third')).client;
  await third.joinRoom({ roomId: room.room.id });
  await joins.next((e) => e.member.identity === 'wx-third');
  await client.close();
  expect(wx.tasks[1].closeCodes).toEqual([1000]);
});
