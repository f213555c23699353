// A call to a service-desk team, as a state machine on top of the 1:1 call (calls/domain/call.ts): the
// customer is the caller and keeps its seat throughout; the callee is the agent currently offered or
// holding the call. DIALING (the customer's push has not begun) -> QUEUED (waiting for an agent) ->
// RINGING (offered to one agent) -> ACTIVE (the agent took its seat) -> ENDED; an offer that lapses
// goes back to QUEUED, and a transfer moves an ACTIVE call back to QUEUED or RINGING. Nothing here
// knows of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common/errors';
import { addSeconds, Call, callLimits, end, notParty, requireNotEnded } from '../../calls/domain/call';

/** The customer's push must begin within this, or the call ends (timeout) before it is queued. */
export const pushBeginsWithinSeconds = 60;

export function newTeamCall(input: { id: string; roomId: string; customerIdentity: string; customerStreamId: string; teamId: string; metadata: string; now: Date }): Call {
  if (Buffer.byteLength(input.metadata) > callLimits.metadataMaxBytes) {
    throw new DomainError('INVALID_ARGUMENT', `metadata must be at most ${callLimits.metadataMaxBytes} bytes`, { field: 'metadata' });
  }
  return {
    id: input.id,
    roomId: input.roomId,
    callerIdentity: input.customerIdentity,
    calleeIdentity: '',
    state: 'dialing',
    endReason: null,
    endedBy: '',
    callerStreamId: input.customerStreamId,
    metadata: input.metadata,
    ringTimeoutSeconds: 0,
    createdAt: input.now,
    ringAt: null,
    answerAt: null,
    endAt: null,
    deadlineAt: addSeconds(input.now, pushBeginsWithinSeconds),
    teamId: input.teamId,
    queueAt: null,
    queuePosition: 0,
    estimatedWaitSeconds: 0,
    agentIdentities: [],
    invitedIdentities: [],
    declinedBy: [],
  };
}

/**
 * The customer's push began: the call joins the queue, in the order of arrival there, and may now be
 * offered (seed step 3). Null when nothing changes.
 */
export function customerStartedPushing(call: Call, now: Date): Call | null {
  if (call.state !== 'dialing') return null;
  return { ...call, state: 'queued', deadlineAt: null, queueAt: call.queueAt ?? now };
}

/** The router offers a queued call to an agent. */
export function offer(call: Call, agent: string, ringTimeoutSeconds: number, now: Date): Call {
  if (call.state !== 'queued') throw new DomainError('FAILED_PRECONDITION', 'only a queued call is offered', { state: call.state });
  return { ...call, state: 'ringing', calleeIdentity: agent, ringTimeoutSeconds, ringAt: now, deadlineAt: addSeconds(now, ringTimeoutSeconds), queuePosition: 0, estimatedWaitSeconds: 0 };
}

export type LapseCause = 'rejected' | 'timeout' | 'agent_gone';

/**
 * The offer to the ringing agent is gone: back to the queue. An agent who said no or let it ring out
 * is not offered this call again; one whose connection dropped is, when it returns.
 */
export function offerLapsed(call: Call, cause: LapseCause): Call | null {
  if (call.state !== 'ringing' || !call.calleeIdentity) return null;
  const declinedBy = cause === 'agent_gone' ? call.declinedBy : [...new Set([...call.declinedBy, call.calleeIdentity])];
  return { ...call, state: 'queued', calleeIdentity: '', deadlineAt: null, declinedBy };
}

/**
 * Whether the agents who declined this call may be offered it again: when nobody else can take it (the
 * router's check) and the last offer rang at least twice the ring timeout ago, so an agent who just
 * said no is not rung again at once, and a team of one does not leave the customer waiting forever.
 */
export function declinesLapsed(call: Call, now: Date): boolean {
  return call.ringAt !== null && now.getTime() - call.ringAt.getTime() >= 2 * call.ringTimeoutSeconds * 1000;
}

/** The ringing agent took its seat in the call's room. */
export function agentAnswered(call: Call, agent: string, now: Date): Call | null {
  if (call.state !== 'ringing' || call.calleeIdentity !== agent) return null;
  return { ...call, state: 'active', answerAt: call.answerAt ?? now, deadlineAt: null, agentIdentities: [...call.agentIdentities, agent] };
}

