// Room events -> notices for one viewer: a private message is told to its recipients and its sender;
// anyone else gets its seq alone.
import { roomEventv1, roomv1 } from '@rtcroom/proto';
import { noticeFor, noticeKey } from './room-notices';

const message = (recipients: string[]): roomEventv1.RoomEvent => ({
  id: 'e_msg_1',
  roomId: 'r_1',
  seq: 7,
  time: new Date(0),
  payload: {
    $case: 'messageSent',
    value: {
      toWebhooks: false,
      message: { id: 'msg_1', roomId: 'r_1', seq: 7, time: new Date(0), senderMemberId: 'm_a', senderIdentity: 'ann', recipients, body: { $case: 'text', value: 'psst' } },
    },
  },
});

describe('message notices', () => {
  it('a message to the room reaches everyone', () => {
    expect(noticeFor(message([]), 'zed')?.notice?.$case).toBe('message');
  });

  it('a private message reaches its recipients and its sender; the others get its seq, bare', () => {
    const event = message(['bob']);
    expect(noticeFor(event, 'bob')?.notice?.$case).toBe('message');
    expect(noticeFor(event, 'ann')?.notice?.$case).toBe('message');
    const other = noticeFor(event, 'cat');
    expect(other).toEqual({ roomId: 'r_1', seq: 7, time: new Date(0), notice: undefined });
    expect(JSON.stringify(other)).not.toContain('psst');
    // Frames are shared only between viewers who get the same notice.
    expect(noticeKey(event, 'bob')).toBe(true);
    expect(noticeKey(event, 'cat')).toBe(false);
  });
});

describe('audience notices', () => {
  const joined = (identity: string, role: roomv1.MemberRole): roomEventv1.RoomEvent => ({
    id: 'e_1',
    roomId: 'r_1',
    seq: 3,
    time: new Date(0),
    payload: { $case: 'memberJoined', value: { member: roomv1.Member.fromPartial({ identity, role, memberId: `m_${identity}` }), audienceCount: 4 } },
  });

  it("an audience member's arrival reaches the others as the audience's size only, the member itself as a join", () => {
    const event = joined('fan', roomv1.MemberRole.MEMBER_ROLE_AUDIENCE);
    expect(noticeFor(event, 'host')).toEqual({ roomId: 'r_1', seq: 3, time: new Date(0), notice: { $case: 'audience', value: { audienceCount: 4 } } });
    expect(JSON.stringify(noticeFor(event, 'host'))).not.toContain('fan');
    expect(noticeFor(event, 'fan')?.notice?.$case).toBe('memberJoined');
    expect(noticeKey(event, 'host')).toBe(true);
    expect(noticeKey(event, 'fan')).toBe(false);
  });

  it('a seated arrival is a join for everyone', () => {
    expect(noticeFor(joined('bob', roomv1.MemberRole.MEMBER_ROLE_SEAT), 'host')?.notice?.$case).toBe('memberJoined');
  });

  it("an audience member's media change (a mute asked before it takes a seat) reaches the others as its bare seq", () => {
    const media = (role: roomv1.MemberRole): roomEventv1.RoomEvent => ({
      id: 'e_2',
      roomId: 'r_1',
      seq: 4,
      time: new Date(0),
      payload: {
        $case: 'memberMediaChanged',
        value: { member: roomv1.Member.fromPartial({ identity: 'fan', role, memberId: 'm_fan' }), reason: roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_MUTE_REQUESTED },
      },
    });
    const event = media(roomv1.MemberRole.MEMBER_ROLE_AUDIENCE);
    expect(noticeFor(event, 'host')).toEqual({ roomId: 'r_1', seq: 4, time: new Date(0), notice: undefined });
    expect(noticeFor(event, 'fan')?.notice?.$case).toBe('memberMedia');
    expect(noticeKey(event, 'host')).toBe(true);
    expect(noticeFor(media(roomv1.MemberRole.MEMBER_ROLE_SEAT), 'host')?.notice?.$case).toBe('memberMedia');
  });
});
