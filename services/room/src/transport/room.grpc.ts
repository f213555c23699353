// rtcroom.room.v1.RoomService over gRPC: proto requests in, domain calls, proto responses out.
import { bindService, DomainError, ServiceBinding } from '@rtcroom/common';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomApp } from '../app/room-app';
import { NewRoomInput } from '../domain/room';
import { RoomPageCursor } from '../store/room.repository';
import { kindFromProto, leaveReasonFromProto, streamSourceFromProto, toProtoMember, toProtoRoom } from '../wire/room.wire';

export function newRoomInputFromProto(room: roomv1.Room | undefined, ownerIdentity: string): NewRoomInput {
  return {
    name: room?.name ?? '',
    kind: kindFromProto(room?.kind ?? roomv1.RoomKind.ROOM_KIND_UNSPECIFIED, 'group'),
    displayName: room?.displayName ?? '',
    maxMembers: room?.maxMembers ?? 0,
    metadata: room?.metadata ?? '',
    recording: room?.recording ?? false,
    ownerIdentity,
  };
}

function encodeCursor(c: RoomPageCursor): string {
  return Buffer.from(JSON.stringify({ c: c.createdAt.toISOString(), i: c.id })).toString('base64url');
}

function decodeCursor(token: string): RoomPageCursor | null {
  if (!token) return null;
  try {
    const { c, i } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const createdAt = new Date(c);
    if (typeof i !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad');
    return { createdAt, id: i };
  } catch {
    throw new DomainError('INVALID_ARGUMENT', 'page_token is not one this service issued', { field: 'page_token' });
  }
}

function requireIdentity(identity: string): string {
  if (!identity) throw new DomainError('INVALID_ARGUMENT', 'identity is required', { field: 'identity' });
  return identity;
}

export function roomGrpcBinding(app: RoomApp): ServiceBinding {
  return bindService(
    'rtcroom.room.v1.RoomService',
    roomServicev1.RoomServiceService,
    {
      async createRoom(req) {
        const room = await app.createRoom(newRoomInputFromProto(req.room, req.room?.ownerIdentity ?? ''), req.requestId || null);
        return { room: toProtoRoom(room) };
      },
      async getRoom(req) {
        const snap = await app.getRoom({ roomId: req.roomId, name: req.name });
        return { room: toProtoRoom(snap.room), members: snap.members.map(toProtoMember), seq: snap.seq };
      },
      async listRooms(req) {
        if (req.pageSize > 100) throw new DomainError('INVALID_ARGUMENT', 'page_size must be at most 100', { field: 'page_size' });
        const limit = req.pageSize || 50;
        const rooms = await app.listRooms(limit + 1, decodeCursor(req.pageToken));
        const page = rooms.slice(0, limit);
        const last = page[page.length - 1];
        return {
          rooms: page.map(toProtoRoom),
          nextPageToken: rooms.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : '',
        };
      },
      async closeRoom(req) {
        return { room: toProtoRoom(await app.closeRoom(req.roomId, 'closed_by_api')) };
      },
      async joinRoom(req) {
        const result = await app.join({
          roomId: req.roomId,
          name: req.roomName,
          identity: requireIdentity(req.identity),
          displayName: req.displayName,
          sessionId: req.sessionId,
          createIfMissing: req.createIfMissing,
          createOptions: req.createOptions ? newRoomInputFromProto(req.createOptions, req.identity) : undefined,
        });
        return {
          room: toProtoRoom(result.room),
          member: toProtoMember(result.member),
          members: result.members.map(toProtoMember),
          pushUrl: result.pushUrl,
          seq: result.seq,
        };
      },
      async leaveRoom(req) {
        const member = await app.leave(req.roomId, requireIdentity(req.identity), leaveReasonFromProto(req.reason, 'left'));
        return { member: toProtoMember(member) };
      },
      async listMembers(req) {
        const snap = await app.listMembers(req.roomId);
        return { members: snap.members.map(toProtoMember), seq: snap.seq };
      },
      async setStreamState(req) {
        const { member, changed } = await app.setStreamState(
          req.roomId,
          requireIdentity(req.identity),
          req.publishing,
          streamSourceFromProto(req.source, 'client'),
        );
        return { member: toProtoMember(member), changed };
      },
      async getMember(req) {
        const { member, room } = await app.getMember({ streamId: req.streamId, roomId: req.roomId, identity: req.identity });
        return { member: toProtoMember(member), room: toProtoRoom(room) };
      },
      async leaveSession(req) {
        if (!req.sessionId) throw new DomainError('INVALID_ARGUMENT', 'session_id is required', { field: 'session_id' });
        const members = await app.leaveSession(req.sessionId, leaveReasonFromProto(req.reason, 'connection_lost'));
        return { members: members.map(toProtoMember) };
      },
    },
    'rtcroom.room',
  );
}
