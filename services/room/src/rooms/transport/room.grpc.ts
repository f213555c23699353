// rtcroom.room.v1.RoomService over gRPC: proto requests in, domain calls, proto responses out.
import { bindService, CallerPolicy, DomainError, ServiceBinding } from '@rtcroom/common';
import { roomServicev1 } from '@rtcroom/proto';
import { Messages } from '../../messages/application/messages';
import { messageHandlers } from '../../messages/transport/message.grpc';
import { Memberships } from '../application/memberships';
import { Rooms } from '../application/rooms';
import { streamsToPlay } from '../domain/room';
import type { Track } from '../domain/media-state';
import type { RoomPageCursor } from '../store/room-store';
import { actorFromProto, userActor } from '../../wire/principal.wire';
import { clientKindFromProto, leaveReasonFromProto, ownerRightsFromProto, roleFromProto, roomOptionsFromProto, streamSourceFromProto, toProtoMember, toProtoRoom } from './room.wire';

/** SetSessionsConnection's most session ids in one call. */
const maxSessionsPerCall = 1000;

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
  } catch (err) {
    throw new DomainError('INVALID_ARGUMENT', 'page_token is not one this service issued', { field: 'page_token' }, { cause: err });
  }
}

function requireIdentity(identity: string): string {
  if (!identity) throw new DomainError('INVALID_ARGUMENT', 'identity is required', { field: 'identity' });
  return identity;
}

function tracksOf(req: { audio: boolean; video: boolean }): Track[] {
  return [...(req.audio ? (['audio'] as const) : []), ...(req.video ? (['video'] as const) : [])];
}

/** The fields of `allowed` named in the mask (an empty mask means none). */
function masked<T extends Record<string, unknown>>(paths: string[] | undefined, values: T, allowed: Record<string, keyof T>): Partial<T> {
  const out: Partial<T> = {};
  for (const path of paths ?? []) {
    const key = allowed[path];
    if (!key) throw new DomainError('INVALID_ARGUMENT', `update_mask path ${path} is not updatable`, { field: 'update_mask' });
    out[key] = values[key];
  }
  return out;
}

/**
 * Who may call each method when the services use mutual TLS (README, "How services trust each
 * other"): the gateway on behalf of its clients, presence and the url-issuer for what they track,
 * internal systems for administration.
 */
export const roomServiceCallers: CallerPolicy<typeof roomServicev1.RoomServiceService> = {
  createRoom: ['gateway', 'internal'],
  getRoom: ['gateway', 'internal'],
  listRooms: ['gateway', 'internal'],
  closeRoom: ['gateway', 'internal'],
  joinRoom: ['gateway', 'internal'],
  leaveRoom: ['gateway', 'internal'],
  listMembers: ['url-issuer', 'internal'],
  setStreamState: ['gateway', 'presence'],
  leaveSession: ['presence'],
  updateRoom: ['gateway', 'internal'],
  updateMember: ['gateway', 'internal'],
  removeMember: ['gateway', 'internal'],
  unbanMember: ['internal'],
  listRoomEvents: ['gateway', 'internal'],
  setSessionConnection: ['presence'],
  setSessionsConnection: ['presence'],
  getMember: ['gateway', 'presence', 'url-issuer', 'internal'],
  sendMessage: ['gateway', 'internal'],
  listMessages: ['gateway', 'internal'],
  setMediaState: ['gateway', 'presence'],
  muteMember: ['gateway', 'internal'],
  allowUnmute: ['gateway', 'internal'],
  setMemberRole: ['gateway', 'internal'],
};

