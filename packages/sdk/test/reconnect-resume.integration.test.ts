// The SDK against the real system (all four services, real Postgres and NATS): a client whose network
// drops keeps its seat, comes back with its resume token, and gets what it missed in order, once each;
// a refused push URL is replaced without anyone seeing the seat change; an app opened again hears the
// calls under way for it; a page reloaded with a resume store takes its session and seat back; a page
// reloaded or an app opened again mid-call is told the call (callToRejoin) and takes its seat in it back.
import { handlePusherStateChange, nodeSocket, RtcRoomClient, webStorageResumeStore, WebSocketClass } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { connectClient, cuttableSocket, recorder, roomName, startTestSystem, TestSystem, token } from './system';

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem({ PRESENCE_RESUME_GRACE_MS: '15000' });
});
afterAll(() => t?.stop());

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
async function client(identity: string, options = {}) {
  const c = await connectClient(t.system, identity, options);
  clients.push(c);
  return c;
}

it('a dropped connection resumes: seat kept, missed notices delivered in seq order without gaps or duplicates', async () => {
  const net = cuttableSocket();
  const alice = await client('alice', { socket: net.adapter });
  const bob = await client('bob');
  const carol = await client('carol');
  const a = await alice.enterRoom(roomName());
  const roomId = a.room.id;
  // Listening before Bob joins: his join's notice may reach Alice before his own answer reaches him.
  const notices = recorder(alice, 'notice');
  const states = recorder(alice, 'connectionState');
  const sessions = recorder(alice, 'session');
  await bob.joinRoom({ roomId });
  await notices.next((n) => !!n.memberJoined && n.memberJoined.member.identity === 'bob');
  const bobSees = recorder(bob, 'memberConnection');

  net.cut();
  await states.next((s) => s.state === 'reconnecting');
  // Bob sees Alice interrupted, not gone.
  expect((await bobSees.next((e) => !e.connected)).member.identity).toBe('alice');

  // While Alice is away: Bob's push begins, Carol comes and goes, Bob renames himself.
  expect(await bob.reportPusherEvent(roomId, 1002)).toBe('STREAM_STARTED');
  await carol.joinRoom({ roomId });
  await carol.leaveRoom(roomId);
  await bob.updateProfile(roomId, { displayName: 'Robert' });
  const missedUpTo = (await bob.getRoom(roomId)).seq;

  net.restore();
  const resumed = await sessions.next((w) => w.resumed);
  expect(resumed.seats.map((s) => s.roomId)).toEqual([roomId]);
  await states.next((s) => s.state === 'connected');
  await notices.next((n) => n.seq >= missedUpTo, 10_000);

  // Every seq after the join, once, in order.
  const seqs = notices.seen.map((n) => n.seq);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => a.seq + 1 + i));
  const kinds = notices.seen.map((n) => Object.keys(n).find((k) => !['roomId', 'seq', 'time'].includes(k)));
  expect(kinds).toEqual(expect.arrayContaining(['memberJoined', 'streamStarted', 'memberLeft', 'memberUpdated']));
  // The seat is the same one, and the room as Alice knows it is the room as it is.
  const room = alice.room(roomId)!;
  expect(room.self.memberId).toBe(a.self.memberId);
  expect(room.members.map((m) => [m.identity, m.displayName, m.state])).toEqual([
    ['alice', 'ALICE', 'MEMBER_STATE_JOINED'],
    ['bob', 'Robert', 'MEMBER_STATE_PUBLISHING'],
  ]);
  // The play URL of Bob's stream was signed for Alice in the replay.
  const bobId = room.members.find((m) => m.identity === 'bob')!.memberId;
  expect(room.playUrls[bobId]?.viewerIdentity).toBe('alice');
  // Bob saw Alice come back, and never leave.
  expect((await bobSees.next((e) => e.connected)).member.identity).toBe('alice');
  expect(net.opened).toBeGreaterThanOrEqual(2);

  // Live notices go on after the replay.
  await bob.leaveRoom(roomId);
  const left = await notices.next((n) => !!n.memberLeft && n.memberLeft.member.identity === 'bob' && n.seq > missedUpTo);
  expect(left.seq).toBe(notices.seen[notices.seen.length - 2].seq + 1);
}, 30_000);

