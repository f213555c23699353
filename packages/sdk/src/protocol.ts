// The gateway's WebSocket protocol as the SDK sees it: the protobuf JSON mapping of
// proto/rtcroom/gateway/v1/gateway.proto (and the room, call, desk and URL messages it carries), written by
// hand so the SDK needs no protobuf library at run time. Fields at their default value are left out of
// frames by the gateway, so every field read from the wire is optional here and the SDK fills in
// defaults (see wire.ts).

export type RoomKind = 'ROOM_KIND_UNSPECIFIED' | 'ROOM_KIND_GROUP' | 'ROOM_KIND_CALL';
export type RoomState = 'ROOM_STATE_UNSPECIFIED' | 'ROOM_STATE_OPEN' | 'ROOM_STATE_CLOSED';
export type MemberState = 'MEMBER_STATE_UNSPECIFIED' | 'MEMBER_STATE_JOINED' | 'MEMBER_STATE_PUBLISHING' | 'MEMBER_STATE_LEFT';
export type LeaveReason =
  | 'LEAVE_REASON_UNSPECIFIED'
  | 'LEAVE_REASON_LEFT'
  | 'LEAVE_REASON_REMOVED'
  | 'LEAVE_REASON_CONNECTION_LOST'
  | 'LEAVE_REASON_ROOM_CLOSED'
  | 'LEAVE_REASON_REPLACED'
  | 'LEAVE_REASON_CALL_ENDED'
  | 'LEAVE_REASON_TRANSFERRED';
export type CloseReason =
  | 'CLOSE_REASON_UNSPECIFIED'
  | 'CLOSE_REASON_CLOSED_BY_API'
  | 'CLOSE_REASON_EMPTY_TIMEOUT'
  | 'CLOSE_REASON_DEPARTURE_TIMEOUT'
  | 'CLOSE_REASON_OWNER_LEFT'
  | 'CLOSE_REASON_CALL_ENDED';
export type CallState = 'CALL_STATE_UNSPECIFIED' | 'CALL_STATE_DIALING' | 'CALL_STATE_RINGING' | 'CALL_STATE_ACTIVE' | 'CALL_STATE_ENDED' | 'CALL_STATE_QUEUED';
export type CallEndReason =
  | 'CALL_END_REASON_UNSPECIFIED'
  | 'CALL_END_REASON_CANCELLED'
  | 'CALL_END_REASON_REJECTED'
  | 'CALL_END_REASON_TIMEOUT'
  | 'CALL_END_REASON_HUNG_UP'
  | 'CALL_END_REASON_CONNECTION_LOST'
  | 'CALL_END_REASON_ROOM_CLOSED';
export type OwnerLeavePolicy = 'OWNER_LEAVE_POLICY_UNSPECIFIED' | 'OWNER_LEAVE_POLICY_TRANSFER' | 'OWNER_LEAVE_POLICY_CLOSE_ROOM';
export type DuplicateIdentityPolicy = 'DUPLICATE_IDENTITY_POLICY_UNSPECIFIED' | 'DUPLICATE_IDENTITY_POLICY_REPLACE' | 'DUPLICATE_IDENTITY_POLICY_REFUSE';
/** Where a service-desk agent stands: agents set AVAILABLE, AWAY, SIGNED_OUT; the system RINGING, IN_CALL, WRAP_UP. */
export type AgentState =
  | 'AGENT_STATE_UNSPECIFIED'
  | 'AGENT_STATE_SIGNED_OUT'
  | 'AGENT_STATE_AVAILABLE'
  | 'AGENT_STATE_RINGING'
  | 'AGENT_STATE_IN_CALL'
  | 'AGENT_STATE_WRAP_UP'
  | 'AGENT_STATE_AWAY';
/** The states an agent may set itself. */
export type SettableAgentState = 'AGENT_STATE_AVAILABLE' | 'AGENT_STATE_AWAY' | 'AGENT_STATE_SIGNED_OUT';
/** What the server made of a pusher report. */
export type PusherAction = 'STREAM_STARTED' | 'STREAM_STOPPED' | 'REISSUE_URL' | 'NONE';

/** Timestamps travel as RFC 3339 strings. */
export type Timestamp = string;

export interface Room {
  id: string;
  name: string;
  kind: RoomKind;
  displayName: string;
  maxMembers: number;
  metadata: string;
  recording: boolean;
  state: RoomState;
  ownerIdentity: string;
  memberCount: number;
  createTime?: Timestamp;
  closeTime?: Timestamp;
  closeReason: CloseReason;
  ownerLeavePolicy: OwnerLeavePolicy;
  emptyTimeoutSeconds: number;
  departureTimeoutSeconds: number;
  duplicateIdentity: DuplicateIdentityPolicy;
}

