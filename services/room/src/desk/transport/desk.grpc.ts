// rtcroom.desk.v1.DeskService over gRPC.
import { bindService, CallerPolicy, DomainError, identityPattern, ServiceBinding } from '@rtcroom/common';
import { deskServicev1, deskv1, recordingv1 } from '@rtcroom/proto';
import { AgentView, Desk, LiveCall, TeamStats } from '../application/desk';
import { checkCalling, checkSelf } from '../../calls/domain/call-access';
import { Agent, AgentState, Team } from '../domain/desk';
import { actorFromProto, userActor } from '../../wire/principal.wire';
import { toProtoCall } from '../../calls/transport/call.wire';
import { clientKindFromProto, toProtoMember, toProtoRoom } from '../../rooms/transport/room.wire';
import { streamsToPlay } from '../../rooms/domain/room';
import type { CallRecordingRow } from '../store/desk-store';

function identity(field: string, value: string): string {
  if (!identityPattern.test(value)) throw new DomainError('INVALID_ARGUMENT', `${field} must be 1-128 characters of A-Z a-z 0-9 _ . @ -`, { field });
  return value;
}

const toProtoStats = (s: TeamStats): deskServicev1.TeamStats => ({
  teamId: s.teamId,
  since: s.since,
  callsOffered: s.offered,
  callsAnswered: s.answered,
  callsAbandoned: s.abandoned,
  waitingNow: s.waitingNow,
  averageWaitSeconds: s.averageWaitSeconds,
  longestWaitSeconds: s.longestWaitSeconds,
  averageHandlingSeconds: s.averageHandlingSeconds,
  agentsSignedIn: s.agentsSignedIn,
  agentsAvailable: s.agentsAvailable,
});

const toProtoLiveCall = ({ call, members }: LiveCall): deskServicev1.LiveCall => ({
  callId: call.id,
  teamId: call.teamId ?? '',
  roomId: call.roomId,
  agentIdentity: call.calleeIdentity,
  customerIdentity: call.callerIdentity,
  answerTime: call.answerAt ?? undefined,
  guestIdentities: call.invitedIdentities,
  members: members.map(toProtoMember),
});

const A = deskv1.AgentState;
const stateToProto: Record<AgentState, deskv1.AgentState> = {
  signed_out: A.AGENT_STATE_SIGNED_OUT,
  available: A.AGENT_STATE_AVAILABLE,
  ringing: A.AGENT_STATE_RINGING,
  in_call: A.AGENT_STATE_IN_CALL,
  wrap_up: A.AGENT_STATE_WRAP_UP,
  away: A.AGENT_STATE_AWAY,
};
const stateFromProto = new Map(Object.entries(stateToProto).map(([k, v]) => [v, k as AgentState]));

const toProtoCallRecording = (r: CallRecordingRow): deskServicev1.CallRecording => ({
  recording: recordingv1.Recording.decode(r.recording),
  callId: r.callId,
  teamId: r.teamId,
  customerIdentity: r.customerIdentity,
  agentIdentities: r.agentIdentities,
});

const toProtoTeam = (t: Team): deskv1.Team => ({
  id: t.id,
  name: t.name,
  displayName: t.displayName,
  recordingFormats: t.recordingFormats,
  ringTimeoutSeconds: t.ringTimeoutSeconds,
  wrapUpSeconds: t.wrapUpSeconds,
  queueLimit: t.queueLimit,
  createTime: t.createdAt,
});

const toProtoAgent = (a: Agent | AgentView): deskv1.Agent => ({
  teamId: a.teamId,
  identity: a.identity,
  state: stateToProto[a.state],
  stateTime: a.stateSince,
  connected: 'connected' in a ? a.connected : false,
  busyElsewhere: 'busyElsewhere' in a && a.busyElsewhere ? stateToProto[a.busyElsewhere] : deskv1.AgentState.AGENT_STATE_UNSPECIFIED,
});

/**
 * Who may call each method with mutual TLS: the gateway for what agents and customers do through it,
 * internal systems (operators, `npm run desk`) for the rest.
 */
export const deskServiceCallers: CallerPolicy<typeof deskServicev1.DeskServiceService> = {
  createTeam: ['internal'],
  getTeam: ['gateway', 'internal'],
  listTeams: ['internal'],
  setAgentState: ['gateway', 'internal'],
  callTeam: ['gateway', 'internal'],
  transferCall: ['gateway', 'internal'],
  inviteToCall: ['gateway', 'internal'],
  getTeamStats: ['gateway', 'internal'],
  listCallRecordings: ['gateway', 'internal'],
  listLiveCalls: ['gateway', 'internal'],
  monitorCall: ['gateway', 'internal'],
  bargeIn: ['gateway', 'internal'],
  whisper: ['gateway', 'internal'],
};

