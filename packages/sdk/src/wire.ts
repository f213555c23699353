// The messages frames carry, as they arrive -> the SDK's types with every field set. The gateway
// writes every scalar and enum field (0, "", false and UNSPECIFIED included) but leaves out empty
// lists and unset messages, and older gateways left out defaults too, as the protobuf JSON mapping
// allows: so each message is read here once rather than guarded everywhere it is used. Each reader
// returns a generated type with no optional keys, so a field added to the proto does not compile until
// it is read here; frames.unit.test.ts checks that what the gateway's own codec writes is read back
// whole.
import type { Agent, Call, CallRecording, LiveCall, MediaEntryUrl, MediaState, Member, TrackState, PlayUrl, PushUrl, Recording, Room, RoomMessage, Team, TeamStats } from './protocol.js';
import { fromBase64 } from './rooms/bytes.js';

/** A message or part of one as JSON.parse made it: checked field by field below. */
export type Raw = any;

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
export const bool = (v: unknown): boolean => v === true;
/** A timestamp: absent stays absent. */
export const time = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const list = <T>(v: unknown, read: (x: Raw) => T): T[] => (Array.isArray(v) ? v.map(read) : []);
/** An enum by its name; a name this SDK does not know (a newer gateway's) is passed on as it is. */
export const enumOf = <T extends string>(v: unknown, unspecified: T): T => (typeof v === 'string' && v !== '' ? (v as T) : unspecified);
/** A message's fields; anything but an object (absent, null, a stray scalar) reads as no fields set. */
export const fields = (v: unknown): Raw => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
/** An optional message: absent stays absent. */
export const maybe = <T>(v: unknown, read: (x: Raw) => T): T | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? read(v) : undefined);

export function readRoom(raw?: unknown): Room {
  const r = fields(raw);
  return {
    id: str(r.id),
    name: str(r.name),
    kind: enumOf(r.kind, 'ROOM_KIND_UNSPECIFIED'),
    displayName: str(r.displayName),
    maxMembers: num(r.maxMembers),
    metadata: str(r.metadata),
    recording: bool(r.recording),
    state: enumOf(r.state, 'ROOM_STATE_UNSPECIFIED'),
    ownerIdentity: str(r.ownerIdentity),
    memberCount: num(r.memberCount),
    createTime: time(r.createTime),
    closeTime: time(r.closeTime),
    closeReason: enumOf(r.closeReason, 'CLOSE_REASON_UNSPECIFIED'),
    ownerLeavePolicy: enumOf(r.ownerLeavePolicy, 'OWNER_LEAVE_POLICY_UNSPECIFIED'),
    emptyTimeoutSeconds: num(r.emptyTimeoutSeconds),
    departureTimeoutSeconds: num(r.departureTimeoutSeconds),
    duplicateIdentity: enumOf(r.duplicateIdentity, 'DUPLICATE_IDENTITY_POLICY_UNSPECIFIED'),
    recordingFormats: list(r.recordingFormats, str),
    ownerRights: enumOf(r.ownerRights, 'OWNER_RIGHTS_UNSPECIFIED'),
    messageWebhooks: bool(r.messageWebhooks),
    audioOnly: bool(r.audioOnly),
    maxAudience: num(r.maxAudience),
    audienceCount: num(r.audienceCount),
  };
}

export function readMember(raw?: unknown): Member {
  const m = fields(raw);
  return {
    roomId: str(m.roomId),
    memberId: str(m.memberId),
    identity: str(m.identity),
    displayName: str(m.displayName),
    state: enumOf(m.state, 'MEMBER_STATE_UNSPECIFIED'),
    streamId: str(m.streamId),
    joinTime: time(m.joinTime),
    leaveTime: time(m.leaveTime),
    leaveReason: enumOf(m.leaveReason, 'LEAVE_REASON_UNSPECIFIED'),
    avatarUrl: str(m.avatarUrl),
    customData: str(m.customData),
    connectionInterrupted: bool(m.connectionInterrupted),
    role: enumOf(m.role, 'MEMBER_ROLE_UNSPECIFIED'),
    seatInvited: bool(m.seatInvited),
    // UNSPECIFIED only from a gateway before kinds, which seated mini-programs only.
    kind: enumOf(m.kind, 'CLIENT_KIND_UNSPECIFIED'),
    media: readMediaState(m.media),
  };
}

export function readTrackState(raw?: unknown): TrackState {
  const t = fields(raw);
  return { on: bool(t.on), source: enumOf(t.source, 'MEDIA_SOURCE_UNSPECIFIED'), muteRequested: bool(t.muteRequested), forbidden: bool(t.forbidden), moderatorIdentity: str(t.moderatorIdentity) };
}

export function readMediaState(raw?: unknown): MediaState {
  const s = fields(raw);
  return { audio: readTrackState(s.audio), video: readTrackState(s.video) };
}

/** An audience member's way into a TRTC media room (receive only; never a push URL). */
export function readEntryUrl(raw?: unknown): MediaEntryUrl {
  const e = fields(raw);
  return { url: str(e.url), expireTime: time(e.expireTime) };
}

export function readPushUrl(raw?: unknown): PushUrl {
  const p = fields(raw);
  return {
    streamId: str(p.streamId),
    url: str(p.url),
    expireTime: time(p.expireTime),
    recording: bool(p.recording),
    webrtcUrl: str(p.webrtcUrl),
    webrtcUnavailable: str(p.webrtcUnavailable),
  };
}

