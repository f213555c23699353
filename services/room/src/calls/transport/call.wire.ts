// Call domain objects <-> rtcroom.room.v1.Call.
import { callv1 } from '@rtcroom/proto';
import { Call, CallEndReason, CallState } from '../domain/call';

const C = callv1;
const stateToProto: Record<CallState, callv1.CallState> = {
  dialing: C.CallState.CALL_STATE_DIALING,
  queued: C.CallState.CALL_STATE_QUEUED,
  ringing: C.CallState.CALL_STATE_RINGING,
  active: C.CallState.CALL_STATE_ACTIVE,
  ended: C.CallState.CALL_STATE_ENDED,
};
const endReasonToProto: Record<CallEndReason, callv1.CallEndReason> = {
  cancelled: C.CallEndReason.CALL_END_REASON_CANCELLED,
  rejected: C.CallEndReason.CALL_END_REASON_REJECTED,
  timeout: C.CallEndReason.CALL_END_REASON_TIMEOUT,
  hung_up: C.CallEndReason.CALL_END_REASON_HUNG_UP,
  connection_lost: C.CallEndReason.CALL_END_REASON_CONNECTION_LOST,
  room_closed: C.CallEndReason.CALL_END_REASON_ROOM_CLOSED,
};

export function toProtoCall(c: Call): callv1.Call {
  return {
    id: c.id,
    roomId: c.roomId,
    callerIdentity: c.callerIdentity,
    calleeIdentity: c.calleeIdentity,
    state: stateToProto[c.state],
    endReason: c.endReason ? endReasonToProto[c.endReason] : C.CallEndReason.CALL_END_REASON_UNSPECIFIED,
    endedBy: c.endedBy,
    callerStreamId: c.callerStreamId,
    createTime: c.createdAt,
    ringTime: c.ringAt ?? undefined,
    answerTime: c.answerAt ?? undefined,
    endTime: c.endAt ?? undefined,
    metadata: c.metadata,
    teamId: c.teamId ?? '',
    queuePosition: c.queuePosition,
    estimatedWaitSeconds: c.estimatedWaitSeconds,
    agentIdentities: c.agentIdentities,
    invitedIdentities: c.invitedIdentities,
    queueTime: c.queueAt ?? undefined,
  };
}