/**
 * The agent holding the call hands it on: straight to another agent (ringing it), or to a team's
 * queue, where it keeps the place of its first call.
 */
export function transfer(call: Call, by: string, to: { teamId: string; agent: string; ringTimeoutSeconds: number }, now: Date): Call {
  requireNotEnded(call);
  if (!call.teamId) throw new DomainError('FAILED_PRECONDITION', 'only a call to a team is transferred', { field: 'call_id' });
  if (call.state !== 'active' || by !== call.calleeIdentity) throw notParty(call, by, 'only the agent holding the call can transfer it');
  if (to.agent === by) throw new DomainError('INVALID_ARGUMENT', 'one cannot transfer a call to oneself', { field: 'to_identity' });
  const moved: Call = { ...call, teamId: to.teamId, calleeIdentity: '', state: 'queued', declinedBy: [], deadlineAt: null };
  return to.agent ? offer(moved, to.agent, to.ringTimeoutSeconds, now) : moved;
}

/** A party to the running call brings someone in; they accept with AnswerCall. */
export function invite(call: Call, by: string, invitee: string): Call {
  requireNotEnded(call);
  if (by !== call.callerIdentity && by !== call.calleeIdentity) throw notParty(call, by, 'only a party can invite');
  if (call.state !== 'active') throw new DomainError('FAILED_PRECONDITION', 'only a running call takes guests', { state: call.state });
  if (invitee === call.callerIdentity || invitee === call.calleeIdentity) throw new DomainError('INVALID_ARGUMENT', `${invitee} is already in the call`, { field: 'identity' });
  if (call.invitedIdentities.includes(invitee)) return call;
  if (call.invitedIdentities.length >= 4) throw new DomainError('ROOM_FULL', 'a call takes at most 4 guests', { field: 'identity' });
  return { ...call, invitedIdentities: [...call.invitedIdentities, invitee] };
}

/** The ringing agent let the offer ring out, or said no by hanging up. */
export function ringingAgentDeclines(call: Call, identity: string): Call {
  requireNotEnded(call);
  if (call.state !== 'ringing' || call.calleeIdentity !== identity) throw notParty(call, identity, 'the call is not ringing you');
  return offerLapsed(call, 'rejected')!;
}

/** A customer's call timed out before it was queued (its push never began). */
export function pushNeverBegan(call: Call, now: Date): Call | null {
  if (call.state !== 'dialing' || !call.deadlineAt || call.deadlineAt > now) return null;
  return end(call, 'timeout', '', now);
}

/**
 * Estimated wait for the call at `position` (1 = next): one average handling time per round of the
 * agents staffing the team, and never 0 for someone who does wait (a team whose calls take under half
 * a second would otherwise tell its queue "0 s").
 */
export function estimateWait(position: number, staffed: number, averageHandlingSeconds: number): number {
  if (position <= 0) return 0;
  return Math.max(1, Math.round(Math.ceil(position / Math.max(1, staffed)) * averageHandlingSeconds));
}

/** What an agent's state becomes as a call it was offered or held moves on. */
export type AgentOutcome = { identity: string; teamId: string; to: 'ringing' | 'in_call' | 'wrap_up' | 'back' | 'rejected' | 'away' };

/** The agents whose state follows a change of a team call from `before` to `after`. */
export function agentOutcomes(before: Call, after: Call, cause?: LapseCause): AgentOutcome[] {
  const out: AgentOutcome[] = [];
  const was = before.calleeIdentity;
  const now = after.calleeIdentity;
  if (was && before.teamId) {
    if (before.state === 'ringing' && !(after.state === 'ringing' && now === was)) {
      if (after.state === 'active' && now === was) out.push({ identity: was, teamId: before.teamId, to: 'in_call' });
      else out.push({ identity: was, teamId: before.teamId, to: cause === 'rejected' ? 'rejected' : cause === 'timeout' ? 'away' : 'back' });
    } else if (before.state === 'active' && (after.state === 'ended' || now !== was)) {
      out.push({ identity: was, teamId: before.teamId, to: 'wrap_up' });
    }
  }
  if (now && after.teamId && after.state === 'ringing' && !(before.state === 'ringing' && was === now)) {
    out.push({ identity: now, teamId: after.teamId, to: 'ringing' });
  }
  return out;
}
