// Service-desk requests for agents: their own state, their team. The token's agent grant names the
// teams the identity is an agent of.
import { gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { RequestContext } from './request-context';

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