export function readPlayUrl(raw?: unknown): PlayUrl {
  const p = fields(raw);
  return {
    streamId: str(p.streamId),
    viewerIdentity: str(p.viewerIdentity),
    rtcUrl: str(p.rtcUrl),
    rtmpUrl: str(p.rtmpUrl),
    flvUrl: str(p.flvUrl),
    hlsUrl: str(p.hlsUrl),
    expireTime: time(p.expireTime),
    webrtcUrl: str(p.webrtcUrl),
    webrtcUnavailable: str(p.webrtcUnavailable),
  };
}

export function readCall(raw?: unknown): Call {
  const c = fields(raw);
  return {
    id: str(c.id),
    roomId: str(c.roomId),
    callerIdentity: str(c.callerIdentity),
    calleeIdentity: str(c.calleeIdentity),
    state: enumOf(c.state, 'CALL_STATE_UNSPECIFIED'),
    endReason: enumOf(c.endReason, 'CALL_END_REASON_UNSPECIFIED'),
    endedBy: str(c.endedBy),
    callerStreamId: str(c.callerStreamId),
    createTime: time(c.createTime),
    ringTime: time(c.ringTime),
    answerTime: time(c.answerTime),
    endTime: time(c.endTime),
    metadata: str(c.metadata),
    teamId: str(c.teamId),
    queuePosition: num(c.queuePosition),
    estimatedWaitSeconds: num(c.estimatedWaitSeconds),
    agentIdentities: list(c.agentIdentities, str),
    invitedIdentities: list(c.invitedIdentities, str),
    queueTime: time(c.queueTime),
  };
}

export function readTeam(raw?: unknown): Team {
  const t = fields(raw);
  return {
    id: str(t.id),
    name: str(t.name),
    displayName: str(t.displayName),
    recordingFormats: list(t.recordingFormats, str),
    ringTimeoutSeconds: num(t.ringTimeoutSeconds),
    wrapUpSeconds: num(t.wrapUpSeconds),
    queueLimit: num(t.queueLimit),
    createTime: time(t.createTime),
  };
}

export function readAgent(raw?: unknown): Agent {
  const a = fields(raw);
  return {
    teamId: str(a.teamId),
    identity: str(a.identity),
    state: enumOf(a.state, 'AGENT_STATE_UNSPECIFIED'),
    stateTime: time(a.stateTime),
    connected: bool(a.connected),
    busyElsewhere: enumOf(a.busyElsewhere, 'AGENT_STATE_UNSPECIFIED'),
  };
}

export function readTeamStats(raw?: unknown): TeamStats {
  const s = fields(raw);
  return {
    teamId: str(s.teamId),
    since: time(s.since),
    callsOffered: num(s.callsOffered),
    callsAnswered: num(s.callsAnswered),
    callsAbandoned: num(s.callsAbandoned),
    waitingNow: num(s.waitingNow),
    averageWaitSeconds: num(s.averageWaitSeconds),
    longestWaitSeconds: num(s.longestWaitSeconds),
    averageHandlingSeconds: num(s.averageHandlingSeconds),
    agentsSignedIn: num(s.agentsSignedIn),
    agentsAvailable: num(s.agentsAvailable),
  };
}

export function readLiveCall(raw?: unknown): LiveCall {
  const c = fields(raw);
  return {
    callId: str(c.callId),
    teamId: str(c.teamId),
    roomId: str(c.roomId),
    agentIdentity: str(c.agentIdentity),
    customerIdentity: str(c.customerIdentity),
    answerTime: time(c.answerTime),
    guestIdentities: list(c.guestIdentities, str),
    members: list(c.members, readMember),
  };
}

export function readCallRecording(raw?: unknown): CallRecording {
  const r = fields(raw);
  return {
    recording: readRecording(r.recording),
    callId: str(r.callId),
    teamId: str(r.teamId),
    customerIdentity: str(r.customerIdentity),
    agentIdentities: list(r.agentIdentities, str),
  };
}

export function readRecording(raw?: unknown): Recording {
  const r = fields(raw);
  return {
    id: str(r.id),
    roomId: str(r.roomId),
    memberId: str(r.memberId),
    identity: str(r.identity),
    streamId: str(r.streamId),
    mediaServer: enumOf(r.mediaServer, 'MEDIA_SERVER_UNSPECIFIED'),
    filePath: str(r.filePath),
    url: str(r.url),
    format: str(r.format),
    sizeBytes: num(r.sizeBytes),
    startTime: time(r.startTime),
    endTime: time(r.endTime),
    mediaFileId: str(r.mediaFileId),
    createTime: time(r.createTime),
  };
}

/** A room message; a custom payload arrives as base64 and is handed on as bytes. */
export function readRoomMessage(raw?: unknown): RoomMessage {
  const m = fields(raw);
  const message: RoomMessage = {
    id: str(m.id),
    roomId: str(m.roomId),
    seq: num(m.seq),
    time: time(m.time),
    senderMemberId: str(m.senderMemberId),
    senderIdentity: str(m.senderIdentity),
    recipients: list(m.recipients, str),
  };
  if (typeof m.text === 'string') message.text = m.text;
  const custom = maybe(m.custom, (c) => ({ topic: str(c.topic), payload: fromBase64(str(c.payload)) }));
  if (custom) message.custom = custom;
  return message;
}
