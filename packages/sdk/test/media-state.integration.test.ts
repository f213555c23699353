// The SDK's media state against the real system: a member's microphone and camera reports reach the
// room as memberMedia events; the room's owner asks a member to mute and forbids unmuting, the member's
// followMuteRequests turns its pusher's microphone off and says so, and its unmute is refused with
// MEDIA_FORBIDDEN until the owner allows it; a member who is not the owner may not ask; an audio-only
// room refuses the camera.
import { followMuteRequests, pusherMediaAttributes, RtcRoomError } from '@rtcroom/sdk';
import { recorder, roomName, useTestSystem } from './system';

const t = useTestSystem();
const client = t.client;
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: RtcRoomError) => e.code);

it('reports, asks to mute and forbids unmuting: the pusher is muted, an unmute refused until allowed', async () => {
  const ann = await client('ann');
  const bob = await client('bob');
  const roomId = (await ann.enterRoom(roomName('media'))).room.id;
  const joined = await bob.joinRoom({ roomId });
  expect(pusherMediaAttributes(joined.self.media)).toEqual({ muted: false, enableCamera: true });
  const annHears = recorder(ann, 'memberMedia');

  const camOff = await bob.setCamera(roomId, false);
  expect(camOff.media?.video).toMatchObject({ on: false, source: 'MEDIA_SOURCE_CLIENT' });
  const heard = await annHears.next((e) => e.member.identity === 'bob' && e.member.media?.video?.on === false);
  expect(heard).toMatchObject({ roomId, self: false, reason: 'MEDIA_CHANGE_REASON_REPORTED' });

  // Bob, not the owner, may not ask Ann.
  expect(await codeOf(bob.muteMember(roomId, 'ann', { audio: true }))).toBe('PERMISSION_DENIED');

  // Bob's page: <live-pusher muted="{{muted}}" enable-camera="{{enableCamera}}">.
  const page: { muted?: boolean; enableCamera?: boolean } = {};
  const stop = followMuteRequests(bob, roomId, (a) => Object.assign(page, a));
  const asked = recorder(bob, 'muteRequested');
  const bobHears = recorder(bob, 'memberMedia');
  await ann.muteMember(roomId, 'bob', { audio: true, forbidUnmute: true });
  expect(await asked.next()).toMatchObject({ roomId, audio: true, video: false, audioForbidden: true, by: 'ann' });
  expect(page).toEqual({ muted: true });
  // The glue reported the microphone off: the room sees the request met.
  await annHears.next((e) => e.member.identity === 'bob' && e.member.media?.audio?.on === false);
  await bobHears.next((e) => e.self && e.member.media?.audio?.on === false);
  expect(bob.members(roomId).find((m) => m.identity === 'bob')?.media?.audio).toMatchObject({ on: false, muteRequested: false, forbidden: true, moderatorIdentity: 'ann' });

  expect(await codeOf(bob.setMicrophone(roomId, true))).toBe('MEDIA_FORBIDDEN');
  await ann.allowUnmute(roomId, 'bob', { audio: true });
  expect((await bob.setMicrophone(roomId, true)).media?.audio).toMatchObject({ on: true, forbidden: false });
  stop();
});

it('an audio-only room: video starts off and the camera cannot be turned on', async () => {
  const ann = await client('ann');
  const joined = await ann.enterRoom(roomName('audio'), { createOptions: { audioOnly: true } });
  expect(joined.room.audioOnly).toBe(true);
  expect(pusherMediaAttributes(joined.self.media)).toEqual({ muted: false, enableCamera: false });
  expect(await codeOf(ann.setCamera(joined.room.id, true))).toBe('MEDIA_FORBIDDEN');
  expect((await ann.setMicrophone(joined.room.id, false)).media?.audio?.on).toBe(false);
});