export function deskGrpcBinding(desk: Desk): ServiceBinding {
  return bindService(
    'rtcroom.desk.v1.DeskService',
    deskServicev1.DeskServiceService,
    {
      async createTeam(req) {
        const t = req.team;
        const team = await desk.createTeam({
          name: t?.name ?? '',
          displayName: t?.displayName ?? '',
          recordingFormats: t?.recordingFormats ?? [],
          ringTimeoutSeconds: t?.ringTimeoutSeconds ?? 0,
          wrapUpSeconds: t?.wrapUpSeconds ?? 0,
          queueLimit: t?.queueLimit ?? 0,
        });
        return { team: toProtoTeam(team) };
      },
      async getTeam(req, rpc) {
        const { team, agents, queue } = await desk.team(req.teamId || req.name, actorFromProto(req.principal), rpc);
        return { team: toProtoTeam(team), agents: agents.map(toProtoAgent), queue: queue.map(toProtoCall) };
      },
      async listTeams() {
        return { teams: (await desk.listTeams()).map(toProtoTeam) };
      },
      async setAgentState(req, rpc) {
        const state = stateFromProto.get(req.state) ?? ('unspecified' as AgentState);
        return { agent: toProtoAgent(await desk.setAgentState(req.teamId, req.identity, state, userActor(req.principal, rpc))) };
      },
      async callTeam(req, rpc) {
        checkCalling(userActor(req.principal, rpc), req.customerIdentity);
        const seat = await desk.callTeam({
          team: req.team,
          customerIdentity: identity('customer_identity', req.customerIdentity),
          customerSessionId: req.customerSessionId,
          customerDisplayName: req.customerDisplayName,
          metadata: req.metadata,
          customerKind: clientKindFromProto(req.customerKind, 'customer_kind'),
          scope: rpc,
        });
        return { call: toProtoCall(seat.call), room: toProtoRoom(seat.room), member: toProtoMember(seat.member), pushUrl: seat.pushUrl ?? undefined, seq: seat.seq };
      },
      async transferCall(req, rpc) {
        checkSelf(userActor(req.principal, rpc), req.identity, 'transfer a call');
        return { call: toProtoCall(await desk.transfer(req.callId, identity('identity', req.identity), req.toIdentity, req.toTeam, rpc)) };
      },
      async inviteToCall(req, rpc) {
        checkSelf(userActor(req.principal, rpc), req.identity, 'invite to a call');
        return { call: toProtoCall(await desk.invite(req.callId, identity('identity', req.identity), req.inviteeIdentity, rpc)) };
      },
      async getTeamStats(req, rpc) {
        return { stats: toProtoStats(await desk.stats(req.team, req.since, actorFromProto(req.principal), rpc)) };
      },
      async listLiveCalls(req, rpc) {
        return { calls: (await desk.liveCalls(req.team, userActor(req.principal, rpc))).map(toProtoLiveCall) };
      },
      async monitorCall(req, rpc) {
        const actor = userActor(req.principal, rpc);
        checkSelf(actor, req.identity, 'monitor a call');
        const { live, playStreamIds } = await desk.monitor(req.callId, identity('identity', req.identity), actor, req.checkOnly);
        return { call: toProtoLiveCall(live), playStreamIds };
      },
      async bargeIn(req, rpc) {
        const seat = await desk.bargeIn(req.callId, identity('identity', req.identity), req.sessionId, req.displayName, clientKindFromProto(req.kind, 'kind'), userActor(req.principal, rpc), rpc);
        return {
          call: toProtoCall(seat.call),
          room: toProtoRoom(seat.room),
          member: toProtoMember(seat.member),
          members: seat.members.map(toProtoMember),
          pushUrl: seat.pushUrl ?? undefined,
          seq: seat.seq,
          playStreamIds: streamsToPlay(seat.members, req.identity),
          playUrls: seat.playUrls ?? [],
        };
      },
      async whisper(req, rpc) {
        const { live, pushUrl } = await desk.whisper(req.callId, identity('identity', req.identity), clientKindFromProto(req.kind, 'kind'), userActor(req.principal, rpc), rpc);
        return { call: toProtoLiveCall(live), pushUrl };
      },
      async listCallRecordings(req, rpc) {
        const actor = userActor(req.principal, rpc);
        if (actor) {
          // An end user's: one call's, its urls signed for that user (and none unsigned).
          const { rows, signedUrls } = await desk.callRecordingsFor(req.callId, actor, rpc);
          return {
            recordings: rows.map((r) => {
              const recording = recordingv1.Recording.decode(r.recording);
              return { ...toProtoCallRecording(r), recording: { ...recording, url: signedUrls.get(recording.id) ?? '' } };
            }),
            nextPageToken: '',
          };
        }
        const { rows, nextPageToken } = await desk.recordings(
          { callId: req.callId || undefined, team: req.team || undefined, agentIdentity: req.agentIdentity || undefined, customerIdentity: req.customerIdentity || undefined },
          req.pageSize,
          req.pageToken,
        );
        return {
          recordings: rows.map(toProtoCallRecording),
          nextPageToken,
        };
      },
    },
    'rtcroom.desk',
    deskServiceCallers,
  );
}
