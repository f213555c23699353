// The mini-program example's sign-in and room pages (examples/miniprogram: index, room), their own code
// on phones (phone.ts) against the real system, with the SDK from miniprogram_npm as "Build npm" left
// it: signing in through wx.request and wx.connectSocket, two phones in one room seeing each other
// arrive, publish and leave, a full room, a room closed under them, a mini-program killed and opened
// again taking its seat back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RtcRoomClient } from '@rtcroom/sdk';
import { connectClient, recorder, roomName, startTestSystem, TestSystem } from '../system';
import { closePhones, installExample, InstalledExample, signedInPhone, stateChange, tapAndOpen, until } from './example';
import { startPhone } from './phone';

let t: TestSystem;
let example: InstalledExample;
beforeAll(async () => {
  t = await startTestSystem();
  example = await installExample(t.system.gatewayAddress);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  example?.remove();
});

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await closePhones();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const other = async (identity: string) => {
  const c = await connectClient(t.system, identity);
  clients.push(c);
  return c;
};

it('every handler a page\'s WXML binds is a method of that page', async () => {
  const phone = await startPhone(example.dir);
  const routes: string[] = JSON.parse(readFileSync(join(example.dir, 'app.json'), 'utf8')).pages;
  for (const route of routes) {
    const definition = phone.definition(route);
    const handlers = [...readFileSync(join(example.dir, `${route}.wxml`), 'utf8').matchAll(/bind\w+="(\w+)"/g)].map((m) => m[1]);
    expect(handlers.length).toBeGreaterThan(0);
    for (const h of handlers) expect([route, h, typeof definition[h!]]).toEqual([route, h, 'function']);
  }
});

it('signs in with a token from the gateway (wx.request) over wx.connectSocket; a refused identity is told on the page', async () => {
  const phone = await startPhone(example.dir);
  const index = phone.top('pages/index/index');
  index.onIdentity({ detail: { value: 'not an identity!' } });
  await index.signIn();
  expect([index.data.signedIn, index.data.error, index.data.busy]).toEqual([false, 'Could not connect to the server.', false]);

  const alice = await signedInPhone(example, `alice-${process.pid}`, 'Alice');
  expect(alice.top('pages/index/index').data).toMatchObject({ signedIn: true, error: '', busy: false });
  expect(alice.problems).toEqual([]);
});

