// The audit trail of supervision: one CallSupervised row per monitoring, whisper or barge-in, written
// to the outbox with seq null on the supervisor's own user subject (…call.supervised). No gateway
// delivers that subject and the room's numbered events never hold it, so the call's parties cannot
// see it; the webhook dispatcher sends it to endpoints as "call.supervised".
import { activeTraceparent, newId, subjects } from '@rtcroom/common';
import { encodeMessage, roomEventv1 } from '@rtcroom/proto';
import { Call } from '../../calls/domain/call';
import { OutboxRow } from '../../outbox/outbox-row';

export type SupervisionMode = 'monitor' | 'whisper' | 'barge_in';

const M = roomEventv1.SupervisionMode;
const modeToProto: Record<SupervisionMode, roomEventv1.SupervisionMode> = {
  monitor: M.SUPERVISION_MODE_MONITOR,
  whisper: M.SUPERVISION_MODE_WHISPER,
  barge_in: M.SUPERVISION_MODE_BARGE_IN,
};

/** The subject suffix the webhook dispatcher picks these rows out by. */
export const supervisedTopic = 'call.supervised';

export function encodeSupervised(call: Call, supervisor: string, mode: SupervisionMode, time: Date): OutboxRow {
  const id = newId('e');
  const payload = encodeMessage(roomEventv1.RoomEvent, {
    id,
    roomId: call.roomId,
    seq: 0,
    time,
    payload: {
      $case: 'callSupervised',
      value: { callId: call.id, teamId: call.teamId ?? '', supervisorIdentity: supervisor, mode: modeToProto[mode], agentIdentity: call.calleeIdentity, customerIdentity: call.callerIdentity },
    },
  });
  return { id, roomId: call.roomId, seq: null, subject: `${subjects.userCall(supervisor)}.supervised`, payload, time, traceparent: activeTraceparent() };
}
