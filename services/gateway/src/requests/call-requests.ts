// The 1:1 call flow for clients: place, answer, cancel, hang up, and the calls under way. The caller
// and the callee come from the token; the room service runs the call and decides what the token's
// grants allow.
import { gatewayv1 } from '@rtcroom/proto';
import { kindOf, principalOf, RequestContext } from './request-context';
import { takeSeat } from './take-seat';

type Reply = NonNullable<gatewayv1.ServerMessage['message']>;

export async function placeCall(ctx: RequestContext, req: gatewayv1.PlaceCallRequest): Promise<null> {
  const { conn, backends } = ctx;
  await takeSeat(
    ctx,
    async () => {
      const res = await backends.calls.placeCall({
        callerIdentity: conn.identity,
        callerSessionId: conn.sessionId,
        calleeIdentity: req.calleeIdentity,
        callerDisplayName: conn.claims.name ?? '',
        recording: req.recording,
        metadata: req.metadata,
        ringTimeoutSeconds: req.ringTimeoutSeconds,
        principal: principalOf(conn),
        callerKind: kindOf(conn, req.kind),
      });
      return { ...res, members: res.member ? [res.member] : [] };
    },
    (res) => conn.reply(ctx.requestId, { $case: 'placeCall', value: { call: res.call, room: res.room, member: res.member, pushUrl: res.pushUrl, seq: res.seq } }),
  );
  return null;
}

export async function answerCall(ctx: RequestContext, req: gatewayv1.AnswerCallRequest): Promise<null> {
  const { conn, backends } = ctx;
  await takeSeat(
    ctx,
    () =>
      backends.calls.answerCall({
        callId: req.callId,
        identity: conn.identity,
        sessionId: conn.sessionId,
        accept: req.accept,
        displayName: conn.claims.name ?? '',
        principal: principalOf(conn),
        kind: kindOf(conn, req.kind),
      }),
    (res, playUrls) =>
      conn.reply(ctx.requestId, {
        $case: 'answerCall',
        value: { call: res.call, room: res.room, member: res.member, members: res.members, pushUrl: res.pushUrl, playUrls, seq: res.seq },
      }),
  );
  return null;
}

export async function getCall(ctx: RequestContext, req: gatewayv1.GetCallRequest): Promise<Reply> {
  const { call } = await ctx.backends.calls.getCall({ callId: req.callId, principal: principalOf(ctx.conn) });
  return { $case: 'getCall', value: { call } };
}

/** The calls under way of this connection's identity (asked once after a welcome that did not resume). */
export async function listMyCalls(ctx: RequestContext): Promise<Reply> {
  const { calls } = await ctx.backends.calls.listCallsUnderWay({ identity: ctx.conn.identity, principal: principalOf(ctx.conn) });
  return { $case: 'listMyCalls', value: { calls } };
}

export async function cancelCall(ctx: RequestContext, req: gatewayv1.CancelCallRequest): Promise<Reply> {
  const res = await ctx.backends.calls.cancelCall({ callId: req.callId, identity: ctx.conn.identity, principal: principalOf(ctx.conn) });
  return { $case: 'cancelCall', value: res };
}

export async function hangUp(ctx: RequestContext, req: gatewayv1.HangUpRequest): Promise<Reply> {
  const res = await ctx.backends.calls.hangUp({ callId: req.callId, identity: ctx.conn.identity, principal: principalOf(ctx.conn) });
  return { $case: 'hangUp', value: res };
}
