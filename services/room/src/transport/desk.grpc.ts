// rtcroom.desk.v1.DeskService over gRPC.
import { bindService, ServiceBinding } from '@rtcroom/common';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { AgentView, Desk } from '../app/desk';
import { Agent, AgentState, Team } from '../domain/desk';

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
});

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
      async getTeam(req) {
        const { team, agents } = await desk.team(req.teamId || req.name);
        return { team: toProtoTeam(team), agents: agents.map(toProtoAgent) };
      },
      async listTeams() {
        return { teams: (await desk.teams()).map(toProtoTeam) };
      },
      async setAgentState(req) {
        const state = stateFromProto.get(req.state) ?? ('unspecified' as AgentState);
        return { agent: toProtoAgent(await desk.setAgentState(req.teamId, req.identity, state)) };
      },
    },
    'rtcroom.desk',
  );
}
