// Media state in the client against a scripted gateway: memberMedia events and the room's view follow
// the notices; a mute request aimed at you is muteRequested (not one aimed at someone else), and
// followMuteRequests sets the pusher's attributes and reports the track off.
import { connectedClient, lastRequest, member, until } from '../../test/fake-gateway';
import { followMuteRequests, pusherMediaAttributes } from './live-glue';

const track = (on: boolean, extra: object = {}) => ({ on, source: 'MEDIA_SOURCE_CLIENT', muteRequested: false, forbidden: false, moderatorIdentity: '', ...extra });

it('tells memberMedia, and turns a mute request aimed at you into muteRequested, applied to the pusher and reported', async () => {
  const { client, socket } = await connectedClient();
  const joining = client.joinRoom({ roomId: 'r_1' });
  await until(() => !!lastRequest(socket, 'joinRoom'));
  const alice = { ...member('m_a', 'alice'), media: { audio: track(true), video: track(true) } };
  socket.push({ requestId: lastRequest(socket, 'joinRoom')!.requestId, joinRoom: { room: { id: 'r_1', maxMembers: 6 }, member: alice, members: [alice, member('m_b', 'bob')], pushUrl: { url: 'rtmp://x', streamId: 'st_m_a' }, seq: 3 } });
  const joined = await joining;
  expect(pusherMediaAttributes(joined.self.media)).toEqual({ muted: false, enableCamera: true });

  const media: string[] = [];
  client.on('memberMedia', (e) => media.push(`${e.member.identity}:${e.reason}:${e.self}`));
  const asked: unknown[] = [];
  client.on('muteRequested', (e) => asked.push(e));
  const pusher: Record<string, boolean> = {};
  const stop = followMuteRequests(client, 'r_1', (a) => Object.assign(pusher, a));

  // Bob asked to mute: told, but not yours to apply.
  socket.push({ notice: { roomId: 'r_1', seq: 4, memberMedia: { member: { ...member('m_b', 'bob'), media: { audio: track(true, { muteRequested: true }), video: track(true) } }, reason: 'MEDIA_CHANGE_REASON_MUTE_REQUESTED' } } });
  // You asked to mute your camera, and forbidden to turn it on.
  socket.push({ notice: { roomId: 'r_1', seq: 5, memberMedia: { member: { ...alice, media: { audio: track(true), video: track(true, { muteRequested: true, forbidden: true, moderatorIdentity: 'olga' }) } }, reason: 'MEDIA_CHANGE_REASON_MUTE_REQUESTED' } } });
  await until(() => media.length === 2);
  expect(media).toEqual(['bob:MEDIA_CHANGE_REASON_MUTE_REQUESTED:false', 'alice:MEDIA_CHANGE_REASON_MUTE_REQUESTED:true']);
  expect(asked).toEqual([{ roomId: 'r_1', audio: false, video: true, audioForbidden: false, videoForbidden: true, by: 'olga' }]);
  expect(pusher).toEqual({ enableCamera: false });
  await until(() => !!lastRequest(socket, 'setMediaState'));
  expect(lastRequest(socket, 'setMediaState')!.setMediaState).toEqual({ roomId: 'r_1', video: false });
  expect(client.members('r_1').find((m) => m.identity === 'bob')?.media?.audio?.muteRequested).toBe(true);
  stop();
  await client.close();
});
