// Service-desk requests. Agents (the token's agent grant names their teams): their own state, their
// team with its queue and figures, handing a call on, inviting a supervisor. Customers (any token
// that may join rooms): calling a team. Accepting an offer or an invitation is answer_call.
import { gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { RequestContext, requireGrant } from './request-context';
import { takeSeat } from './take-seat';

type Reply = NonNullable<gatewayv1.ServerMessage['message']>;

function requireAgentOf(ctx: RequestContext, team: string): void {
  if (!team) throw new GatewayError('INVALID_ARGUMENT', 'team is required');
  if (!ctx.conn.claims.grants.agentTeams?.includes(team)) throw new GatewayError('PERMISSION_DENIED', `the access token is not an agent grant for team ${team}`);
}

export async function setAgentState(ctx: RequestContext, req: gatewayv1.SetAgentStateRequest): Promise<Reply> {
  requireAgentOf(ctx, req.team);
  const res = await ctx.backends.desk.setAgentState({ teamId: req.team, identity: ctx.conn.identity, state: req.state });
  return { $case: 'setAgentState', value: res };
}

export async function getTeam(ctx: RequestContext, req: gatewayv1.GetTeamRequest): Promise<Reply> {
  requireAgentOf(ctx, req.team);
  const res = await ctx.backends.desk.getTeam({ teamId: req.team, name: '' });
  return { $case: 'getTeam', value: res };
}

export async function getTeamStats(ctx: RequestContext, req: gatewayv1.GetTeamStatsRequest): Promise<Reply> {
  requireAgentOf(ctx, req.team);
  const res = await ctx.backends.desk.getTeamStats({ team: req.team, since: undefined });
  return { $case: 'getTeamStats', value: res };
}

export async function callTeam(ctx: RequestContext, req: gatewayv1.CallTeamRequest): Promise<null> {
  const { conn, backends } = ctx;
  requireGrant(conn.claims.grants, 'roomJoin', 'calling a team');
  if (!req.team) throw new GatewayError('INVALID_ARGUMENT', 'team is required');
  await takeSeat(
    ctx,
    async () => {
      const res = await backends.desk.callTeam({
        team: req.team,
        customerIdentity: conn.identity,
        customerSessionId: conn.sessionId,
        customerDisplayName: conn.claims.name ?? '',
        metadata: req.metadata,
      });
      return { ...res, members: res.member ? [res.member] : [] };
    },
    (res) => conn.reply(ctx.requestId, { $case: 'callTeam', value: { call: res.call, room: res.room, member: res.member, pushUrl: res.pushUrl, seq: res.seq } }),
  );
  return null;
}

export async function transferCall(ctx: RequestContext, req: gatewayv1.TransferCallRequest): Promise<Reply> {
  // The agent's seat ends with the transfer (LEAVE_REASON_TRANSFERRED, in the room's notices).
  const res = await ctx.backends.desk.transferCall({ callId: req.callId, identity: ctx.conn.identity, toIdentity: req.toIdentity, toTeam: req.toTeam });
  return { $case: 'transferCall', value: res };
}

export async function inviteToCall(ctx: RequestContext, req: gatewayv1.InviteToCallRequest): Promise<Reply> {
  const res = await ctx.backends.desk.inviteToCall({ callId: req.callId, identity: ctx.conn.identity, inviteeIdentity: req.identity });
  return { $case: 'inviteToCall', value: res };
}