it('pusher code 3004: the server asks for a fresh URL and the client gets one for the same seat, quietly', async () => {
  const alice = await client('alice3004');
  const bob = await client('bob3004');
  const a = await alice.enterRoom(roomName());
  await bob.joinRoom({ roomId: a.room.id });
  const bobNotices = recorder(bob, 'notice');
  const pushUrls = recorder(alice, 'pushUrl');

  const outcome = await handlePusherStateChange(alice, a.room.id, { detail: { code: 3004, message: 'server closed' } });
  expect(outcome.action).toBe('REISSUE_URL');
  expect(outcome.error).toBeUndefined();
  expect(outcome.pushUrl?.streamId).toBe(a.pushUrl.streamId);
  expect(outcome.pushUrl?.url).toMatch(/^rtmp:\/\//);
  expect((await pushUrls.next()).pushUrl.url).toBe(outcome.pushUrl?.url);
  expect(alice.room(a.room.id)?.self.memberId).toBe(a.self.memberId);

  // The push then begins on the fresh URL: Bob hears of the stream, and of nothing else in between.
  const began = await handlePusherStateChange(alice, a.room.id, { detail: { code: 1002 } });
  expect(began.action).toBe('STREAM_STARTED');
  const started = await bobNotices.next((n) => !!n.streamStarted);
  expect(bobNotices.seen.filter((n) => n.memberJoined || n.memberLeft)).toEqual([]);
  expect(started.streamStarted?.playUrl?.streamId).toBe(a.pushUrl.streamId);

  const lost = await handlePusherStateChange(alice, a.room.id, { detail: { code: -1307 } });
  expect(lost.action).toBe('STREAM_STOPPED');
  await bobNotices.next((n) => !!n.streamStopped);
});

it('errors carry the server\'s stable codes', async () => {
  const alice = await client('alice-err');
  await expect(alice.joinRoom({ roomId: 'r_doesnotexist' })).rejects.toMatchObject({ name: 'RtcRoomError', code: 'ROOM_NOT_FOUND', request: 'joinRoom' });
  await expect(alice.leaveRoom('r_notmine')).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  await expect(alice.placeCall('nobody-online')).rejects.toMatchObject({ code: 'CALLEE_OFFLINE' });
});

it('a closed client gives its seats up at once: others see it leave (a goodbye: LEFT)', async () => {
  const alice = await client('alice-bye');
  const bob = await client('bob-bye');
  const a = await alice.enterRoom(roomName());
  await bob.joinRoom({ roomId: a.room.id });
  const left = recorder(bob, 'memberLeft');
  await alice.close();
  const e = await left.next();
  expect([e.member.identity, e.reason]).toEqual(['alice-bye', 'LEAVE_REASON_LEFT']);
  expect(alice.state).toBe('disconnected');
  await expect(alice.listRooms()).rejects.toMatchObject({ code: 'CLOSED' });
});

/** `callerId` calls `calleeId` (whose socket can be cut) and the caller's push begins: resolves once it rings. */
async function ringing(callerId: string, calleeId: string, options = {}) {
  const caller = await client(callerId);
  const net = cuttableSocket();
  const before = await client(calleeId, { socket: net.adapter, ...options });
  const rang = recorder(before, 'incomingCall');
  const placed = await caller.placeCall(calleeId);
  await caller.reportPusherEvent(placed.room.room.id, 1002);
  return { caller, net, before, placed, ring: await rang.next() };
}

/** A resume store in memory, as sessionStorage would keep it. */
function memoryStore() {
  const kept = new Map<string, string>();
  const store = webStorageResumeStore({ getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v), removeItem: (k) => void kept.delete(k) });
  return { kept, store };
}

it('an app opened again (a new client, no resume token) while a call rings for it hears the call ring and answers it; an ended call is not told', async () => {
  const { caller, net, before, placed, ring } = await ringing('ring-caller', 'ring-callee');
  // The app is killed (no goodbye: its session waits out its grace) and opened again: a new client.
  net.cut();
  await before.close();
  // Listening from before it connects: the list is asked right after the welcome.
  const after = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass) });
  clients.push(after);
  const ringsAgain = recorder(after, 'incomingCall');
  expect((await after.connect(t.system.gatewayUrl, () => token('ring-callee'))).resumed).toBe(false);
  const listed = await ringsAgain.next((e) => e.call.id === ring.call.id);
  expect(listed.call.state).toBe('CALL_STATE_RINGING');
  expect(after.activeCalls().map((c) => c.id)).toEqual([ring.call.id]);
  const answered = await after.answerCall(ring.call.id);
  expect(answered.call.state).toBe('CALL_STATE_ACTIVE');
  expect(Object.values(answered.room!.playUrls).map((u) => u.streamId)).toEqual([placed.room.pushUrl.streamId]);
  await caller.hangUp(ring.call.id);
  // Opened once more: nothing under way, nothing told (the next call's ring comes, and only it).
  const again = await client('ring-callee');
  const told = recorder(again, 'callUpdated');
  const next = await caller.placeCall('ring-callee');
  await caller.reportPusherEvent(next.room.room.id, 1002);
  await told.next((e) => e.call.id === next.call.id && e.call.state === 'CALL_STATE_RINGING');
  expect(told.seen.map((e) => e.call.id)).not.toContain(ring.call.id);
  await caller.cancelCall(next.call.id);
});

