// The gateway's WebSocket protocol as the SDK hands it to apps. The messages are the types generated
// from proto/rtcroom/gateway/v1/gateway.proto into gen/ (see buf.gen.yaml): the protobuf JSON mapping,
// types only, so the SDK needs no protobuf library at run time. This file only narrows them where the
// SDK promises more than the wire does, and names the requests and their answers. Every field of a
// message the SDK hands on is there: the readers in wire.ts fill in what a frame left out.
import type * as gw from './gen/rtcroom/gateway/v1/gateway.js';
import type { AgentState } from './gen/rtcroom/desk/v1/desk.js';
import type { Room } from './gen/rtcroom/room/v1/room.js';

export type { CloseReason, DuplicateIdentityPolicy, LeaveReason, MediaChangeReason, MediaSource, MediaState, Member, MemberRole, MemberState, OwnerLeavePolicy, OwnerRights, Room, RoomKind, RoomState, TrackState } from './gen/rtcroom/room/v1/room.js';
export type { Call, CallEndReason, CallState } from './gen/rtcroom/room/v1/call.js';
export type { ClientKind, MediaEntryUrl, PlayUrl, PushUrl } from './gen/rtcroom/media/v1/url.js';
export type { MediaServer, Recording } from './gen/rtcroom/media/v1/recording.js';
export type { Agent, AgentState, Team } from './gen/rtcroom/desk/v1/desk.js';
export type { CallRecording, LiveCall, TeamStats } from './gen/rtcroom/desk/v1/desk_service.js';
export type { GoAway, SeatHeld, TokenExpiring, Waiting, Welcome } from './gen/rtcroom/gateway/v1/gateway.js';
export type { CustomMessage, RoomMessage } from './gen/rtcroom/room/v1/room_message.js';

/** Timestamps travel as RFC 3339 strings. */
export type Timestamp = string;

/** The states an agent may set itself. */
export type SettableAgentState = Extract<AgentState, 'AGENT_STATE_AVAILABLE' | 'AGENT_STATE_AWAY' | 'AGENT_STATE_SIGNED_OUT'>;

/** What the server made of a pusher report (a string in the proto: presence's PusherAction without its prefix). */
export type PusherAction = 'STREAM_STARTED' | 'STREAM_STOPPED' | 'REISSUE_URL' | 'NONE';

/** T with the message fields K always set: a reader fills one the frame left out with its defaults. */
export type Filled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> };

/** The kinds of room notice, by their key in RoomNotice. */
export type NoticeKind = Exclude<keyof gw.RoomNotice, 'roomId' | 'seq' | 'time'>;

/** The message each kind of notice is about, always set. */
interface NoticeSubjects {
  memberJoined: 'member';
  memberLeft: 'member';
  memberUpdated: 'member';
  memberConnection: 'member';
  streamStarted: 'member';
  streamStopped: 'member';
  roomUpdated: 'room';
  roomClosed: 'room';
  recordingReady: 'recording';
  message: 'message';
  memberMedia: 'member';
  memberRole: 'member';
  seatRequest: 'member';
  /** Only the audience's size. */
  audience: never;
}

/** One room notice's payload: exactly one of these is set. */
export type NoticeBody = { [K in NoticeKind]?: Filled<NonNullable<gw.RoomNotice[K]>, NoticeSubjects[K] & keyof NonNullable<gw.RoomNotice[K]>> };

export type RoomNotice = Pick<gw.RoomNotice, 'roomId' | 'seq' | 'time'> & NoticeBody;

/**
 * A call of yours changed; callerPlayUrl is set on the callee's CALL_STATE_RINGING. To a desk call's
 * agent alone, whisperPlayUrl and whisperIdentity: a supervisor whispers.
 */
export type CallNotice = Filled<gw.CallNotice, 'call'>;

/** Room creation options (the Room fields a create reads). */
export type RoomOptions = Partial<
  Pick<Room, 'name' | 'kind' | 'displayName' | 'maxMembers' | 'metadata' | 'recording' | 'ownerLeavePolicy' | 'emptyTimeoutSeconds' | 'departureTimeoutSeconds' | 'duplicateIdentity' | 'messageWebhooks' | 'audioOnly' | 'maxAudience'>
>;

/** Every request a client may send, by its key in ClientMessage. */
export type RequestKind = Exclude<keyof gw.ClientMessage, 'requestId'>;

/** A message as the SDK sends it: any field may be left out (the gateway reads it as its default). */
type Sent<T> = { [P in keyof T]?: Exclude<T[P], undefined> extends unknown[] ? T[P] : Exclude<T[P], undefined> extends object ? Sent<Exclude<T[P], undefined>> : T[P] };

/** What each request carries, where the SDK narrows the wire. */
interface Bodies {
  setAgentState: Omit<Sent<gw.SetAgentStateRequest>, 'state'> & { state: SettableAgentState };
  /** A custom payload travels as base64 (the protobuf JSON mapping of bytes). */
  sendMessage: Omit<Sent<gw.SendMessageRequest>, 'custom'> & { custom?: { topic: string; payload: string } };
}

