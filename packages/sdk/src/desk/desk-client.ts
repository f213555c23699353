// The client's service-desk layer: a customer calls a team; an agent sets its state, reads its team
// and figures, hands a call on or invites someone into it. Desk calls are calls: their steps (a
// customer's place in line, an agent's offer and its withdrawal, an invitation) are told by
// calls/call-tracker.ts.
import { CallsClient } from '../calls/calls-client.js';
import type { Agent, Answer, Call, ClientKind, SettableAgentState, TeamStats } from '../protocol.js';
import type { JoinedRoom } from '../rooms/rooms-client.js';

export abstract class DeskClient extends CallsClient {
  /**
   * Calls a team of agents, as a customer: like placeCall, a seat in the call's room and its push URL.
   * Once your push began (pusher code 1002) the call is offered to an agent (callConnecting) or waits
   * in line (callQueued, told again as the line moves); callUpdated ACTIVE when an agent answers.
   * Give up with cancelCall. Errors: QUEUE_FULL, TEAM_CLOSED (no agent signed in).
   */
  async callTeam(team: string, options: { metadata?: string; kind?: ClientKind } = {}): Promise<{ call: Call; room: JoinedRoom }> {
    const answer = await this.transport.request('callTeam', { team, ...options }, { onAnswer: (a) => this.callPlaced(a) });
    return { call: this.callTracker.get(answer.call.id) ?? answer.call, room: this.joined(answer.room.id) };
  }

  /**
   * An agent sets its state in a team its token names (AVAILABLE, AWAY, SIGNED_OUT; not while ringing
   * or in a call). Offers come as incomingCall, accepted with answerCall, declined with rejectCall.
   */
  setAgentState(team: string, state: SettableAgentState): Promise<Agent> {
    return this.transport.request('setAgentState', { team, state }).then((a) => a.agent);
  }

  /** An agent reads its team: the agents with their states, and the calls waiting or ringing. */
  getTeam(team: string): Promise<Answer<'getTeam'>> {
    return this.transport.request('getTeam', { team });
  }

  /** An agent reads its team's figures over the last 24 hours. */
  getTeamStats(team: string): Promise<TeamStats> {
    return this.transport.request('getTeamStats', { team }).then((a) => a.stats);
  }

  /**
   * The agent holding a call hands it to another agent (who is offered it at once; AGENT_UNAVAILABLE
   * when it cannot take it) or to a team's queue. The customer stays; your seat ends (memberLeft,
   * LEAVE_REASON_TRANSFERRED) and the call is no longer yours.
   */
  transferCall(callId: string, to: { toIdentity: string } | { toTeam: string }): Promise<Call> {
    return this.transport.request('transferCall', { callId, ...to }, { onAnswer: this.track }).then((a) => a.call);
  }

  /** A party to a running desk call invites someone (who must be connected): they are told with callInvitation. */
  inviteToCall(callId: string, identity: string): Promise<Call> {
    return this.transport.request('inviteToCall', { callId, identity }, { onAnswer: this.track }).then((a) => a.call);
  }
}
