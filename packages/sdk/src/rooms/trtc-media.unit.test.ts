import type { RtcRoomClient } from '../client.js';
import type { Member } from '../protocol.js';
import type { RoomSnapshot } from './room-view.js';
import { TrtcRoomMedia, trtcUserList } from './trtc-media.js';

const member = (memberId: string, identity: string, streamId: string): Member => ({ memberId, identity, streamId, displayName: identity.toUpperCase() }) as Member;
const me = member('m_me', 'me', 't_me');
const alice = member('m_alice', 'alice', 't_alice');
const bob = member('m_bob', 'bob', 't_bob');

function fakeClient(members: Member[], view: Partial<RoomSnapshot> = {}) {
  const state = { members, diagnosed: [] as unknown[], reported: [] as number[] };
  const client = {
    room: () => ({ self: me, members: state.members, room: {}, playUrls: {}, seq: 1, ...view }) as unknown as RoomSnapshot,
    diagnose: (_kind: string, event: unknown) => state.diagnosed.push(event),
    reportPusherEvent: async (_roomId: string, code: number) => (state.reported.push(code), 'NONE'),
  } as unknown as RtcRoomClient;
  return { client, state };
}

const pusher = (code: number, userlist: object[]) => ({ detail: { code, message: JSON.stringify({ userlist }) } });
const playurl = (userid: string) => `room://rtc.tencent.com?userid=${userid}&streamtype=main`;

describe('TrtcRoomMedia', () => {
  it("shows every seated member but you, with TRTC's play URL and media state once TRTC tells them", async () => {
    const { client, state } = fakeClient([me, alice, bob]);
    const media = new TrtcRoomMedia(client, 'r_1');
    expect(media.players().map((p) => [p.identity, p.inMediaRoom, p.playUrl])).toEqual([['alice', false, ''], ['bob', false, '']]);

    await media.handlePusherStateChange(pusher(1031, [{ userid: 't_alice' }]));
    await media.handlePusherStateChange(pusher(1033, [{ userid: 't_alice', playurl: playurl('t_alice'), streamtype: 'main', hasvideo: true }]));
    await media.handlePusherStateChange(pusher(1034, [{ userid: 't_alice', playurl: playurl('t_alice'), hasaudio: 1 }]));
    expect(media.players()[0]).toEqual({ memberId: 'm_alice', identity: 'alice', displayName: 'ALICE', userId: 't_alice', playUrl: playurl('t_alice'), inMediaRoom: true, video: true, audio: true });
    expect(state.diagnosed).toHaveLength(3);

    await media.handlePusherStateChange(pusher(1033, [{ userid: 't_alice', hasvideo: false }]));
    expect(media.players()[0]).toMatchObject({ video: false, audio: true });
    await media.handlePusherStateChange(pusher(1032, [{ userid: 't_alice' }]));
    expect(media.players()[0]).toMatchObject({ inMediaRoom: false, playUrl: '', audio: false });
  });

  it("keeps to rtcroom's view: a TRTC user without a seat is not shown, a member who left goes at once", async () => {
    const { client, state } = fakeClient([me, alice]);
    const media = new TrtcRoomMedia(client, 'r_1');
    await media.handlePusherStateChange(pusher(1033, [{ userid: 't_stranger', playurl: playurl('t_stranger'), hasvideo: true }, { userid: 't_alice', playurl: playurl('t_alice'), hasvideo: true }]));
    expect(media.players().map((p) => p.userId)).toEqual(['t_alice']);
    state.members = [me];
    expect(media.players()).toEqual([]);
  });

  it('gives the pusher your push URL on a seat, your entry URL in the audience, and does not report an audience pusher', async () => {
    const seated = fakeClient([me, alice], { pushUrl: { url: 'room://cloud.tencent.com/rtc?userid=t_me' } as RoomSnapshot['pushUrl'] });
    const seat = new TrtcRoomMedia(seated.client, 'r_1');
    expect(seat.pusher()).toEqual({ url: 'room://cloud.tencent.com/rtc?userid=t_me', audience: false });
    await seat.handlePusherStateChange({ detail: { code: 1002 } });
    expect(seated.state.reported).toEqual([1002]);

    const viewer = { ...me, role: 'MEMBER_ROLE_AUDIENCE' } as Member;
    const watching = fakeClient([viewer, alice], { self: viewer, entryUrl: { url: 'room://cloud.tencent.com/rtc?userid=t_me&role=audience' } as RoomSnapshot['entryUrl'] });
    const audience = new TrtcRoomMedia(watching.client, 'r_1');
    expect(audience.pusher()).toEqual({ url: 'room://cloud.tencent.com/rtc?userid=t_me&role=audience', audience: true });
    await audience.handlePusherStateChange({ detail: { code: 1002 } });
    expect(watching.state.reported).toEqual([]);
    expect(watching.state.diagnosed).toHaveLength(1);
    // The seats play as for a seat.
    await audience.handlePusherStateChange(pusher(1033, [{ userid: 't_alice', playurl: playurl('t_alice'), hasvideo: true }]));
    expect(audience.players()).toEqual([expect.objectContaining({ identity: 'alice', playUrl: playurl('t_alice'), video: true })]);
  });

  it('reads a userlist given as text or as an object, and nothing from junk', () => {
    expect(trtcUserList({ detail: { code: 1031, message: '{"userlist":[{"userid":"t_a"}]}' } })).toEqual([{ userid: 't_a' }]);
    expect(trtcUserList({ detail: { code: 1031, message: { userlist: [{ userid: 't_a' }, { nope: 1 }] } as unknown as string } })).toEqual([{ userid: 't_a' }]);
    expect(trtcUserList({ detail: { code: 1031, message: 'not json' } })).toEqual([]);
  });
});
