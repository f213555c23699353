// A TRTC media room beside the rtcroom room's seats: each seated member with what TRTC said of its
// user (never entered, in, left; camera and microphone), then the users TRTC reported without a seat.
import type { RoomSeats } from '../domain/member-directory';
import { MediaRoomUserState, unseenUser } from '../domain/trtc-callback';
import type { TrtcRoster } from './trtc-callbacks';

export type MediaRoomPresence = 'never_entered' | 'entered' | 'left';

export interface MediaRoomUserView {
  userId: string;
  memberId: string;
  identity: string;
  seated: boolean;
  presence: MediaRoomPresence;
  video: boolean;
  audio: boolean;
  enteredAt: Date | null;
  leftAt: Date | null;
}

const presenceOf = (s: MediaRoomUserState): MediaRoomPresence => (s.entered ? 'entered' : s.leftAt ? 'left' : 'never_entered');

export async function viewMediaRoom(roomId: string, roster: Pick<TrtcRoster, 'list'>, seats: RoomSeats): Promise<MediaRoomUserView[]> {
  const [rows, seated] = await Promise.all([roster.list(roomId), seats.seatedMembers(roomId)]);
  const byUser = new Map(rows.map((r) => [r.userId, r]));
  const view = (userId: string, memberId: string, identity: string, isSeated: boolean, s: MediaRoomUserState): MediaRoomUserView => ({
    userId,
    memberId,
    identity,
    seated: isSeated,
    presence: presenceOf(s),
    video: s.entered && s.video,
    audio: s.entered && s.audio,
    enteredAt: s.enteredAt,
    leftAt: s.leftAt,
  });
  const members = seated.map((m) => {
    const row = byUser.get(m.streamId);
    byUser.delete(m.streamId);
    return row ? view(m.streamId, m.memberId, m.identity, true, row.state) : view(m.streamId, m.memberId, m.identity, true, unseenUser);
  });
  // Users TRTC reported who hold no seat now: a past member's user id, or one rtcroom never issued.
  const others = [...byUser.values()].filter((r) => r.state.presenceMs > 0).map((r) => view(r.userId, r.memberId, r.identity, false, r.state));
  return [...members, ...others];
}
