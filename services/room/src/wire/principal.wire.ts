// The principal a request carries (rtcroom.auth.v1.Principal) -> the domain's actor.
import { CallContext, callerOf, DomainError, identityPattern } from '@rtcroom/common';
import { authv1 } from '@rtcroom/proto';
import { Actor } from '../rooms/domain/room-access';

/** Absent: the operator (null). A principal's grants default to none. */
export function actorFromProto(principal: authv1.Principal | undefined): Actor {
  if (!principal) return null;
  if (!identityPattern.test(principal.identity)) {
    throw new DomainError('INVALID_ARGUMENT', 'principal.identity must be 1-128 characters of A-Z a-z 0-9 _ . @ -', { field: 'principal.identity' });
  }
  const g = principal.grants;
  return {
    identity: principal.identity,
    grants: {
      roomCreate: g?.roomCreate ?? false,
      roomJoin: g?.roomJoin ?? false,
      room: g?.room || undefined,
      roomList: g?.roomList ?? false,
      roomAdmin: g?.roomAdmin ?? false,
      agentTeams: g?.agentTeams ?? [],
      supervisorTeams: g?.supervisorTeams ?? [],
      // Absent stays absent: maySend reads it as room_join (tokens from before room messages).
      ...(g?.roomMessage !== undefined ? { roomMessage: g.roomMessage } : {}),
      ...(g?.audienceOnly ? { audienceOnly: true } : {}),
    },
  };
}

/**
 * The actor of a request a user makes through the gateway: the gateway acts only for its clients, so
 * a request from it without a principal is refused rather than run as the operator's (a gateway that
 * forgot to say whom it acts for must not get every right). Reads the gateway makes for itself (its
 * fan-out catching up, a resume) use actorFromProto.
 */
export function userActor(principal: authv1.Principal | undefined, call: CallContext): Actor {
  if (!principal && callerOf(call).role === 'gateway') {
    throw new DomainError('PERMISSION_DENIED', 'a request from the gateway must carry the principal it acts for', { field: 'principal' });
  }
  return actorFromProto(principal);
}
