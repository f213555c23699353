// What the url-issuer needs to know about memberships to judge a media server's request: who owns
// a stream, and who is seated in a room. The room service answers (transport/room.client.ts).

export type MembershipState = 'joined' | 'publishing' | 'left';

export interface Membership {
  memberId: string;
  identity: string;
  roomId: string;
  streamId: string;
  state: MembershipState;
  /**
   * In the room now, in the audience. Its stream is not to be pushed, so a lookup by stream reads such
   * a member as 'left'; this says it is still there (TRTC lets it into the media room to receive).
   */
  inAudience?: boolean;
}

export interface RoomFacts {
  roomId: string;
  open: boolean;
  recording: boolean;
}

export interface MembershipWithRoom {
  member: Membership;
  room: RoomFacts;
}

export interface MemberDirectory {
  /** The membership (current or past) that owns the stream; null when none does. */
  byStream(streamId: string): Promise<MembershipWithRoom | null>;
  /** The member holding a seat in the room with that identity; null when nobody does. */
  seated(roomId: string, identity: string): Promise<MembershipWithRoom | null>;
}

export const isCurrent = (m: Membership): boolean => m.state === 'joined' || m.state === 'publishing';

/** The room's seated members (a TRTC media room is read beside them). */
export interface RoomSeats {
  seatedMembers(roomId: string): Promise<Membership[]>;
}
