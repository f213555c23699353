// The 1:1 call of the seed's seven steps, as a state machine. Nothing here knows of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common/errors';

export type CallState = 'dialing' | 'queued' | 'ringing' | 'active' | 'ended';
export type CallEndReason = 'cancelled' | 'rejected' | 'timeout' | 'hung_up' | 'connection_lost' | 'room_closed';

export interface Call {
  id: string;
  roomId: string;
  callerIdentity: string;
  calleeIdentity: string;
  state: CallState;
  endReason: CallEndReason | null;
  endedBy: string;
  callerStreamId: string;
  metadata: string;
  ringTimeoutSeconds: number;
  createdAt: Date;
  ringAt: Date | null;
  answerAt: Date | null;
  endAt: Date | null;
  /** When a dialing or ringing call times out. */
  deadlineAt: Date | null;
  /** Service desk (desk/domain/desk-call.ts): the team called; null for a call between two identities. */
  teamId: string | null;
  /** When the call began to wait for an agent: its place in the team's queue. */
  queueAt: Date | null;
  queuePosition: number;
  estimatedWaitSeconds: number;
  /** Agents who have held the call, in order. */
  agentIdentities: string[];
  /** Invited into the running call by a party. */
  invitedIdentities: string[];
  /** Agents who rejected the call or let it ring out: offered it again only when nobody else can take it, a while later (declinesLapsed). */
  declinedBy: string[];
}

export const callLimits = { metadataMaxBytes: 1024, maxRingTimeoutSeconds: 300 };

export function newCall(input: {
  id: string;
  roomId: string;
  callerIdentity: string;
  calleeIdentity: string;
  callerStreamId: string;
  metadata: string;
  ringTimeoutSeconds: number;
  now: Date;
}): Call {
  if (input.callerIdentity === input.calleeIdentity) throw new DomainError('INVALID_ARGUMENT', 'one cannot call oneself', { field: 'callee_identity' });
  if (Buffer.byteLength(input.metadata) > callLimits.metadataMaxBytes) {
    throw new DomainError('INVALID_ARGUMENT', `metadata must be at most ${callLimits.metadataMaxBytes} bytes`, { field: 'metadata' });
  }
  if (input.ringTimeoutSeconds < 1 || input.ringTimeoutSeconds > callLimits.maxRingTimeoutSeconds) {
    throw new DomainError('INVALID_ARGUMENT', `ring_timeout_seconds must be 1-${callLimits.maxRingTimeoutSeconds}`, { field: 'ring_timeout_seconds' });
  }
  return {
    ...input,
    state: 'dialing',
    endReason: null,
    endedBy: '',
    createdAt: input.now,
    ringAt: null,
    answerAt: null,
    endAt: null,
    // The caller's push must begin within the ring timeout too, or the call times out.
    deadlineAt: addSeconds(input.now, input.ringTimeoutSeconds),
    teamId: null,
    queueAt: null,
    queuePosition: 0,
    estimatedWaitSeconds: 0,
    agentIdentities: [],
    invitedIdentities: [],
    declinedBy: [],
  };
}

/** Step 3: the caller's push began, so the callee may now be told. Null when nothing changes. */
export function callerStartedPushing(call: Call, now: Date): Call | null {
  if (call.state !== 'dialing') return null;
  return { ...call, state: 'ringing', ringAt: now, deadlineAt: addSeconds(now, call.ringTimeoutSeconds) };
}

/** Steps 4-6: the callee accepts or rejects. */
export function answer(call: Call, identity: string, accept: boolean, now: Date): Call {
  if (identity !== call.calleeIdentity) throw notParty(call, identity, 'only the callee can answer');
  requireNotEnded(call);
  if (call.state !== 'ringing') throw new DomainError('FAILED_PRECONDITION', 'the call is not ringing yet', { state: call.state });
  return accept ? { ...call, state: 'active', answerAt: now, deadlineAt: null } : end(call, 'rejected', identity, now);
}

export function cancel(call: Call, identity: string, now: Date): Call {
  if (identity !== call.callerIdentity) throw notParty(call, identity, 'only the caller can cancel');
  requireNotEnded(call);
  if (call.state === 'active') throw new DomainError('FAILED_PRECONDITION', 'the call was answered: hang up instead', { state: call.state });
  // A customer giving up on a team leaves the agent rung meanwhile as it was (see desk-call.ts).
  return end(call, 'cancelled', identity, now);
}

export function hangUp(call: Call, identity: string, now: Date): Call {
  if (identity !== call.callerIdentity && identity !== call.calleeIdentity) throw notParty(call, identity, 'only a party can hang up');
  requireNotEnded(call);
  return end(call, call.state === 'active' ? 'hung_up' : identity === call.callerIdentity ? 'cancelled' : 'rejected', identity, now);
}

/** A call whose deadline has passed times out. Null when it has not. */
export function expire(call: Call, now: Date): Call | null {
  if (call.state === 'ended' || !call.deadlineAt || call.deadlineAt > now) return null;
  return end(call, 'timeout', '', now);
}

/** A party's seat in the call's room ended for another reason: the call ends with it. */
export function partyGone(call: Call, identity: string, why: 'connection_lost' | 'left' | 'room_closed', now: Date): Call | null {
  if (call.state === 'ended') return null;
  const reason: CallEndReason = why === 'connection_lost' ? 'connection_lost' : why === 'room_closed' ? 'room_closed' : call.state === 'active' ? 'hung_up' : 'cancelled';
  return end(call, reason, why === 'room_closed' ? '' : identity, now);
}

export function isLive(call: Call): boolean {
  return call.state !== 'ended';
}

export function end(call: Call, reason: CallEndReason, by: string, now: Date): Call {
  return { ...call, state: 'ended', endReason: reason, endedBy: by, endAt: now, deadlineAt: null };
}

export function requireNotEnded(call: Call): void {
  if (call.state === 'ended') throw new DomainError('CALL_ENDED', `call ${call.id} has ended`, { end_reason: call.endReason ?? '' });
}

export function notParty(call: Call, identity: string, why: string): DomainError {
  return new DomainError('NOT_A_PARTY', `${identity} cannot do that to call ${call.id}: ${why}`);
}

export function addSeconds(d: Date, s: number): Date {
  return new Date(d.getTime() + s * 1000);
}
