// Call events: one copy per party on rtcroom.user.<identity>.call, written to the outbox with the
// change that caused them (seq null: they are not numbered in the room). The callee gets none while
// the call is still dialing (seed step 3: only once the caller's push began). Those invited into the
// call get copies too, and so does an agent whose offer is gone (it is no longer the callee).
import { activeTraceparent, newId, subjects } from '@rtcroom/common';
import { callv1, encodeMessage } from '@rtcroom/proto';
import { Call } from '../domain/call';
import { toProtoCall } from './call.wire';
import { OutboxRow } from '../../outbox/outbox-row';

export function encodeCallEvents(call: Call, time: Date, alsoTo: string[] = []): OutboxRow[] {
  const parties = call.ringAt ? [call.callerIdentity, call.calleeIdentity] : [call.callerIdentity];
  const recipients = [...new Set([...parties, ...call.invitedIdentities, ...alsoTo])].filter(Boolean);
  const proto = toProtoCall(call);
  const traceparent = activeTraceparent();
  return recipients.map((identity) => {
    const id = newId('e');
    const payload = encodeMessage(callv1.CallEvent, { id, recipientIdentity: identity, call: proto, time, whisperIdentity: '', whisperStreamId: '', whisperMemberId: '' });
    return { id, roomId: call.roomId, seq: null, subject: subjects.userCall(identity), payload, time, traceparent };
  });
}

/** A supervisor whispers: one copy, to the agent alone (the customer's copies never carry it). */
export function encodeWhisper(call: Call, agent: string, supervisor: string, stream: { streamId: string; memberId: string }, time: Date): OutboxRow[] {
  const id = newId('e');
  const payload = encodeMessage(callv1.CallEvent, {
    id,
    recipientIdentity: agent,
    call: toProtoCall(call),
    time,
    whisperIdentity: supervisor,
    whisperStreamId: stream.streamId,
    whisperMemberId: stream.memberId,
  });
  return [{ id, roomId: call.roomId, seq: null, subject: subjects.userCall(agent), payload, time, traceparent: activeTraceparent() }];
}
