// The subset of the gateway's WebSocket protocol (proto/rtcroom/gateway/v1/gateway.proto) the bench
// speaks, as it looks on the wire: protobuf JSON mapping, so every field may be absent (proto3 omits
// defaults) and 64-bit integers such as seq may arrive as strings.

export interface WireRoom {
  id?: string;
  name?: string;
  kind?: string;
  maxMembers?: number;
  state?: string;
  ownerIdentity?: string;
  memberCount?: number;
  createTime?: string;
}

export interface WireMember {
  roomId?: string;
  memberId?: string;
  identity?: string;
  displayName?: string;
  state?: string;
  streamId?: string;
  joinTime?: string;
  leaveTime?: string;
  leaveReason?: string;
}

export interface WirePushUrl {
  streamId?: string;
  url?: string;
  expireTime?: string;
}

export interface WirePlayUrl {
  streamId?: string;
  viewerIdentity?: string;
  rtcUrl?: string;
  flvUrl?: string;
  expireTime?: string;
}

export interface WireNotice {
  roomId?: string;
  seq?: string | number;
  time?: string;
  memberJoined?: { member?: WireMember };
  memberLeft?: { member?: WireMember; reason?: string };
  streamStarted?: { member?: WireMember; playUrl?: WirePlayUrl };
  streamStopped?: { member?: WireMember };
  roomClosed?: { room?: WireRoom; reason?: string };
}

/** A call as the call frames carry it (rtcroom.room.v1.Call). */
export interface WireCall {
  id?: string;
  roomId?: string;
  callerIdentity?: string;
  calleeIdentity?: string;
  state?: string;
}

/** CallNotice: a call of yours changed (RINGING: an incoming call; ENDED). */
export interface WireCallNotice {
  call?: WireCall;
}

export interface WireJoinRoomResponse {
  room?: WireRoom;
  member?: WireMember;
  members?: WireMember[];
  pushUrl?: WirePushUrl;
  playUrls?: WirePlayUrl[];
  seq?: string | number;
}

/** A seat a resumed session still holds, with its room's current seq. */
export interface WireSeatHeld {
  roomId?: string;
  memberId?: string;
  seq?: string | number;
}

export interface WireWelcome {
  sessionId?: string;
  identity?: string;
  pingIntervalMs?: number;
  serverTime?: string;
  resumeToken?: string;
  resumeGraceMs?: number;
  resumed?: boolean;
  seats?: WireSeatHeld[];
}

/** ServerMessage: request_id plus exactly one of these. */
export interface ServerFrame {
  requestId?: string;
  welcome?: WireWelcome;
  error?: { code?: string; message?: string };
  ping?: { serverTime?: string };
  createRoom?: { room?: WireRoom };
  joinRoom?: WireJoinRoomResponse;
  leaveRoom?: { member?: WireMember };
  listRooms?: { rooms?: WireRoom[]; nextPageToken?: string };
  getRoom?: { room?: WireRoom; members?: WireMember[]; seq?: string | number };
  reportPusherEvent?: { action?: string };
  placeCall?: { call?: WireCall; room?: WireRoom };
  answerCall?: { call?: WireCall };
  notice?: WireNotice;
  callNotice?: WireCallNotice;
  syncRoom?: { room?: WireRoom; members?: WireMember[]; notices?: WireNotice[]; snapshot?: boolean };
  /** The gateway is going away: reconnect (elsewhere) after this long. */
  goAway?: { reason?: string; reconnectAfterMs?: number };
  /** Before the welcome: in line behind other connections opening. */
  waiting?: { position?: number; expectedWaitMs?: number };
}

export interface JoinRoomRequest {
  roomId?: string;
  roomName?: string;
  displayName?: string;
  createIfMissing?: boolean;
  createOptions?: { maxMembers?: number; kind?: string };
}

/** ClientMessage without its request_id: exactly one of these. */
export type ClientRequest =
  | { ping: Record<string, never> }
  | { createRoom: { room: { name?: string; maxMembers?: number; kind?: string } } }
  | { joinRoom: JoinRoomRequest }
  | { leaveRoom: { roomId: string } }
  | { listRooms: { pageSize?: number; pageToken?: string } }
  | { getRoom: { roomId?: string; name?: string } }
  | { reportPusherEvent: { roomId: string; code: number; message?: string } }
  | { placeCall: { calleeIdentity: string; ringTimeoutSeconds?: number } }
  | { answerCall: { callId: string; accept: boolean } }
  | { syncRoom: { roomId: string; afterSeq: string } };

/** The <live-pusher> bindstatechange code for "push began". */
export const PUSH_BEGAN = 1002;

export const GATEWAY_WS_PATH = '/v1/ws';

/** The gateway's WebSocket URL; with `resumeToken`, a reconnect that asks for the session back. */
export function wsUrl(address: string, token: string, resumeToken?: string): string {
  const resume = resumeToken ? `&resume_token=${encodeURIComponent(resumeToken)}` : '';
  return `ws://${address}${GATEWAY_WS_PATH}?access_token=${encodeURIComponent(token)}${resume}`;
}

export function seqOf(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
