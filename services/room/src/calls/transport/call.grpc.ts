// rtcroom.room.v1.CallService over gRPC.
import { bindService, CallerPolicy, DomainError, identityPattern, ServiceBinding } from '@rtcroom/common';
import { callServicev1 } from '@rtcroom/proto';
import { Calls, CallSeat } from '../application/calls';
import { checkAnswering, checkCalling, checkSelf } from '../domain/call-access';
import { actorFromProto, userActor } from '../../wire/principal.wire';
import { toProtoCall } from './call.wire';
import { streamsToPlay } from '../../rooms/domain/room';
import { clientKindFromProto, toProtoMember, toProtoRoom } from '../../rooms/transport/room.wire';

function identity(field: string, value: string): string {
  if (!identityPattern.test(value)) throw new DomainError('INVALID_ARGUMENT', `${field} must be 1-128 characters of A-Z a-z 0-9 _ . @ -`, { field });
  return value;
}

const seatToProto = (seat: Omit<CallSeat, 'call'>) => ({
  room: toProtoRoom(seat.room),
  member: toProtoMember(seat.member),
  members: seat.members.map(toProtoMember),
  pushUrl: seat.pushUrl ?? undefined,
  seq: seat.seq,
});

/** Who may call each method with mutual TLS: the gateway on behalf of its clients, and internal systems. */
export const callServiceCallers: CallerPolicy<typeof callServicev1.CallServiceService> = {
  placeCall: ['gateway', 'internal'],
  answerCall: ['gateway', 'internal'],
  cancelCall: ['gateway', 'internal'],
  hangUp: ['gateway', 'internal'],
  getCall: ['gateway', 'internal'],
  listCallsUnderWay: ['gateway', 'internal'],
};

export function callGrpcBinding(calls: Calls): ServiceBinding {
  return bindService(
    'rtcroom.room.v1.CallService',
    callServicev1.CallServiceService,
    {
      async placeCall(req, rpc) {
        checkCalling(userActor(req.principal, rpc), req.callerIdentity);
        const seat = await calls.place({
          callerIdentity: identity('caller_identity', req.callerIdentity),
          callerSessionId: req.callerSessionId,
          calleeIdentity: identity('callee_identity', req.calleeIdentity),
          callerDisplayName: req.callerDisplayName,
          recording: req.recording,
          metadata: req.metadata,
          ringTimeoutSeconds: req.ringTimeoutSeconds,
          callerKind: clientKindFromProto(req.callerKind, 'caller_kind'),
          scope: rpc,
        });
        const { members: _members, ...rest } = seatToProto(seat);
        return { call: toProtoCall(seat.call), ...rest };
      },
      async answerCall(req, rpc) {
        checkAnswering(userActor(req.principal, rpc), req.identity);
        const { call, seat } = await calls.answer(req.callId, identity('identity', req.identity), req.sessionId, req.accept, req.displayName, clientKindFromProto(req.kind), rpc);
        if (!seat) return { call: toProtoCall(call), room: undefined, member: undefined, members: [], pushUrl: undefined, seq: 0, playStreamIds: [], playUrls: [] };
        return { call: toProtoCall(call), ...seatToProto(seat), playStreamIds: streamsToPlay(seat.members, req.identity), playUrls: seat.playUrls ?? [] };
      },
      async cancelCall(req, rpc) {
        checkSelf(userActor(req.principal, rpc), req.identity, 'cancel a call');
        return { call: toProtoCall(await calls.cancel(req.callId, identity('identity', req.identity))) };
      },
      async hangUp(req, rpc) {
        checkSelf(userActor(req.principal, rpc), req.identity, 'hang up');
        return { call: toProtoCall(await calls.hangUp(req.callId, identity('identity', req.identity))) };
      },
      async getCall(req) {
        return { call: toProtoCall(await calls.get(req.callId, actorFromProto(req.principal))) };
      },
      async listCallsUnderWay(req, rpc) {
        checkSelf(userActor(req.principal, rpc), req.identity, 'list calls');
        return { calls: (await calls.underWay(identity('identity', req.identity))).map(toProtoCall) };
      },
    },
    'rtcroom.room',
    callServiceCallers,
  );
}