export type RequestBody<K extends RequestKind> = K extends keyof Bodies ? Bodies[K] : Sent<NonNullable<gw.ClientMessage[K]>>;

/** What each request is answered with: the response of the same key in ServerMessage, with what is always there set. */
interface Answers {
  ping: gw.PingResponse;
  createRoom: Filled<gw.CreateRoomResponse, 'room'>;
  joinRoom: Filled<gw.JoinRoomResponse, 'room' | 'member'>;
  leaveRoom: Filled<gw.LeaveRoomResponse, 'member'>;
  listRooms: gw.ListRoomsResponse;
  getRoom: Filled<gw.GetRoomResponse, 'room'>;
  reportPusherEvent: { action: PusherAction };
  updateMember: Filled<gw.UpdateMemberResponse, 'member'>;
  updateRoom: Filled<gw.UpdateRoomResponse, 'room'>;
  /** member: the seat that ended, absent after a pre-ban (the identity held none); bannedUntil: with a ban. */
  removeMember: gw.RemoveMemberResponse;
  closeRoom: Filled<gw.CloseRoomResponse, 'room'>;
  placeCall: Filled<gw.PlaceCallResponse, 'call' | 'room' | 'member'>;
  /** room and member: when the answer seated you (an acceptance). */
  answerCall: Filled<gw.AnswerCallResponse, 'call'>;
  cancelCall: Filled<gw.CancelCallResponse, 'call'>;
  hangUp: Filled<gw.HangUpResponse, 'call'>;
  syncRoom: Omit<Filled<gw.SyncRoomResponse, 'room'>, 'notices'> & { notices: RoomNotice[] };
  getCall: Filled<gw.GetCallResponse, 'call'>;
  setAgentState: Filled<gw.SetAgentStateResponse, 'agent'>;
  getTeam: Filled<gw.GetTeamResponse, 'team'>;
  callTeam: Filled<gw.CallTeamResponse, 'call' | 'room' | 'member'>;
  transferCall: Filled<gw.TransferCallResponse, 'call'>;
  inviteToCall: Filled<gw.InviteToCallResponse, 'call'>;
  getTeamStats: Filled<gw.GetTeamStatsResponse, 'stats'>;
  /** The new token's expiry. */
  refreshToken: gw.RefreshTokenResponse;
  sendMessage: Filled<gw.SendMessageResponse, 'message'>;
  listMessages: gw.ListMessagesResponse;
  setMediaState: Filled<gw.SetMediaStateResponse, 'member'>;
  muteMember: Filled<gw.MuteMemberResponse, 'member'>;
  allowUnmute: Filled<gw.AllowUnmuteResponse, 'member'>;
  /** pushUrl: set when the answer promoted you to a seat; audienceEntryUrl (TRTC): when it moved you back to the audience. */
  setMemberRole: Filled<gw.SetMemberRoleResponse, 'member'>;
  listLiveCalls: gw.ListLiveCallsResponse;
  monitorCall: Filled<gw.MonitorCallResponse, 'call'>;
  bargeIn: Filled<gw.BargeInResponse, 'call' | 'room' | 'member'>;
  whisper: Filled<gw.WhisperResponse, 'call' | 'pushUrl'>;
  stopMonitor: gw.StopMonitorResponse;
  listCallRecordings: gw.ListCallRecordingsResponse;
  /** Your calls under way (not ended), oldest first. */
  listMyCalls: gw.ListMyCallsResponse;
}

export type Answer<K extends RequestKind> = Answers[K];

/** Every request, by its frame key, with its body and its answer. */
export type Requests = { [K in RequestKind]: { body: RequestBody<K>; answer: Answer<K> } };

/** A frame from the gateway as the SDK reads it: the request id and the one case it carries. */
export type ServerMessage = { requestId: string } & { [K in RequestKind]?: Answer<K> } & {
  welcome?: gw.Welcome;
  error?: gw.Error;
  notice?: RoomNotice;
  callNotice?: CallNotice;
  goAway?: gw.GoAway;
  /** Before the welcome: in line behind other connections opening. */
  waiting?: gw.Waiting;
  tokenExpiring?: gw.TokenExpiring;
  monitorNotice?: gw.MonitorNotice;
  streamPlayable?: gw.StreamPlayableNotice;
};

/** The cases of a gateway frame, by key. */
export type ServerCase = Exclude<keyof gw.ServerMessage, 'requestId'>;

// Compile-time checks that the narrowing above still fits the generated types: a request or a frame
// case added to the proto, or an answer that no longer is what the gateway sends, fails the build.
type Assert<T extends true> = T;
type Checks = [
  Assert<RequestKind extends keyof Answers ? (keyof Answers extends RequestKind ? true : false) : false>,
  Assert<{ [K in RequestKind]: Answers[K] extends NonNullable<gw.ServerMessage[K]> ? true : false }[RequestKind]>,
  Assert<ServerCase extends keyof ServerMessage ? true : false>,
  Assert<{ [K in ServerCase]: NonNullable<ServerMessage[K]> extends NonNullable<gw.ServerMessage[K]> ? true : false }[ServerCase]>,
  Assert<NoticeKind extends keyof NoticeSubjects ? true : false>,
];
