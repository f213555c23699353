// The mini-program example in TRTC mode (config.js `media: 'trtc'`), its own code on phones against the
// real system started with MEDIA_PROVIDER=trtc: rooms open pages/trtc, the push URL is a TRTC room,
// and the others appear from the pusher's 1031-1034 (as WeChat hands them to the page), only as far as
// rtcroom seats them: a TRTC user without a seat is never drawn, a member who left goes at once. From
// the audience the pusher enters with the entry URL (receive only) and plays the seats the same way.
import { connectClient, roomName, startTestSystem, TestSystem } from '../system';
import { closePhones, installExample, InstalledExample, signedInPhone, tapAndOpen, until } from './example';
import type { RtcRoomClient } from '@rtcroom/sdk';

let t: TestSystem;
let example: InstalledExample;
beforeAll(async () => {
  t = await startTestSystem({ MEDIA_PROVIDER: 'trtc', TRTC_SDK_APP_ID: '1400123456', TRTC_SECRET_KEY: 'trtc-page-secret-key-0123456789abcdef' });
  example = await installExample(t.system.gatewayAddress, 'claims', 'trtc');
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

/** A <live-pusher bindstatechange> in TRTC mode: the code, and the userlist as JSON text in detail.message. */
const trtcState = (code: number, userlist: object[]) => ({ detail: { code, message: JSON.stringify({ userlist }) } });
const playUrl = (userId: string) => `room://rtc.tencent.com?userid=${userId}&streamtype=main`;

it('enters the TRTC room and draws the seated members TRTC plays, and no one else', async () => {
  const name = roomName('trtc');
  const alice = await signedInPhone(example, `alice-${name}`, 'Alice');
  const bob = await signedInPhone(example, `bob-${name}`, 'Bob');
  const enter = (phone: typeof alice) => {
    const index = phone.top('pages/index/index');
    index.onRoomName({ detail: { value: name } });
    return tapAndOpen(phone, () => index.enterRoom(), 'pages/trtc/trtc', (p) => p.data.roomId);
  };
  const aliceRoom = await enter(alice);
  expect(aliceRoom.data.pushUrl).toMatch(/^room:\/\/cloud\.tencent\.com\/rtc\?sdkappid=1400123456&strroomid=r_/);
  const bobRoom = await enter(bob);
  const aliceUser = new URL(aliceRoom.data.pushUrl.replace(/^room:/, 'https:')).searchParams.get('userid')!;
  const bobUser = new URL(bobRoom.data.pushUrl.replace(/^room:/, 'https:')).searchParams.get('userid')!;
  expect(bobRoom.data.players).toEqual([{ memberId: expect.any(String), name: 'Alice', src: '', camera: false, microphone: false, inMediaRoom: false }]);

  // Bob's pusher hears Alice (and a stranger the server is putting out) enter, then their cameras and microphones.
  const stranger = 't_aaaaaaaaaaaaaaaaaaaaaaaa';
  bobRoom.onPusherState(trtcState(1031, [{ userid: aliceUser }, { userid: stranger }]));
  bobRoom.onPusherState(trtcState(1033, [{ userid: aliceUser, playurl: playUrl(aliceUser), streamtype: 'main', hasvideo: true }, { userid: stranger, playurl: playUrl(stranger), hasvideo: true }]));
  bobRoom.onPusherState(trtcState(1034, [{ userid: aliceUser, playurl: playUrl(aliceUser), hasaudio: true }]));
  await until(() => bobRoom.data.players[0]?.microphone, "Alice's camera and microphone on Bob's phone");
  expect(bobRoom.data.players).toEqual([{ memberId: expect.any(String), name: 'Alice', src: playUrl(aliceUser), camera: true, microphone: true, inMediaRoom: true }]);
  // Alice's phone hears Bob enter without a camera.
  aliceRoom.onPusherState(trtcState(1031, [{ userid: bobUser }]));
  await until(() => aliceRoom.data.players[0]?.inMediaRoom, "Bob in the media room on Alice's phone");
  expect(aliceRoom.data.players[0]).toMatchObject({ name: 'Bob', src: '', camera: false });

  // Alice leaves rtcroom: gone from Bob's page at once, before TRTC's 1032.
  aliceRoom.leave();
  await until(() => bobRoom.data.players.length === 0, "Alice to leave Bob's page");
  expect(bobRoom.data.status).toBe('1 of 6 in the room');
  expect([...alice.problems, ...bob.problems]).toEqual([]);
});

it('a member who is not on a phone shows as waiting until TRTC says it entered', async () => {
  const name = roomName('trtc-wait');
  const carolClient = await connectClient(t.system, `carol-${name}`);
  clients.push(carolClient);
  await carolClient.enterRoom(name);
  const dave = await signedInPhone(example, `dave-${name}`, 'Dave');
  dave.top().onRoomName({ detail: { value: name } });
  const page = await tapAndOpen(dave, () => dave.top().enterRoom(), 'pages/trtc/trtc', (p) => p.data.roomId);
  expect(page.data.players).toEqual([expect.objectContaining({ src: '', inMediaRoom: false })]);
  expect(dave.problems).toEqual([]);
});

it('watches from the audience: the pusher enters with an entry URL that cannot publish, plays the seats, and takes a seat (连麦)', async () => {
  const name = roomName('trtc-aud');
  const host = await connectClient(t.system, `host-${name}`);
  clients.push(host);
  const hosting = await host.enterRoom(name);
  const hostUser = hosting.pushUrl.streamId;
  const viewer = await signedInPhone(example, `viewer-${name}`, 'Viewer');
  const index = viewer.top('pages/index/index');
  expect(index.data.trtc).toBe(true);
  index.onRoomName({ detail: { value: name } });
  const page = await tapAndOpen(viewer, () => index.watchRoom(), 'pages/trtc/trtc', (p) => p.data.roomId);
  const query = (url: string) => new URL(url.replace(/^room:/, 'https:')).searchParams;

  // Its own TRTC user, the audience role, camera and microphone off; the host's tile plays once TRTC tells it.
  expect(page.data.audience).toBe(true);
  expect(Object.fromEntries(query(page.data.pushUrl))).toMatchObject({ strroomid: hosting.room.id, appscene: 'live', role: 'audience' });
  const viewerUser = query(page.data.pushUrl).get('userid')!;
  expect(page.data.players).toEqual([expect.objectContaining({ name: `HOST-${name.toUpperCase()}`, src: '', inMediaRoom: false })]);
  page.onPusherState(trtcState(1033, [{ userid: hostUser, playurl: playUrl(hostUser), streamtype: 'main', hasvideo: true }]));
  await until(() => page.data.players[0]?.src, "the host's camera on the viewer's phone");
  expect(page.data.players[0]).toMatchObject({ src: playUrl(hostUser), camera: true });

  // 连麦: the host invites, the viewer takes the seat: the pusher enters again as the same user, with a push URL.
  await host.inviteToSeat(hosting.room.id, `viewer-${name}`);
  page.toggleSeat();
  await until(() => !page.data.audience, 'the viewer seated');
  expect(query(page.data.pushUrl).get('userid')).toBe(viewerUser);
  expect(query(page.data.pushUrl).has('role')).toBe(false);
  expect(query(page.data.pushUrl).get('streamid')).toBe(viewerUser);
  // Sent back by the host: the SDK re-joins for its entry URL, and the pusher enters with it again.
  await host.moveToAudience(hosting.room.id, `viewer-${name}`);
  await until(() => page.data.audience && page.data.pushUrl, 'the viewer sent back to the audience');
  expect(Object.fromEntries(query(page.data.pushUrl))).toMatchObject({ userid: viewerUser, role: 'audience' });
  // Invited again and seated, then back to the audience by its own tap: the answer brings the entry URL.
  await host.inviteToSeat(hosting.room.id, `viewer-${name}`);
  page.toggleSeat();
  await until(() => !page.data.audience, 'the viewer seated again');
  page.toggleSeat();
  await until(() => page.data.audience && page.data.pushUrl, 'the viewer back in the audience');
  expect(query(page.data.pushUrl).get('role')).toBe('audience');
  expect(viewer.problems).toEqual([]);
});
