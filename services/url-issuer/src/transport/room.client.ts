// The room service, reached over gRPC (GetMember), as the url-issuer's MemberDirectory.
import { createClient, GrpcMetrics, InProcessHub, DomainError, GrpcTlsConfig, isDomainError, RequestOf } from '@rtcroom/common';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import type { MemberDirectory, Membership, MembershipState, MembershipWithRoom, RoomSeats } from '../domain/member-directory';

const states: Partial<Record<roomv1.MemberState, MembershipState>> = {
  [roomv1.MemberState.MEMBER_STATE_JOINED]: 'joined',
  [roomv1.MemberState.MEMBER_STATE_PUBLISHING]: 'publishing',
  [roomv1.MemberState.MEMBER_STATE_LEFT]: 'left',
};

/** `pushing`: read for its stream (publish checks, media facts): an audience member's stream is not to be pushed, so it counts as gone. */
function fromMember(member: roomv1.Member, pushing = false): Membership {
  // An unknown state is treated as gone: never let a stream through on a guess.
  const audience = member.role === roomv1.MemberRole.MEMBER_ROLE_AUDIENCE;
  const actual = states[member.state] ?? 'left';
  const state = pushing && audience ? 'left' : actual;
  return { memberId: member.memberId, identity: member.identity, roomId: member.roomId, streamId: member.streamId, state, inAudience: audience && actual !== 'left' };
}

function toMembership(res: roomServicev1.GetMemberResponse, pushing: boolean): MembershipWithRoom {
  const { member, room } = res;
  if (!member || !room) throw new DomainError('INTERNAL', 'GetMember answered without a member or room');
  return {
    member: fromMember(member, pushing),
    room: { roomId: room.id, open: room.state === roomv1.RoomState.ROOM_STATE_OPEN, recording: room.recording },
  };
}

export function grpcMemberDirectory(address: string, timeoutMs = 3000, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): MemberDirectory & RoomSeats & { close(): void } {
  const client = createClient(roomServicev1.RoomServiceService, address, timeoutMs, { tls, metrics, inproc });
  const find = async (request: RequestOf<roomServicev1.GetMemberRequest>): Promise<MembershipWithRoom | null> => {
    try {
      return toMembership(await client.getMember(request), request.streamId !== '');
    } catch (err) {
      // NOT_A_MEMBER: no such membership. INVALID_ARGUMENT: an id that cannot be one.
      if (isDomainError(err, 'NOT_A_MEMBER') || isDomainError(err, 'INVALID_ARGUMENT')) return null;
      throw err;
    }
  };
  return {
    byStream: (streamId) => find({ streamId, roomId: '', identity: '' }),
    seated: (roomId, identity) => find({ streamId: '', roomId, identity }),
    seatedMembers: async (roomId) => {
      try {
        // Only seats push; audience members in the media room are listed as users without a seat.
        return (await client.listMembers({ roomId })).members.filter((m) => m.role !== roomv1.MemberRole.MEMBER_ROLE_AUDIENCE).map((m) => fromMember(m));
      } catch (err) {
        if (isDomainError(err, 'ROOM_NOT_FOUND') || isDomainError(err, 'INVALID_ARGUMENT')) return [];
        throw err;
      }
    },
    close: () => client.close(),
  };
}
