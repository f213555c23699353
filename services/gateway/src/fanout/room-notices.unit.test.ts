// Room events -> notices for one viewer: a private message is told to its recipients and its sender;
// anyone else gets its seq alone.
import { roomEventv1 } from '@rtcroom/proto';
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