export interface Member {
  roomId: string;
  memberId: string;
  identity: string;
  displayName: string;
  state: MemberState;
  streamId: string;
  joinTime?: Timestamp;
  leaveTime?: Timestamp;
  leaveReason: LeaveReason;
  avatarUrl: string;
  customData: string;
  /** True while the member's connection is interrupted (it keeps its seat for the grace period). */
  connectionInterrupted: boolean;
}

/** For <live-pusher url="...">. */
export interface PushUrl {
  streamId: string;
  url: string;
  /** After this the media server refuses the URL (pusher code 3004). */
  expireTime?: Timestamp;
  recording: boolean;
}

/** URLs one viewer may play a stream from: rtcUrl for <live-player mode="RTC">. */
export interface PlayUrl {
  streamId: string;
  viewerIdentity: string;
  rtcUrl: string;
  rtmpUrl: string;
  flvUrl: string;
  hlsUrl: string;
  expireTime?: Timestamp;
}

export interface Call {
  id: string;
  roomId: string;
  callerIdentity: string;
  calleeIdentity: string;
  state: CallState;
  endReason: CallEndReason;
  endedBy: string;
  callerStreamId: string;
  createTime?: Timestamp;
  ringTime?: Timestamp;
  answerTime?: Timestamp;
  endTime?: Timestamp;
  metadata: string;
  /** Service desk: the team called (id); empty for a call between two identities. */
  teamId: string;
  /** While QUEUED: 1 for the next call to be offered. */
  queuePosition: number;
  /** While QUEUED: about how long until an agent is offered the call. */
  estimatedWaitSeconds: number;
  /** Service desk: every agent who has held the call, in order. */
  agentIdentities: string[];
  /** Identities invited into the running call: each may accept with answerCall. */
  invitedIdentities: string[];
  /** When the call began to wait for an agent. */
  queueTime?: Timestamp;
}

/** A service-desk team that customers call. */
export interface Team {
  id: string;
  name: string;
  displayName: string;
  recordingFormats: string[];
  ringTimeoutSeconds: number;
  wrapUpSeconds: number;
  queueLimit: number;
  createTime?: Timestamp;
}

export interface Agent {
  teamId: string;
  identity: string;
  state: AgentState;
  /** Since when the agent is in this state. */
  stateTime?: Timestamp;
  /** Connected to a gateway right now (an agent who is not is out of rotation). */
  connected: boolean;
  /** An agent of several teams ringing, in a call or wrapping up for another: out of this team's rotation. */
  busyElsewhere?: AgentState;
}

/** A team's figures over the calls made since `since`. */
export interface TeamStats {
  teamId: string;
  since?: Timestamp;
  callsOffered: number;
  callsAnswered: number;
  callsAbandoned: number;
  waitingNow: number;
  averageWaitSeconds: number;
  longestWaitSeconds: number;
  averageHandlingSeconds: number;
  agentsSignedIn: number;
  agentsAvailable: number;
}

/** A finished recording of one member's stream. */
export interface Recording {
  id: string;
  roomId: string;
  memberId: string;
  identity: string;
  streamId: string;
  mediaServer: string;
  /** Where the media server wrote the file (nginx-rtmp); empty for Tencent. */
  filePath: string;
  /** Where to fetch it, when the deployment says so. */
  url: string;
  /** flv, mp4 or hls. */
  format: string;
  sizeBytes: number;
  startTime?: Timestamp;
  endTime?: Timestamp;
  mediaFileId: string;
  createTime?: Timestamp;
}

export interface SeatHeld {
  roomId: string;
  memberId: string;
  seq: number;
}

export interface Welcome {
  sessionId: string;
  identity: string;
  pingIntervalMs: number;
  serverTime?: Timestamp;
  resumeToken: string;
  resumeGraceMs: number;
  resumed: boolean;
  seats: SeatHeld[];
}

/** The gateway's word that the connection's access token expires soon: refresh it before expireTime. */
export interface TokenExpiring {
  expireTime?: Timestamp;
}

/** One room notice's payload: exactly one of these is set. */
export interface NoticeBody {
  memberJoined?: { member: Member };
  memberLeft?: { member: Member; reason: LeaveReason; reasonText: string };
  memberUpdated?: { member: Member };
  memberConnection?: { member: Member; connected: boolean };
  streamStarted?: { member: Member; playUrl?: PlayUrl };
  streamStopped?: { member: Member };
  roomUpdated?: { room: Room };
  roomClosed?: { room: Room; reason: CloseReason };
  recordingReady?: { recording: Recording };
}

