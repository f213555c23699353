// Client requests -> service calls. The gateway decides nothing about rooms: it fills in the identity,
// the session and the principal (identity and grants of the access token), calls the owning service,
// which decides what the grants allow, and translates the answer.
import { gatewayv1, roomv1 } from '@rtcroom/proto';
import { answerCall, cancelCall, getCall, hangUp, listMyCalls, placeCall } from './call-requests';
import { kindOf, principalOf, RequestContext, requireSeat } from './request-context';
import { bargeIn, callTeam, getTeam, getTeamStats, inviteToCall, listCallRecordings, listLiveCalls, monitorCall, setAgentState, stopMonitor, transferCall, whisper } from './desk-requests';
import { syncRoom } from './sync-room';
import { reportPusher } from './pusher-report';
import { takeSeat } from './take-seat';

type Request = NonNullable<gatewayv1.ClientMessage['message']>;
type Reply = NonNullable<gatewayv1.ServerMessage['message']>;

/** The reply to send, or null when the handler has sent it itself. */
export async function handleRequest(ctx: RequestContext, request: Request): Promise<Reply | null> {
  const { conn, backends } = ctx;
  switch (request.$case) {
    case 'ping':
      return { $case: 'ping', value: { serverTime: new Date() } };

    case 'createRoom': {
      const room = roomv1.Room.fromPartial({ ...request.value.room, ownerIdentity: conn.identity });
      const res = await backends.room.createRoom({ room, requestId: '', principal: principalOf(conn) });
      return { $case: 'createRoom', value: { room: res.room } };
    }

    case 'joinRoom':
      await joinRoom(ctx, request.value);
      return null;

    case 'leaveRoom': {
      requireSeat(conn, request.value.roomId);
      const res = await backends.room.leaveRoom({
        roomId: request.value.roomId,
        identity: conn.identity,
        reason: roomv1.LeaveReason.LEAVE_REASON_LEFT,
        principal: principalOf(conn),
      });
      ctx.fanout.release(conn, request.value.roomId);
      return { $case: 'leaveRoom', value: { member: res.member } };
    }

    case 'listRooms':
      return { $case: 'listRooms', value: await backends.room.listRooms({ ...request.value, principal: principalOf(conn) }) };

    case 'getRoom': {
      const { roomId, name } = request.value;
      return { $case: 'getRoom', value: await backends.room.getRoom({ roomId, name, principal: principalOf(conn) }) };
    }

    case 'reportPusherEvent':
      requireSeat(conn, request.value.roomId);
      return { $case: 'reportPusherEvent', value: { action: await reportPusher(ctx, request.value.roomId, request.value.code) } };

    case 'updateMember': {
      const v = request.value;
      requireSeat(conn, v.roomId);
      const member = roomv1.Member.fromPartial({ displayName: v.displayName, avatarUrl: v.avatarUrl, customData: v.customData });
      const res = await backends.room.updateMember({ roomId: v.roomId, identity: conn.identity, member, updateMask: v.updateMask, principal: principalOf(conn) });
      return { $case: 'updateMember', value: res };
    }

    case 'updateRoom': {
      const v = request.value;
      const room = roomv1.Room.fromPartial({ displayName: v.displayName, metadata: v.metadata });
      return { $case: 'updateRoom', value: await backends.room.updateRoom({ roomId: v.roomId, room, updateMask: v.updateMask, principal: principalOf(conn) }) };
    }

    case 'removeMember': {
      const v = request.value;
      const res = await backends.room.removeMember({
        roomId: v.roomId,
        identity: v.identity,
        reasonText: v.reasonText,
        banSeconds: v.banSeconds,
        principal: principalOf(conn),
      });
      return { $case: 'removeMember', value: res };
    }

    case 'closeRoom':
      return { $case: 'closeRoom', value: await backends.room.closeRoom({ roomId: request.value.roomId, principal: principalOf(conn) }) };

    case 'placeCall':
      return placeCall(ctx, request.value);
    case 'answerCall':
      return answerCall(ctx, request.value);
    case 'cancelCall':
      return cancelCall(ctx, request.value);
    case 'hangUp':
      return hangUp(ctx, request.value);
    case 'syncRoom':
      return syncRoom(ctx, request.value);
    case 'getCall':
      return getCall(ctx, request.value);
    case 'listMyCalls':
      return listMyCalls(ctx);
    case 'setAgentState':
      return setAgentState(ctx, request.value);
    case 'getTeam':
      return getTeam(ctx, request.value);
    case 'callTeam':
      return callTeam(ctx, request.value);
    case 'transferCall':
      return transferCall(ctx, request.value);
    case 'inviteToCall':
      return inviteToCall(ctx, request.value);
    case 'getTeamStats':
      return getTeamStats(ctx, request.value);
    case 'listLiveCalls':
      return listLiveCalls(ctx, request.value);
    case 'monitorCall':
      return monitorCall(ctx, request.value);
    case 'bargeIn':
      return bargeIn(ctx, request.value);
    case 'whisper':
      return whisper(ctx, request.value);
    case 'stopMonitor':
      return stopMonitor(ctx, request.value);
    case 'listCallRecordings':
      return listCallRecordings(ctx, request.value);
    case 'refreshToken':
      return { $case: 'refreshToken', value: await ctx.tokens.refresh(conn, request.value) };

    case 'sendMessage': {
      const v = request.value;
      requireSeat(conn, v.roomId);
      const res = await backends.room.sendMessage({
        roomId: v.roomId,
        identity: conn.identity,
        recipients: v.recipients,
        body: v.body,
        idempotencyKey: v.idempotencyKey,
        principal: principalOf(conn),
      });
      return { $case: 'sendMessage', value: res };
    }

    case 'setMemberRole': {
      const v = request.value;
      requireSeat(conn, v.roomId);
      const res = await backends.room.setMemberRole({ roomId: v.roomId, identity: v.identity || conn.identity, role: v.role, principal: principalOf(conn) });
      return { $case: 'setMemberRole', value: res };
    }

    case 'listMessages':
      return { $case: 'listMessages', value: await backends.room.listMessages({ roomId: request.value.roomId, principal: principalOf(conn) }) };

    case 'setMediaState': {
      const v = request.value;
      requireSeat(conn, v.roomId);
      const res = await backends.room.setMediaState({
        roomId: v.roomId,
        identity: conn.identity,
        audio: v.audio,
        video: v.video,
        source: roomv1.StreamSource.STREAM_SOURCE_CLIENT,
        principal: principalOf(conn),
      });
      return { $case: 'setMediaState', value: { member: res.member } };
    }

    case 'muteMember': {
      const v = request.value;
      const res = await backends.room.muteMember({ ...v, principal: principalOf(conn) });
      return { $case: 'muteMember', value: res };
    }

    case 'allowUnmute': {
      const v = request.value;
      return { $case: 'allowUnmute', value: await backends.room.allowUnmute({ ...v, principal: principalOf(conn) }) };
    }
  }
}

/** Answers the join itself: the answer must reach the client before the notices that follow it. */
async function joinRoom(ctx: RequestContext, req: gatewayv1.JoinRoomRequest): Promise<void> {
  const { conn, backends } = ctx;
  await takeSeat(
    ctx,
    () =>
      backends.room.joinRoom({
        roomId: req.roomId,
        roomName: req.roomName,
        identity: conn.identity,
        displayName: req.displayName || conn.claims.name || '',
        sessionId: conn.sessionId,
        createIfMissing: req.createIfMissing,
        createOptions: req.createOptions,
        requestId: req.idempotencyKey ? `${conn.identity}:${req.idempotencyKey}` : '',
        principal: principalOf(conn),
        role: req.role,
        kind: kindOf(conn, req.kind),
      }),
    (res, playUrls) =>
      conn.reply(ctx.requestId, {
        $case: 'joinRoom',
        value: { room: res.room, member: res.member, members: res.members, pushUrl: res.pushUrl, playUrls, seq: res.seq, audienceEntryUrl: res.audienceEntryUrl },
      }),
    req.roomId,
  );
}
