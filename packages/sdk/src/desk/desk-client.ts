// The client's service-desk layer: a customer calls a team; an agent sets its state, reads its team
// and figures, hands a call on or invites someone into it; a supervisor lists its teams' live calls,
// monitors one silently or barges in. Desk calls are calls: their steps (a
// customer's place in line, an agent's offer and its withdrawal, an invitation) are told by
// calls/call-tracker.ts.
import { CallsClient } from '../calls/calls-client.js';
import type { Agent, Answer, Call, CallRecording, ClientKind, LiveCall, PlayUrl, PushUrl, SettableAgentState, TeamStats } from '../protocol.js';
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

  /**
   * A supervisor (its token's supervisor_teams) lists the running calls of a team it supervises, or of
   * all of them: agent, customer, since when, the room and its members. Errors: NOT_A_SUPERVISOR.
   */
  listLiveCalls(team = ''): Promise<LiveCall[]> {
    return this.transport.request('listLiveCalls', { team }).then((a) => a.calls);
  }

  /**
   * Silent monitoring: play URLs, for this client's kind, of the call's parties now publishing. No seat
   * is taken and nobody in the call is told. Then monitorUpdate events as a party's stream starts or
   * stops, until the call ends (ended), stopMonitor, or the connection closes.
   * Errors: NOT_A_SUPERVISOR, CALL_NOT_FOUND, CALL_NOT_LIVE (not answered yet, or ended).
   */
  monitorCall(callId: string): Promise<{ call: LiveCall; playUrls: PlayUrl[] }> {
    return this.transport.request('monitorCall', { callId });
  }

  /**
   * The recordings of a desk call, both sides (the customer's stream and each agent's), oldest first:
   * for an agent who held the call or a supervisor of its team. Each url plays over HTTP (a <video>
   * src) for you alone, until it expires; list again for fresh ones. Errors: CALL_NOT_FOUND, NOT_A_PARTY.
   */
  listCallRecordings(callId: string): Promise<CallRecording[]> {
    return this.transport.request('listCallRecordings', { callId }).then((a) => a.recordings);
  }

  /** Stops a call's monitorUpdate events. */
  stopMonitor(callId: string): Promise<void> {
    return this.transport.request('stopMonitor', { callId }).then(() => undefined);
  }

  /**
   * Whisper: a push URL for you; the call's agent alone is told (its whisper event, with a play URL for
   * your stream) - the customer never is. Errors: NOT_A_SUPERVISOR, CALL_NOT_FOUND, CALL_NOT_LIVE.
   */
  whisper(callId: string, options: { kind?: ClientKind } = {}): Promise<{ call: LiveCall; pushUrl: PushUrl }> {
    return this.transport.request('whisper', { callId, ...options });
  }

  /**
   * Barge in: a seat in the running call that everyone sees (memberJoined), as answerCall gives an
   * invited guest. Errors: NOT_A_SUPERVISOR, CALL_NOT_FOUND, CALL_NOT_LIVE.
   */
  async bargeIn(callId: string, options: { kind?: ClientKind } = {}): Promise<{ call: Call; room: JoinedRoom }> {
    const answer = await this.transport.request('bargeIn', { callId, ...options }, {
      onAnswer: (a) => {
        this.callTracker.changed({ call: a.call });
        this.roomTracker.seated({ room: a.room, member: a.member, members: a.members, pushUrl: a.pushUrl, playUrls: a.playUrls, seq: a.seq });
      },
    });
    return { call: answer.call, room: this.joined(answer.room.id) };
  }
}