export function roomGrpcBinding(rooms: Rooms, members: Memberships, messages: Messages): ServiceBinding {
  return bindService(
    'rtcroom.room.v1.RoomService',
    roomServicev1.RoomServiceService,
    {
      async createRoom(req, rpc) {
        const room = await rooms.create(roomOptionsFromProto(req.room, req.room?.ownerIdentity ?? ''), req.requestId || null, userActor(req.principal, rpc));
        return { room: toProtoRoom(room) };
      },
      async getRoom(req) {
        const actor = actorFromProto(req.principal);
        const snap = await rooms.get({ roomId: req.roomId, name: req.name }, actor);
        const playStreamIds = actor ? streamsToPlay(snap.members, actor.identity) : [];
        return { room: toProtoRoom(snap.room), members: snap.members.map(toProtoMember), seq: snap.seq, playStreamIds };
      },
      async listRooms(req, rpc) {
        if (req.pageSize > 100) throw new DomainError('INVALID_ARGUMENT', 'page_size must be at most 100', { field: 'page_size' });
        const limit = req.pageSize || 50;
        const found = await rooms.list(limit + 1, decodeCursor(req.pageToken), userActor(req.principal, rpc));
        const page = found.slice(0, limit);
        const last = page[page.length - 1];
        return {
          rooms: page.map(toProtoRoom),
          nextPageToken: found.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : '',
        };
      },
      async closeRoom(req, rpc) {
        return { room: toProtoRoom(await rooms.close(req.roomId, 'closed_by_api', userActor(req.principal, rpc))) };
      },
      async updateRoom(req, rpc) {
        const values = { displayName: req.room?.displayName ?? '', metadata: req.room?.metadata ?? '', ownerRights: ownerRightsFromProto(req.room?.ownerRights) };
        const patch = masked(req.updateMask, values, { display_name: 'displayName', metadata: 'metadata', owner_rights: 'ownerRights' });
        return { room: toProtoRoom(await rooms.update(req.roomId, patch, userActor(req.principal, rpc))) };
      },
      async joinRoom(req, rpc) {
        const identity = requireIdentity(req.identity);
        const result = await members.join({
          roomId: req.roomId,
          name: req.roomName,
          identity,
          displayName: req.displayName,
          sessionId: req.sessionId,
          createIfMissing: req.createIfMissing,
          createOptions: req.createOptions ? roomOptionsFromProto(req.createOptions, identity) : undefined,
          requestId: req.requestId,
          actor: userActor(req.principal, rpc),
          role: roleFromProto(req.role),
          kind: clientKindFromProto(req.kind),
          scope: rpc,
        });
        return {
          room: toProtoRoom(result.room),
          member: toProtoMember(result.member),
          members: result.members.map(toProtoMember),
          pushUrl: result.pushUrl ?? undefined,
          audienceEntryUrl: result.audienceEntryUrl ?? undefined,
          playUrls: result.playUrls,
          playStreamIds: streamsToPlay(result.members, result.member.identity),
          seq: result.seq,
        };
      },
      async leaveRoom(req, rpc) {
        const member = await members.leave(req.roomId, requireIdentity(req.identity), leaveReasonFromProto(req.reason, 'left'), userActor(req.principal, rpc));
        return { member: toProtoMember(member) };
      },
      async listMembers(req) {
        const snap = await rooms.get({ roomId: req.roomId }, actorFromProto(req.principal));
        return { members: snap.members.map(toProtoMember), seq: snap.seq };
      },
      async updateMember(req, rpc) {
        const m = req.member;
        const patch = masked(req.updateMask, { displayName: m?.displayName ?? '', avatarUrl: m?.avatarUrl ?? '', customData: m?.customData ?? '' }, {
          display_name: 'displayName',
          avatar_url: 'avatarUrl',
          custom_data: 'customData',
        });
        return { member: toProtoMember(await members.update(req.roomId, requireIdentity(req.identity), patch, userActor(req.principal, rpc))) };
      },
      async removeMember(req, rpc) {
        const { member, bannedUntil } = await members.remove(req.roomId, requireIdentity(req.identity), req.reasonText, req.banSeconds, userActor(req.principal, rpc));
        return { member: member ? toProtoMember(member) : undefined, bannedUntil: bannedUntil ?? undefined };
      },
      async unbanMember(req, rpc) {
        return { wasBanned: await members.unban(req.roomId, requireIdentity(req.identity), userActor(req.principal, rpc)) };
      },
      async listRoomEvents(req) {
        if (req.pageSize > 1000) throw new DomainError('INVALID_ARGUMENT', 'page_size must be at most 1000', { field: 'page_size' });
        return rooms.eventsAfter(req.roomId, req.afterSeq, req.pageSize || 100, actorFromProto(req.principal));
      },
      async setStreamState(req) {
        const { member, changed } = await members.setStreamState(
          req.roomId,
          requireIdentity(req.identity),
          req.publishing,
          streamSourceFromProto(req.source, 'client'),
        );
        return { member: toProtoMember(member), changed };
      },
      async leaveSession(req) {
        if (!req.sessionId) throw new DomainError('INVALID_ARGUMENT', 'session_id is required', { field: 'session_id' });
        const left = await members.leaveSession(req.sessionId, leaveReasonFromProto(req.reason, 'connection_lost'));
        return { members: left.map(toProtoMember) };
      },
      async setSessionConnection(req) {
        if (!req.sessionId) throw new DomainError('INVALID_ARGUMENT', 'session_id is required', { field: 'session_id' });
        const held = await members.setSessionConnection(req.sessionId, req.connected);
        // A resume's seats say where each room's notices continue (the gateway's welcome carries it).
        const roomSeqs = req.connected ? await members.seqsOf(held.map((m) => m.roomId)) : {};
        return { members: held.map(toProtoMember), roomSeqs };
      },
      async setSessionsConnection(req) {
        if (req.sessionIds.length > maxSessionsPerCall) throw new DomainError('INVALID_ARGUMENT', `at most ${maxSessionsPerCall} session ids`, { field: 'session_ids' });
        if (req.sessionIds.some((id) => !id)) throw new DomainError('INVALID_ARGUMENT', 'a session id is empty', { field: 'session_ids' });
        const held = await members.setSessionsConnection(req.sessionIds, req.connected);
        const seqs = req.connected ? await members.seqsOf([...held.values()].flat().map((m) => m.roomId)) : {};
        return {
          sessions: req.sessionIds.map((id) => {
            const seats = held.get(id) ?? [];
            return { members: seats.map(toProtoMember), roomSeqs: Object.fromEntries(seats.flatMap((m) => (m.roomId in seqs ? [[m.roomId, seqs[m.roomId]]] : []))) };
          }),
        };
      },
      async getMember(req) {
        const { member, room } = await members.get({ streamId: req.streamId, roomId: req.roomId, identity: req.identity }, actorFromProto(req.principal));
        return { member: toProtoMember(member), room: toProtoRoom(room) };
      },
      async setMediaState(req, rpc) {
        const report = { audio: req.audio, video: req.video };
        const source = streamSourceFromProto(req.source, 'client');
        const { member, changed } = await members.setMediaState(req.roomId, requireIdentity(req.identity), report, source, userActor(req.principal, rpc));
        return { member: toProtoMember(member), changed };
      },
      async muteMember(req, rpc) {
        const member = await members.muteMember(req.roomId, requireIdentity(req.identity), tracksOf(req), req.forbidUnmute, userActor(req.principal, rpc));
        return { member: toProtoMember(member) };
      },
      async allowUnmute(req, rpc) {
        return { member: toProtoMember(await members.allowUnmute(req.roomId, requireIdentity(req.identity), tracksOf(req), userActor(req.principal, rpc))) };
      },
      async setMemberRole(req, rpc) {
        const result = await members.setRole(req.roomId, requireIdentity(req.identity), roleFromProto(req.role), userActor(req.principal, rpc), rpc);
        return { member: toProtoMember(result.member), pending: result.pending, pushUrl: result.pushUrl ?? undefined, audienceEntryUrl: result.audienceEntryUrl ?? undefined };
      },
      ...messageHandlers(messages),
    },
    'rtcroom.room',
    roomServiceCallers,
  );
}
