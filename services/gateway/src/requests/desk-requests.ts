// Service-desk requests. Agents (the token's agent grant names their teams): their own state, their
// team with its queue and figures, handing a call on, inviting a supervisor. Supervisors (the token's
// supervisor grant): their teams' live calls, monitoring one silently, barging in. Customers (any token
// that may join rooms): calling a team. Accepting an offer or an invitation is answer_call.
import { deskServicev1, gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { kindOf, principalOf, RequestContext } from './request-context';
import { playUrlsFor, takeSeat } from './take-seat';

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

// Supervision (the token's supervisor_teams; the room service checks them against the call's team).

export async function listLiveCalls(ctx: RequestContext, req: gatewayv1.ListLiveCallsRequest): Promise<Reply> {
  const res = await ctx.backends.desk.listLiveCalls({ team: req.team, principal: principalOf(ctx.conn) });
  return { $case: 'listLiveCalls', value: res };
}

/** Silent monitoring: play URLs for this connection's kind, and no seat (the room never hears of it). */
export async function monitorCall(ctx: RequestContext, req: gatewayv1.MonitorCallRequest): Promise<Reply> {
  const ask = (checkOnly: boolean) => ctx.backends.desk.monitorCall({ callId: req.callId, identity: ctx.conn.identity, principal: principalOf(ctx.conn), checkOnly });
  const first = await ask(true);
  if (!first.call) return { $case: 'monitorCall', value: { call: first.call, playUrls: [] } };
  // Listened to before the streams are read again: a stream that starts meanwhile is in the answer or
  // in a monitor_notice after it (or both), never in neither.
  await ctx.fanout.monitor(ctx.conn, first.call.roomId, req.callId);
  const res = await ask(false).catch((err) => {
    ctx.fanout.stopMonitor(ctx.conn, req.callId);
    throw err;
  });
  if (!res.call) return { $case: 'monitorCall', value: { call: res.call, playUrls: [] } };
  // Seatless: the desk service has just checked this supervisor may watch the call.
  const playUrls = await playUrlsFor(ctx, res.call.roomId, res.playStreamIds, [], ctx.conn.kind, true);
  ctx.fanout.watchMonitored(ctx.conn, req.callId, res.call.roomId, res.call.members, playUrls);
  return { $case: 'monitorCall', value: { call: res.call, playUrls } };
}

export async function listCallRecordings(ctx: RequestContext, req: gatewayv1.ListCallRecordingsRequest): Promise<Reply> {
  const res = await ctx.backends.desk.listCallRecordings(deskServicev1.ListCallRecordingsRequest.fromPartial({ callId: req.callId, principal: principalOf(ctx.conn) }));
  return { $case: 'listCallRecordings', value: { recordings: res.recordings } };
}

export async function stopMonitor(ctx: RequestContext, req: gatewayv1.StopMonitorRequest): Promise<Reply> {
  if (!ctx.fanout.stopMonitor(ctx.conn, req.callId)) throw new GatewayError('FAILED_PRECONDITION', `this connection does not monitor call ${req.callId}`);
  return { $case: 'stopMonitor', value: {} };
}

/** Barge in: a seat in the call's room, taken as a join is (its notices follow the answer). */
export async function bargeIn(ctx: RequestContext, req: gatewayv1.BargeInRequest): Promise<null> {
  const { conn, backends } = ctx;
  await takeSeat(
    ctx,
    () =>
      backends.desk.bargeIn({
        callId: req.callId,
        identity: conn.identity,
        sessionId: conn.sessionId,
        displayName: conn.claims.name ?? '',
        principal: principalOf(conn),
        kind: kindOf(conn, req.kind),
      }),
    (res, playUrls) =>
      conn.reply(ctx.requestId, {
        $case: 'bargeIn',
        value: { call: res.call, room: res.room, member: res.member, members: res.members, pushUrl: res.pushUrl, playUrls, seq: res.seq },
      }),
  );
  return null;
}

/** Whisper: the supervisor's push URL; the agent alone hears of it (a call notice with its play URL). */
export async function whisper(ctx: RequestContext, req: gatewayv1.WhisperRequest): Promise<Reply> {
  const res = await ctx.backends.desk.whisper({ callId: req.callId, identity: ctx.conn.identity, principal: principalOf(ctx.conn), kind: kindOf(ctx.conn, req.kind) });
  return { $case: 'whisper', value: res };
}