it('two phones enter one room by name: each sees the other arrive, publish (1002) with a URL signed for it, and leave', async () => {
  const name = roomName('mp');
  const alice = await signedInPhone(example, `alice-${name}`, 'Alice');
  const bob = await signedInPhone(example, `bob-${name}`, 'Bob');
  const enter = (phone: typeof alice) => {
    const index = phone.top('pages/index/index');
    index.onRoomName({ detail: { value: name } });
    return tapAndOpen(phone, () => index.enterRoom(), 'pages/room/room', (p) => p.data.roomId);
  };

  const aliceRoom = await enter(alice);
  expect(aliceRoom.data).toMatchObject({ status: '1 of 6 in the room', players: [] });
  expect(aliceRoom.data.pushUrl).toMatch(/^rtmp:\/\//);
  expect(alice.titles).toEqual([name]);

  const bobRoom = await enter(bob);
  expect(bobRoom.data.roomId).toBe(aliceRoom.data.roomId);
  expect(bobRoom.data.status).toBe('2 of 6 in the room');
  expect(bobRoom.data.players).toEqual([{ memberId: expect.any(String), name: 'Alice', src: '', interrupted: false, micOff: false }]);
  await until(() => aliceRoom.data.players.length === 1, 'Bob to arrive on Alice\'s phone');
  expect(aliceRoom.data.players[0]).toMatchObject({ name: 'Bob', src: '', interrupted: false });
  expect(aliceRoom.data.status).toBe('2 of 6 in the room');

  // Alice's <live-pusher> says its push began: Bob's tile gets a URL to play, signed for Bob.
  aliceRoom.onPusherState(stateChange(1002));
  await until(() => bobRoom.data.players[0].src, 'Alice\'s stream on Bob\'s phone');
  expect(bobRoom.data.players[0].src).toMatch(new RegExp(`^rtmp://.*viewer=bob-${name}`));
  bobRoom.onPlayerState(stateChange(2004, bobRoom.data.players[0].memberId)); // playing: a diagnostic only

  aliceRoom.leave(); // back to the sign-in page; the page's onUnload gives up the seat
  expect(alice.top().route).toBe('pages/index/index');
  await until(() => bobRoom.data.players.length === 0, 'Alice to leave Bob\'s room');
  expect(bobRoom.data.status).toBe('1 of 6 in the room');
  expect([...alice.problems, ...bob.problems]).toEqual([]);
});

it('a full room says so; a removal and a room closed under the page say that', async () => {
  const full = roomName('mp-full');
  for (let i = 0; i < 6; i++) await (await other(`guest-${i}-${full}`)).enterRoom(full, { createOptions: { maxMembers: 6 } });
  const carol = await signedInPhone(example, `carol-${full}`);
  carol.top().onRoomName({ detail: { value: full } });
  const page = await tapAndOpen(carol, () => carol.top().enterRoom(), 'pages/room/room', (p) => p.data.status !== 'Entering…');
  expect([page.data.status, page.data.roomId, page.data.pushUrl]).toEqual(['The room is full: six people are in it.', '', '']);
  page.leave();

  const closing = roomName('mp-closed');
  const owner = await other(`owner-${closing}`);
  const joined = await owner.enterRoom(closing);
  const dave = await signedInPhone(example, `dave-${closing}`);
  dave.top().onRoomName({ detail: { value: closing } });
  const room = await tapAndOpen(dave, () => dave.top().enterRoom(), 'pages/room/room', (p) => p.data.roomId);
  expect(room.data.players).toEqual([expect.objectContaining({ name: expect.stringMatching(/^OWNER-/) })]);

  const eve = await signedInPhone(example, `eve-${closing}`);
  eve.top().onRoomName({ detail: { value: closing } });
  const removed = await tapAndOpen(eve, () => eve.top().enterRoom(), 'pages/room/room', (p) => p.data.roomId);
  await owner.removeMember(joined.room.id, `eve-${closing}`);
  await until(() => removed.data.status === 'You were removed from the room', 'the page to say Eve was removed');
  expect([removed.data.roomId, eve.toasts]).toEqual(['', ['You were removed from the room']]);

  await owner.closeRoom(joined.room.id);
  await until(() => room.data.status === 'The room was closed', 'the page to say the room closed');
  expect([room.data.roomId, room.data.players, dave.toasts]).toEqual(['', [], ['The room was closed']]);
  expect([...carol.problems, ...dave.problems, ...eve.problems]).toEqual([]);
});

it("the mute button reports the microphone; the host's mute request turns the pusher's microphone off, and a forbidden unmute is refused", async () => {
  const name = roomName('mp-mute');
  const host = await other(`host-${name}`);
  const joined = await host.enterRoom(name);
  const frank = await signedInPhone(example, `frank-${name}`, 'Frank');
  frank.top().onRoomName({ detail: { value: name } });
  const page = await tapAndOpen(frank, () => frank.top().enterRoom(), 'pages/room/room', (p) => p.data.roomId);
  expect(page.data).toMatchObject({ muted: false, enableCamera: true });

  await page.toggleMic();
  expect(page.data.muted).toBe(true);
  await until(() => host.members(joined.room.id).find((m) => m.identity === `frank-${name}`)?.media?.audio?.on === false, "Frank's microphone off on the host's side");
  await page.toggleMic();
  expect(page.data.muted).toBe(false);

  await host.muteMember(joined.room.id, `frank-${name}`, { audio: true, forbidUnmute: true });
  await until(() => page.data.muted === true, "the host's request to reach Frank's pusher");
  expect(frank.toasts).toEqual(['The host muted your microphone']);
  await until(() => host.members(joined.room.id).find((m) => m.identity === `frank-${name}`)?.media?.audio?.on === false, 'the request met');
  await page.toggleMic();
  expect(page.data.muted).toBe(true);
  expect(frank.toasts).toEqual(['The host muted your microphone', 'The host does not allow that now']);
  expect(frank.problems).toEqual([]);
});

it('a mini-program killed in a room and opened again takes its seat back: the others see it dropped and back, never leave and join', async () => {
  const name = roomName('mp-again');
  const dana = `dana-${name}`;
  const watcher = await other(`watcher-${name}`);
  const w = await watcher.enterRoom(name);
  const joined = recorder(watcher, 'memberJoined');
  const left = recorder(watcher, 'memberLeft');
  const connection = recorder(watcher, 'memberConnection');
  const enter = async (phone: Awaited<ReturnType<typeof signedInPhone>>) => {
    phone.top('pages/index/index').onRoomName({ detail: { value: name } });
    return tapAndOpen(phone, () => phone.top('pages/index/index').enterRoom(), 'pages/room/room', (p) => p.data.roomId);
  };
  const storage = new Map<string, unknown>();
  const first = await signedInPhone(example, dana, 'Dana', { storage });
  const firstRoom = await enter(first);
  expect(firstRoom.data.roomId).toBe(w.room.id);
  await joined.next((e) => e.member.identity === dana);

  first.kill();
  await connection.next((e) => e.member.identity === dana && !e.connected);
  const again = await signedInPhone(example, dana, 'Dana', { storage });
  const againRoom = await enter(again);
  expect([againRoom.data.roomId, againRoom.data.status]).toEqual([w.room.id, '2 of 6 in the room']);
  expect(againRoom.data.pushUrl).toMatch(/^rtmp:\/\//);
  await connection.next((e) => e.member.identity === dana && e.connected);
  expect(joined.seen.filter((e) => e.member.identity === dana)).toHaveLength(1);
  expect(left.seen.map((e) => e.member.identity)).toEqual([]);
  expect(again.problems).toEqual([]);
});
