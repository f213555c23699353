// The SDK's audiences against the real system: join as audience (no push URL, the play URLs of those
// publishing), seated members told only the audience's size, "连麦" - ask, invite, take the seat
// with a push URL, be played by the others - and back to the audience; a token that joins only as
// audience is refused a seat.
import { createClient, defaultGrants } from '@rtcroom/common';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { RtcRoomError } from '@rtcroom/sdk';
import { recorder, roomName, useTestSystem } from './system';

const t = useTestSystem();
const client = t.client;

it('joins the audience, asks for a seat, is invited, takes it, is played, and goes back', async () => {
  const host = await client('host');
  const fan = await client('fan');
  const joined = await host.enterRoom(roomName('live'), { createOptions: { maxMembers: 2, maxAudience: 5 } });
  const roomId = joined.room.id;
  await host.reportPusherEvent(roomId, 1002);
  const hostAudience = recorder(host, 'audience');
  const hostJoins = recorder(host, 'memberJoined');

  // In the audience: no push URL, the host's stream to play, and the host told only the audience's size.
  const watching = await fan.joinRoom({ roomId, as: 'audience' });
  expect(watching.pushUrl).toBeUndefined();
  expect(watching.self.role).toBe('MEMBER_ROLE_AUDIENCE');
  expect(watching.room).toMatchObject({ maxAudience: 5, audienceCount: 1, memberCount: 1 });
  expect(Object.values(watching.playUrls).map((u) => u.streamId)).toEqual([joined.self.streamId]);
  expect((await hostAudience.next()).audienceCount).toBe(1);
  expect(hostJoins.seen).toEqual([]);
  expect(host.room(roomId)!.members.map((m) => m.identity)).toEqual(['host']);
  expect(host.room(roomId)!.room.audienceCount).toBe(1);
  const listed = await host.getRoom(roomId);
  expect(listed.members.map((m) => [m.identity, m.role])).toEqual([
    ['host', 'MEMBER_ROLE_SEAT'],
    ['fan', 'MEMBER_ROLE_AUDIENCE'],
  ]);

  // 连麦: the fan asks, the host invites, the fan takes the seat.
  const hostRequests = recorder(host, 'seatRequest');
  const fanRequests = recorder(fan, 'seatRequest');
  const asked = await fan.takeSeat(roomId);
  expect(asked).toMatchObject({ pending: true, pushUrl: undefined });
  expect(await hostRequests.next()).toMatchObject({ invited: false, self: false, member: { identity: 'fan' } });
  await host.inviteToSeat(roomId, 'fan');
  expect(await fanRequests.next((e) => e.invited)).toMatchObject({ self: true, byIdentity: 'host' });
  const hostRoles = recorder(host, 'memberRole');
  const fanPushUrls = recorder(fan, 'pushUrl');
  const taken = await fan.takeSeat(roomId);
  expect(taken.pending).toBe(false);
  expect(taken.pushUrl?.streamId).toBe(watching.self.streamId);
  expect((await fanPushUrls.next()).pushUrl.url).toBe(taken.pushUrl!.url);
  expect(fan.room(roomId)!.pushUrl?.url).toBe(taken.pushUrl!.url);
  const promoted = await hostRoles.next();
  expect(promoted).toMatchObject({ previousRole: 'MEMBER_ROLE_AUDIENCE', byIdentity: 'fan', audienceCount: 0, member: { identity: 'fan', role: 'MEMBER_ROLE_SEAT' } });
  expect(host.room(roomId)!.members.map((m) => m.identity)).toEqual(['host', 'fan']);
  expect(host.room(roomId)!.room).toMatchObject({ memberCount: 2, audienceCount: 0 });

  // Pushing now: the host gets its play URL.
  const hostStreams = recorder(host, 'streamReady');
  await fan.reportPusherEvent(roomId, 1002);
  expect((await hostStreams.next((e) => e.member.identity === 'fan')).playUrl?.streamId).toBe(watching.self.streamId);

  // Back to the audience, by the host: the fan's push URL is gone, the host no longer lists it.
  const fanRoles = recorder(fan, 'memberRole');
  await host.moveToAudience(roomId, 'fan');
  expect(await fanRoles.next()).toMatchObject({ self: true, byIdentity: 'host', member: { role: 'MEMBER_ROLE_AUDIENCE' } });
  await hostRoles.next((e) => e.member.role === 'MEMBER_ROLE_AUDIENCE');
  expect(host.room(roomId)!.members.map((m) => m.identity)).toEqual(['host']);
  expect(host.room(roomId)!.playUrls).toEqual({});
  expect(fan.room(roomId)!.self.role).toBe('MEMBER_ROLE_AUDIENCE');
  expect(fan.room(roomId)!.pushUrl).toBeUndefined();

  // Leaving the audience is told as its size again.
  await fan.leaveRoom(roomId);
  await hostAudience.next((e) => e.audienceCount === 0);
});

it('refuses a seat to a token that joins only as audience, and a full audience', async () => {
  const host = await client('host2');
  const roomId = (await host.enterRoom(roomName('watch'), { createOptions: { maxAudience: 1 } })).room.id;
  const only = await client('watcher', { ...defaultGrants, audienceOnly: true });
  const refused = await only.joinRoom({ roomId }).catch((e: RtcRoomError) => e);
  expect((refused as RtcRoomError).code).toBe('PERMISSION_DENIED');
  await only.joinRoom({ roomId, as: 'audience' });
  const seat = await only.takeSeat(roomId).catch((e: RtcRoomError) => e);
  expect((seat as RtcRoomError).code).toBe('PERMISSION_DENIED');
  const late = await client('late');
  const full = await late.joinRoom({ roomId, as: 'audience' }).catch((e: RtcRoomError) => e);
  expect((full as RtcRoomError).code).toBe('AUDIENCE_FULL');
});

it('a member seated by an internal system gets its push URL with refreshPushUrl', async () => {
  const host = await client('host4');
  const fan = await client('fan4');
  const roomId = (await host.enterRoom(roomName('ops'))).room.id;
  const watching = await fan.joinRoom({ roomId, as: 'audience' });
  const fanRoles = recorder(fan, 'memberRole');
  const rooms = createClient(roomServicev1.RoomServiceService, t.system.roomGrpcAddress);
  try {
    const promoted = await rooms.setMemberRole({ roomId, identity: 'fan4', role: roomv1.MemberRole.MEMBER_ROLE_SEAT });
    expect(promoted).toMatchObject({ pending: false, member: { role: roomv1.MemberRole.MEMBER_ROLE_SEAT } });
  } finally {
    rooms.close();
  }
  expect(await fanRoles.next()).toMatchObject({ self: true, member: { role: 'MEMBER_ROLE_SEAT' } });
  const pushUrl = await fan.refreshPushUrl(roomId);
  expect(pushUrl.streamId).toBe(watching.self.streamId);
  expect(fan.room(roomId)!.pushUrl?.url).toBe(pushUrl.url);
});
