// Service-desk requests. Agents (the token's agent grant names their teams): their own state, their
// team with its queue and figures, handing a call on, inviting a supervisor. Customers (any token
// that may join rooms): calling a team. Accepting an offer or an invitation is answer_call.
import { gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { kindOf, principalOf, RequestContext } from './request-context';
import { takeSeat } from './take-seat';

type Reply = NonNullable<gatewayv1.ServerMessage['message']>;

// The room service checks the agent grant against the team it finds (by id or name).
function requireTeam(team: string): void {
  if (!team) throw new GatewayError('INVALID_ARGUMENT', 'team is required');
}

export async function setAgentState(ctx: RequestContext, req: gatewayv1.SetAgentStateRequest): Promise<Reply> {
  requireTeam(req.team);
  const res = await ctx.backends.desk.setAgentState({ teamId: req.team, identity: ctx.conn.identity, state: req.state, principal: principalOf(ctx.conn) });
  return { $case: 'setAgentState', value: res };
}

export async function getTeam(ctx: RequestContext, req: gatewayv1.GetTeamRequest): Promise<Reply> {
  requireTeam(req.team);
  const res = await ctx.backends.desk.getTeam({ teamId: req.team, name: '', principal: principalOf(ctx.conn) });
  return { $case: 'getTeam', value: res };
}

export async function getTeamStats(ctx: RequestContext, req: gatewayv1.GetTeamStatsRequest): Promise<Reply> {
  requireTeam(req.team);
  const res = await ctx.backends.desk.getTeamStats({ team: req.team, since: undefined, principal: principalOf(ctx.conn) });
  return { $case: 'getTeamStats', value: res };
}

export async function callTeam(ctx: RequestContext, req: gatewayv1.CallTeamRequest): Promise<null> {
  const { conn, backends } = ctx;
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
        principal: principalOf(conn),
        customerKind: kindOf(conn, req.kind),
      });
      return { ...res, members: res.member ? [res.member] : [] };
    },
    (res) => conn.reply(ctx.requestId, { $case: 'callTeam', value: { call: res.call, room: res.room, member: res.member, pushUrl: res.pushUrl, seq: res.seq } }),
  );
  return null;
}

export async function transferCall(ctx: RequestContext, req: gatewayv1.TransferCallRequest): Promise<Reply> {
  // The agent's seat ends with the transfer (LEAVE_REASON_TRANSFERRED, in the room's notices).
  const res = await ctx.backends.desk.transferCall({
    callId: req.callId,
    identity: ctx.conn.identity,
    toIdentity: req.toIdentity,
    toTeam: req.toTeam,
    principal: principalOf(ctx.conn),
  });
  return { $case: 'transferCall', value: res };
}

export async function inviteToCall(ctx: RequestContext, req: gatewayv1.InviteToCallRequest): Promise<Reply> {
  const res = await ctx.backends.desk.inviteToCall({ callId: req.callId, identity: ctx.conn.identity, inviteeIdentity: req.identity, principal: principalOf(ctx.conn) });
  return { $case: 'inviteToCall', value: res };
}
