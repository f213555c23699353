// Domain objects <-> their protobuf messages, for gRPC responses and NATS events alike.
import { DomainError } from '@rtcroom/common';
import { mediav1, roomv1 } from '@rtcroom/proto';
import { ClientKind, CloseReason, DuplicateIdentityPolicy, LeaveReason, Member, MemberRole, MemberState, OwnerLeavePolicy, OwnerRights, Room, RoomKind, RoomOptions, StreamSource } from '../domain/room';
import type { MediaSource, MediaState, TrackState } from '../domain/media-state';

const R = roomv1;

const kindToProto: Record<RoomKind, roomv1.RoomKind> = { group: R.RoomKind.ROOM_KIND_GROUP, call: R.RoomKind.ROOM_KIND_CALL };
const memberStateToProto: Record<MemberState, roomv1.MemberState> = {
  joined: R.MemberState.MEMBER_STATE_JOINED,
  publishing: R.MemberState.MEMBER_STATE_PUBLISHING,
  left: R.MemberState.MEMBER_STATE_LEFT,
};
const leaveReasonToProto: Record<LeaveReason, roomv1.LeaveReason> = {
  left: R.LeaveReason.LEAVE_REASON_LEFT,
  removed: R.LeaveReason.LEAVE_REASON_REMOVED,
  connection_lost: R.LeaveReason.LEAVE_REASON_CONNECTION_LOST,
  room_closed: R.LeaveReason.LEAVE_REASON_ROOM_CLOSED,
  replaced: R.LeaveReason.LEAVE_REASON_REPLACED,
  call_ended: R.LeaveReason.LEAVE_REASON_CALL_ENDED,
  transferred: R.LeaveReason.LEAVE_REASON_TRANSFERRED,
};
const closeReasonToProto: Record<CloseReason, roomv1.CloseReason> = {
  closed_by_api: R.CloseReason.CLOSE_REASON_CLOSED_BY_API,
  empty_timeout: R.CloseReason.CLOSE_REASON_EMPTY_TIMEOUT,
  departure_timeout: R.CloseReason.CLOSE_REASON_DEPARTURE_TIMEOUT,
  owner_left: R.CloseReason.CLOSE_REASON_OWNER_LEFT,
  call_ended: R.CloseReason.CLOSE_REASON_CALL_ENDED,
};
const streamSourceToProto: Record<StreamSource, roomv1.StreamSource> = {
  client: R.StreamSource.STREAM_SOURCE_CLIENT,
  media_server: R.StreamSource.STREAM_SOURCE_MEDIA_SERVER,
};

const ownerLeaveToProto: Record<OwnerLeavePolicy, roomv1.OwnerLeavePolicy> = {
  transfer: R.OwnerLeavePolicy.OWNER_LEAVE_POLICY_TRANSFER,
  close_room: R.OwnerLeavePolicy.OWNER_LEAVE_POLICY_CLOSE_ROOM,
};
const ownerRightsToProto: Record<OwnerRights, roomv1.OwnerRights> = {
  manage: R.OwnerRights.OWNER_RIGHTS_MANAGE,
  none: R.OwnerRights.OWNER_RIGHTS_NONE,
};
const duplicateToProto: Record<DuplicateIdentityPolicy, roomv1.DuplicateIdentityPolicy> = {
  replace: R.DuplicateIdentityPolicy.DUPLICATE_IDENTITY_POLICY_REPLACE,
  refuse: R.DuplicateIdentityPolicy.DUPLICATE_IDENTITY_POLICY_REFUSE,
};

const roleToProto: Record<MemberRole, roomv1.MemberRole> = {
  seat: R.MemberRole.MEMBER_ROLE_SEAT,
  audience: R.MemberRole.MEMBER_ROLE_AUDIENCE,
};
export const toProtoRole = (r: MemberRole | undefined) => roleToProto[r ?? 'seat'];
/** UNSPECIFIED (or unknown) reads as a seat. */
export const roleFromProto = (r: roomv1.MemberRole | undefined): MemberRole => (r === R.MemberRole.MEMBER_ROLE_AUDIENCE ? 'audience' : 'seat');

const clientKindToProto: Record<ClientKind, mediav1.ClientKind> = {
  mini_program: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM,
  browser: mediav1.ClientKind.CLIENT_KIND_BROWSER,
};

function invert<K extends string, V extends string>(map: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(map).map(([k, v]) => [v as V, k as K]));
}
const kindFromProtoMap = invert(kindToProto);
const leaveReasonFromProtoMap = invert(leaveReasonToProto);
const streamSourceFromProtoMap = invert(streamSourceToProto);
const ownerLeaveFromProtoMap = invert(ownerLeaveToProto);
const duplicateFromProtoMap = invert(duplicateToProto);
const ownerRightsFromProtoMap = invert(ownerRightsToProto);
const clientKindFromProtoMap = invert(clientKindToProto);

/** UNSPECIFIED (or unknown) means the default, manage. */
export const ownerRightsFromProto = (r: roomv1.OwnerRights | undefined): OwnerRights => ownerRightsFromProtoMap.get(r ?? R.OwnerRights.OWNER_RIGHTS_UNSPECIFIED) ?? 'manage';

export const toProtoClientKind = (k: ClientKind) => clientKindToProto[k];

/** Unset or UNSPECIFIED: a mini-program (every client from before kinds). An unknown value is refused. */
export function clientKindFromProto(k: mediav1.ClientKind | undefined, field = 'kind'): ClientKind {
  if (k === undefined || k === mediav1.ClientKind.CLIENT_KIND_UNSPECIFIED) return 'mini_program';
  const kind = clientKindFromProtoMap.get(k);
  if (!kind) throw new DomainError('INVALID_ARGUMENT', `${field} is not a known client kind`, { field });
  return kind;
}