export interface RoomNotice extends NoticeBody {
  roomId: string;
  seq: number;
  time?: Timestamp;
}

export interface CallNotice {
  call: Call;
  /** Set on the callee's CALL_STATE_RINGING: the caller's stream, signed for the callee. */
  callerPlayUrl?: PlayUrl;
}

/** Room creation options (the Room fields a create reads). */
export interface RoomOptions {
  name?: string;
  kind?: RoomKind;
  displayName?: string;
  maxMembers?: number;
  metadata?: string;
  recording?: boolean;
  ownerLeavePolicy?: OwnerLeavePolicy;
  emptyTimeoutSeconds?: number;
  departureTimeoutSeconds?: number;
  duplicateIdentity?: DuplicateIdentityPolicy;
}

/** Every request, by its frame key, with its body and its answer. */
export interface Requests {
  ping: { body: Record<string, never>; answer: { serverTime?: Timestamp } };
  createRoom: { body: { room: RoomOptions }; answer: { room: Room } };
  joinRoom: {
    body: { roomId?: string; roomName?: string; displayName?: string; createIfMissing?: boolean; createOptions?: RoomOptions; idempotencyKey?: string };
    answer: { room: Room; member: Member; members: Member[]; pushUrl?: PushUrl; playUrls: PlayUrl[]; seq: number };
  };
  leaveRoom: { body: { roomId: string }; answer: { member: Member } };
  listRooms: { body: { pageSize?: number; pageToken?: string }; answer: { rooms: Room[]; nextPageToken: string } };
  getRoom: { body: { roomId?: string; name?: string }; answer: { room: Room; members: Member[]; seq: number } };
  reportPusherEvent: { body: { roomId: string; code: number; message?: string }; answer: { action: PusherAction } };
  updateMember: {
    body: { roomId: string; displayName?: string; avatarUrl?: string; customData?: string; updateMask: string[] };
    answer: { member: Member };
  };
  updateRoom: { body: { roomId: string; displayName?: string; metadata?: string; updateMask: string[] }; answer: { room: Room } };
  removeMember: {
    body: { roomId: string; identity: string; reasonText?: string; banSeconds?: number };
    /** member: the seat that ended, absent after a pre-ban (the identity held none); bannedUntil: with a ban. */
    answer: { member?: Member; bannedUntil?: Timestamp };
  };
  closeRoom: { body: { roomId: string }; answer: { room: Room } };
  placeCall: {
    body: { calleeIdentity: string; recording?: boolean; metadata?: string; ringTimeoutSeconds?: number };
    answer: { call: Call; room: Room; member: Member; pushUrl?: PushUrl; seq: number };
  };
  answerCall: {
    body: { callId: string; accept: boolean };
    answer: { call: Call; room?: Room; member?: Member; members: Member[]; pushUrl?: PushUrl; playUrls: PlayUrl[]; seq: number };
  };
  cancelCall: { body: { callId: string }; answer: { call: Call } };
  hangUp: { body: { callId: string }; answer: { call: Call } };
  syncRoom: {
    body: { roomId: string; afterSeq: number };
    answer: { room: Room; members: Member[]; notices: RoomNotice[]; snapshot: boolean; seq: number; playUrls: PlayUrl[] };
  };
  getCall: { body: { callId: string }; answer: { call: Call } };
  setAgentState: { body: { team: string; state: SettableAgentState }; answer: { agent: Agent } };
  getTeam: { body: { team: string }; answer: { team: Team; agents: Agent[]; queue: Call[] } };
  callTeam: { body: { team: string; metadata?: string }; answer: { call: Call; room: Room; member: Member; pushUrl?: PushUrl; seq: number } };
  transferCall: { body: { callId: string; toIdentity?: string; toTeam?: string }; answer: { call: Call } };
  inviteToCall: { body: { callId: string; identity: string }; answer: { call: Call } };
  getTeamStats: { body: { team: string }; answer: { stats: TeamStats } };
  /** Replaces the connection's access token (same identity); answers the new token's expiry. */
  refreshToken: { body: { accessToken: string }; answer: { expireTime?: Timestamp } };
}

export type RequestKind = keyof Requests;
export type RequestBody<K extends RequestKind> = Requests[K]['body'];
export type Answer<K extends RequestKind> = Requests[K]['answer'];
