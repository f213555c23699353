// Client requests -> service calls. The gateway decides nothing about rooms: it checks the token's
// grants, fills in the identity and session, calls the owning service and translates the answer.
import { Grants } from '@rtcroom/common';
import { gatewayv1, mediav1, roomv1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import { GatewayError } from '../errors';
import { RoomFanout } from '../fanout/room-fanout';
import { Connection } from '../ws/connection';

type Request = NonNullable<gatewayv1.ClientMessage['message']>;
type Reply = NonNullable<gatewayv1.ServerMessage['message']>;

export interface RequestContext {
  requestId: string;
  conn: Connection;
  backends: Backends;
  fanout: RoomFanout;
}

function requireGrant(grants: Grants, grant: keyof Grants, what: string): void {
  if (!grants[grant]) throw new GatewayError('PERMISSION_DENIED', `the access token does not allow ${what}`);
}

function requireSeat(conn: Connection, roomId: string): void {
  if (!roomId) throw new GatewayError('INVALID_ARGUMENT', 'roomId is required');
  if (!conn.seats.has(roomId)) throw new GatewayError('NOT_A_MEMBER', `this connection holds no seat in room ${roomId}`);
}

/** The reply to send, or null when the handler has sent it itself. */
export async function handleRequest(ctx: RequestContext, request: Request): Promise<Reply | null> {
  const { conn, backends } = ctx;
  const grants = conn.claims.grants;
  switch (request.$case) {
    case 'ping':
      return { $case: 'ping', value: { serverTime: new Date() } };

    case 'createRoom': {
      requireGrant(grants, 'roomCreate', 'creating rooms');
      const room = roomv1.Room.fromPartial({ ...request.value.room, ownerIdentity: conn.identity });
      const res = await backends.room.createRoom({ room, requestId: '' });
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
      });
      ctx.fanout.release(conn, request.value.roomId);
      return { $case: 'leaveRoom', value: { member: res.member } };
    }

    case 'listRooms': {
      requireGrant(grants, 'roomList', 'listing rooms');
      const res = await backends.room.listRooms(request.value);
      return { $case: 'listRooms', value: res };
    }

    case 'getRoom': {
      const { roomId, name } = request.value;
      if (!conn.seats.has(roomId)) requireGrant(grants, 'roomList', 'reading rooms one is not in');
      const res = await backends.room.getRoom({ roomId, name });
      return { $case: 'getRoom', value: res };
    }

    case 'reportPusherEvent': {
      requireSeat(conn, request.value.roomId);
      const res = await backends.presence.reportPusherEvent({
        sessionId: conn.sessionId,
        identity: conn.identity,
        roomId: request.value.roomId,
        code: request.value.code,
        message: request.value.message.slice(0, 256),
      });
      return { $case: 'reportPusherEvent', value: { action: res.action.replace('PUSHER_ACTION_', '') } };
    }
  }
}

/** Answers the join itself: the answer must reach the client before the notices that follow it. */
async function joinRoom(ctx: RequestContext, req: gatewayv1.JoinRoomRequest): Promise<void> {
  const { conn, backends, fanout } = ctx;
  const grants = conn.claims.grants;
  requireGrant(grants, 'roomJoin', 'joining rooms');
  if (grants.room && grants.room !== req.roomId && grants.room !== req.roomName) {
    throw new GatewayError('PERMISSION_DENIED', `the access token allows joining room ${grants.room} only`);
  }
  if (req.createIfMissing) requireGrant(grants, 'roomCreate', 'creating rooms');
  fanout.beginJoin(conn);
  let res;
  try {
    res = await backends.room.joinRoom({
      roomId: req.roomId,
      roomName: req.roomName,
      identity: conn.identity,
      displayName: req.displayName || conn.claims.name || '',
      sessionId: conn.sessionId,
      createIfMissing: req.createIfMissing,
      createOptions: req.createOptions,
      requestId: '',
    });
  } catch (err) {
    await fanout.endJoin(conn, null);
    throw err;
  }
  const roomId = res.room!.id;
  let playUrls: mediav1.PlayUrl[];
  try {
    playUrls = await playUrlsOfPublishers(ctx, roomId, res.members);
  } catch (err) {
    await fanout.endJoin(conn, null);
    throw err;
  }
  const answer = { room: res.room, member: res.member, members: res.members, pushUrl: res.pushUrl, playUrls, seq: res.seq };
  await fanout.endJoin(conn, { roomId, memberId: res.member!.memberId, lastSeq: res.seq }, () =>
    conn.reply(ctx.requestId, { $case: 'joinRoom', value: answer }),
  );
}

async function playUrlsOfPublishers(ctx: RequestContext, roomId: string, members: roomv1.Member[]): Promise<mediav1.PlayUrl[]> {
  const publishing = members.filter((m) => m.state === roomv1.MemberState.MEMBER_STATE_PUBLISHING && m.identity !== ctx.conn.identity);
  const issued = await Promise.all(
    publishing.map((m) => ctx.backends.urls.issuePlayUrls({ roomId, streamId: m.streamId, viewerIdentities: [ctx.conn.identity] })),
  );
  return issued.flatMap((r) => r.playUrls);
}