/** `<prefix>-alice` seated with a resume store (in memory, as sessionStorage would be) on a socket that can be cut, and `<prefix>-bob` with her. */
async function seatedWithStore(prefix: string) {
  const { kept, store } = memoryStore();
  const net = cuttableSocket();
  const before = await client(`${prefix}-alice`, { socket: net.adapter, resumeStore: store });
  const bob = await client(`${prefix}-bob`);
  const name = roomName();
  const a = await before.enterRoom(name);
  await bob.joinRoom({ roomId: a.room.id });
  return { kept, store, net, before, bob, name, a };
}

it('a page reloaded with a resumeStore resumes its session and takes its seat back: the others see it dropped and back, never leave and join', async () => {
  const { kept, store, net, before, bob, name, a } = await seatedWithStore('reload');
  const connection = recorder(bob, 'memberConnection');
  const left = recorder(bob, 'memberLeft');
  const joined = recorder(bob, 'memberJoined');

  // The page reloads: its socket dies without a goodbye, and the new page's client starts from the store.
  net.cut();
  expect((await connection.next((e) => !e.connected)).member.identity).toBe('reload-alice');
  const after = await client('reload-alice', { resumeStore: store });
  expect(after.sessionId).toBe(before.sessionId);
  // The app joins as it always does: the same membership, a fresh push URL.
  const again = await after.enterRoom(name);
  expect(again.self.memberId).toBe(a.self.memberId);
  expect(again.pushUrl.url).toBeTruthy();
  expect((await connection.next((e) => e.connected)).member.identity).toBe('reload-alice');
  await bob.updateProfile(a.room.id, { displayName: 'Robert' });
  await recorder(after, 'memberUpdated').next((e) => e.member.identity === 'reload-bob');
  expect(left.seen.map((e) => e.member.identity)).toEqual([]);
  expect(joined.seen.map((e) => e.member.identity)).toEqual([]);

  // A goodbye ends the session: nothing is kept to resume.
  await after.close();
  expect(kept.size).toBe(0);
});

it('a page reloaded into somewhere else gives up the seat its resumed session holds: no one is left sitting in the room', async () => {
  const { kept, store, net, before, bob } = await seatedWithStore('wander');
  const left = recorder(bob, 'memberLeft');

  net.cut();
  const after = await client('wander-alice', { resumeStore: store, unclaimedSeatMs: 300 });
  expect(after.sessionId).toBe(before.sessionId);
  // The app never joins that room again: after unclaimedSeatMs the seat is given up, a goodbye.
  const gone = await left.next((e) => e.member.identity === 'wander-alice');
  expect(gone.reason).toBe('LEAVE_REASON_LEFT');
  expect(JSON.parse(kept.get('rtcroom.session')!).seats).toEqual([]);
});

it('a page reloaded mid-call with a resumeStore is told the call to rejoin and takes its call seat back: the other side sees it dropped and back, the call goes on', async () => {
  const { store } = memoryStore();
  const { caller, net, before, placed, ring } = await ringing('mid-caller', 'mid-agent', { resumeStore: store });
  const answered = await before.answerCall(ring.call.id);
  const roomId = answered.room!.room.id;
  const connection = recorder(caller, 'memberConnection');
  const left = recorder(caller, 'memberLeft');
  const ended = recorder(caller, 'callEnded');

  // The page reloads mid-call: the new page's client starts from the store and is told of the call.
  net.cut();
  expect((await connection.next((e) => !e.connected)).member.identity).toBe('mid-agent');
  const after = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), resumeStore: store, unclaimedSeatMs: 1500 });
  clients.push(after);
  const toRejoin = recorder(after, 'callToRejoin');
  const welcomedAt = Date.now();
  expect((await after.connect(t.system.gatewayUrl, () => token('mid-agent'))).resumed).toBe(true);
  const told = await toRejoin.next();
  expect([told.call.id, told.call.state, told.seatKept]).toEqual([answered.call.id, 'CALL_STATE_ACTIVE', true]);
  const back = await after.rejoinCall(told.call.id);
  expect(back.room.self.memberId).toBe(answered.room!.self.memberId);
  expect(back.room.pushUrl.streamId).toBe(answered.room!.pushUrl.streamId);
  expect(Object.values(back.room.playUrls).map((u) => u.streamId)).toEqual([placed.room.pushUrl.streamId]);
  expect((await connection.next((e) => e.connected)).member.identity).toBe('mid-agent');
  expect(after.call(answered.call.id)?.state).toBe('CALL_STATE_ACTIVE');
  // Past the unclaimed-seat time the seat is still the call's: nobody left, the call not ended.
  await new Promise((r) => setTimeout(r, Math.max(0, welcomedAt + 1800 - Date.now())));
  expect(left.seen).toEqual([]);
  expect(ended.seen).toEqual([]);
  const hung = await after.hangUp(answered.call.id);
  expect(hung.endReason).toBe('CALL_END_REASON_HUNG_UP');
  expect(toRejoin.seen).toHaveLength(1);
});