export const toProtoLeaveReason = (r: LeaveReason) => leaveReasonToProto[r];
export const toProtoCloseReason = (r: CloseReason) => closeReasonToProto[r];
export const toProtoStreamSource = (s: StreamSource) => streamSourceToProto[s];

/** UNSPECIFIED (or unknown) maps to the fallback. */
export const kindFromProto = (k: roomv1.RoomKind, fallback: RoomKind): RoomKind => kindFromProtoMap.get(k) ?? fallback;
export const leaveReasonFromProto = (r: roomv1.LeaveReason, fallback: LeaveReason): LeaveReason => leaveReasonFromProtoMap.get(r) ?? fallback;
export const streamSourceFromProto = (s: roomv1.StreamSource, fallback: StreamSource): StreamSource => streamSourceFromProtoMap.get(s) ?? fallback;

export function toProtoRoom(room: Room): roomv1.Room {
  return {
    id: room.id,
    name: room.name,
    kind: kindToProto[room.kind],
    displayName: room.displayName,
    maxMembers: room.maxMembers,
    metadata: room.metadata,
    recording: room.recording,
    state: room.state === 'open' ? R.RoomState.ROOM_STATE_OPEN : R.RoomState.ROOM_STATE_CLOSED,
    ownerIdentity: room.ownerIdentity,
    ownerRights: ownerRightsToProto[room.ownerRights],
    memberCount: room.memberCount,
    createTime: room.createdAt,
    closeTime: room.closedAt ?? undefined,
    closeReason: room.closeReason ? closeReasonToProto[room.closeReason] : R.CloseReason.CLOSE_REASON_UNSPECIFIED,
    ownerLeavePolicy: ownerLeaveToProto[room.ownerLeavePolicy],
    emptyTimeoutSeconds: room.emptyTimeoutSeconds,
    departureTimeoutSeconds: room.departureTimeoutSeconds,
    duplicateIdentity: duplicateToProto[room.duplicateIdentity],
    recordingFormats: room.recordingFormats ?? [],
    messageWebhooks: room.messageWebhooks === true,
    audioOnly: room.audioOnly === true,
    maxAudience: room.maxAudience ?? 0,
    audienceCount: room.audienceCount ?? 0,
  };
}

/** The options of a room to create, as a caller gave them (defaults are the domain's to fill in). */
export function roomOptionsFromProto(room: roomv1.Room | undefined, ownerIdentity: string): RoomOptions {
  return {
    name: room?.name ?? '',
    kind: kindFromProto(room?.kind ?? R.RoomKind.ROOM_KIND_UNSPECIFIED, 'group'),
    displayName: room?.displayName ?? '',
    maxMembers: room?.maxMembers ?? 0,
    metadata: room?.metadata ?? '',
    recording: room?.recording ?? false,
    ownerIdentity,
    ownerRights: ownerRightsFromProto(room?.ownerRights),
    ownerLeavePolicy: ownerLeaveFromProtoMap.get(room?.ownerLeavePolicy ?? R.OwnerLeavePolicy.OWNER_LEAVE_POLICY_UNSPECIFIED) ?? 'transfer',
    emptyTimeoutSeconds: room?.emptyTimeoutSeconds ?? 0,
    departureTimeoutSeconds: room?.departureTimeoutSeconds ?? 0,
    duplicateIdentity: duplicateFromProtoMap.get(room?.duplicateIdentity ?? R.DuplicateIdentityPolicy.DUPLICATE_IDENTITY_POLICY_UNSPECIFIED) ?? 'replace',
    messageWebhooks: room?.messageWebhooks ?? false,
    audioOnly: room?.audioOnly ?? false,
    maxAudience: room?.maxAudience ?? 0,
  };
}

export function toProtoMember(m: Member): roomv1.Member {
  return {
    roomId: m.roomId,
    memberId: m.memberId,
    identity: m.identity,
    displayName: m.displayName,
    avatarUrl: m.avatarUrl,
    customData: m.customData,
    connectionInterrupted: m.connectionInterrupted,
    state: memberStateToProto[m.state],
    streamId: m.streamId,
    joinTime: m.joinedAt,
    leaveTime: m.leftAt ?? undefined,
    leaveReason: m.leaveReason ? leaveReasonToProto[m.leaveReason] : R.LeaveReason.LEAVE_REASON_UNSPECIFIED,
    role: toProtoRole(m.role),
    seatInvited: m.seatInvited ?? false,
    kind: clientKindToProto[m.kind],
    media: toProtoMediaState(m.media),
  };
}

const mediaSourceToProto: Record<MediaSource, roomv1.MediaSource> = {
  initial: R.MediaSource.MEDIA_SOURCE_INITIAL,
  client: R.MediaSource.MEDIA_SOURCE_CLIENT,
  media_server: R.MediaSource.MEDIA_SOURCE_MEDIA_SERVER,
};

const toProtoTrack = (t: TrackState): roomv1.TrackState => ({
  on: t.on,
  source: mediaSourceToProto[t.source],
  muteRequested: t.muteRequested,
  forbidden: t.forbidden,
  moderatorIdentity: t.moderatorIdentity,
});

export const toProtoMediaState = (s: MediaState): roomv1.MediaState => ({ audio: toProtoTrack(s.audio), video: toProtoTrack(s.video) });