it('an app opened again mid-call without a resumeStore is told the call too, and rejoins it in a new seat before its old one is given up', async () => {
  const { caller, net, before, ring } = await ringing('new-caller', 'new-callee');
  const answered = await before.answerCall(ring.call.id);
  net.cut();
  await before.close();
  const after = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass) });
  clients.push(after);
  const toRejoin = recorder(after, 'callToRejoin');
  expect((await after.connect(t.system.gatewayUrl, () => token('new-callee'))).resumed).toBe(false);
  const told = await toRejoin.next();
  expect([told.call.id, told.seatKept]).toEqual([answered.call.id, false]);
  const back = await after.rejoinCall(told.call.id);
  expect(back.room.self.memberId).not.toBe(answered.room!.self.memberId);
  expect(back.call.state).toBe('CALL_STATE_ACTIVE');
  await caller.hangUp(answered.call.id);
});

it('a page reloaded with a resumeStore is told each room its session sits in, with its role; joining as told takes each back', async () => {
  const { store, net, before, bob, a } = await seatedWithStore('told');
  const stage = a.room.id;
  const hall = await bob.enterRoom(roomName());
  const watched = await before.joinRoom({ roomId: hall.room.id, as: 'audience' });
  const left = recorder(bob, 'memberLeft');
  const joined = recorder(bob, 'memberJoined');

  net.cut();
  const after = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), resumeStore: store });
  clients.push(after);
  const toRejoin = recorder(after, 'roomToRejoin');
  expect((await after.connect(t.system.gatewayUrl, () => token('told-alice'))).resumed).toBe(true);
  await toRejoin.next((e) => e.roomId === hall.room.id);
  await toRejoin.next((e) => e.roomId === stage);
  expect(toRejoin.seen.map((e) => [e.roomId, e.as]).sort()).toEqual(
    [
      [stage, 'seat'],
      [hall.room.id, 'audience'],
    ].sort(),
  );
  for (const e of toRejoin.seen) {
    const back = await after.joinRoom({ roomId: e.roomId, as: e.as });
    expect(back.self.memberId).toBe(e.roomId === stage ? a.self.memberId : watched.self.memberId);
  }
  expect(after.room(hall.room.id)?.pushUrl).toBeUndefined();
  await bob.updateProfile(stage, { displayName: 'Robert' });
  await recorder(after, 'memberUpdated').next((e) => e.member.identity === 'told-bob');
  expect(left.seen.map((e) => e.member.identity)).toEqual([]);
  expect(joined.seen.map((e) => e.member.identity)).toEqual([]);
});

it('a page reloaded after its seat was moved to the audience while it was away is told to rejoin as the audience (the welcome says each seat\'s role)', async () => {
  const { store } = memoryStore();
  const net = cuttableSocket();
  const before = await client('moved-alice', { socket: net.adapter, resumeStore: store });
  const bob = await client('moved-bob');
  const room = await bob.enterRoom(roomName());
  const seat = await before.joinRoom({ roomId: room.room.id });

  net.cut();
  // The owner moves her to the audience while no client of hers listens: her store still says a seat.
  await bob.moveToAudience(room.room.id, 'moved-alice');
  const after = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), resumeStore: store });
  clients.push(after);
  const toRejoin = recorder(after, 'roomToRejoin');
  const welcome = await after.connect(t.system.gatewayUrl, () => token('moved-alice'));
  expect(welcome.seats).toEqual([expect.objectContaining({ roomId: room.room.id, memberId: seat.self.memberId, role: 'MEMBER_ROLE_AUDIENCE' })]);
  expect(await toRejoin.next()).toMatchObject({ roomId: room.room.id, as: 'audience' });
  const back = await after.joinRoom({ roomId: room.room.id, as: 'audience' });
  expect(back.self.memberId).toBe(seat.self.memberId);
});
