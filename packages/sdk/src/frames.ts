// One frame each way: what the SDK sends (a ClientMessage: the request id and one request under its
// key) and what it makes of what the gateway sends (a ServerMessage, every field of the case it
// carries set; see wire.ts for the messages inside).
import type { Answer, Call, CallNotice, NoticeBody, NoticeKind, PusherAction, RequestBody, RequestKind, RoomNotice, ServerCase, ServerMessage, Welcome } from './protocol.js';
import { bool, enumOf, fields, list, maybe, num, Raw, readAgent, readCall, readCallRecording, readEntryUrl, readLiveCall, readMember, readPlayUrl, readPushUrl, readRecording, readRoom, readRoomMessage, readTeam, readTeamStats, str, time } from './wire.js';

/** The text of a request frame. */
export function requestFrame<K extends RequestKind>(requestId: string, kind: K, body: RequestBody<K>): string {
  return JSON.stringify({ requestId, [kind]: body });
}

const noticeReaders: { [K in NoticeKind]: (x: Raw) => NonNullable<NoticeBody[K]> } = {
  memberJoined: (x) => ({ member: readMember(x.member) }),
  memberLeft: (x) => ({ member: readMember(x.member), reason: enumOf(x.reason, 'LEAVE_REASON_UNSPECIFIED'), reasonText: str(x.reasonText) }),
  memberUpdated: (x) => ({ member: readMember(x.member) }),
  memberConnection: (x) => ({ member: readMember(x.member), connected: bool(x.connected) }),
  streamStarted: (x) => ({ member: readMember(x.member), playUrl: maybe(x.playUrl, readPlayUrl) }),
  streamStopped: (x) => ({ member: readMember(x.member) }),
  roomUpdated: (x) => ({ room: readRoom(x.room) }),
  roomClosed: (x) => ({ room: readRoom(x.room), reason: enumOf(x.reason, 'CLOSE_REASON_UNSPECIFIED') }),
  recordingReady: (x) => ({ recording: readRecording(x.recording) }),
  message: (x) => ({ message: readRoomMessage(x.message) }),
  memberMedia: (x) => ({ member: readMember(x.member), reason: enumOf(x.reason, 'MEDIA_CHANGE_REASON_UNSPECIFIED') }),
  memberRole: (x) => ({ member: readMember(x.member), previousRole: enumOf(x.previousRole, 'MEMBER_ROLE_UNSPECIFIED'), byIdentity: str(x.byIdentity), audienceCount: num(x.audienceCount) }),
  seatRequest: (x) => ({ member: readMember(x.member), invited: bool(x.invited), byIdentity: str(x.byIdentity) }),
  audience: (x) => ({ audienceCount: num(x.audienceCount) }),
};

/** A room notice: its seq and the one case it carries (none when it is a kind this SDK does not know). */
export function readNotice(raw?: unknown): RoomNotice {
  const n = fields(raw);
  const notice: RoomNotice = { roomId: str(n.roomId), seq: num(n.seq), time: time(n.time) };
  const kind = Object.keys(n).find((k): k is NoticeKind => Object.prototype.hasOwnProperty.call(noticeReaders, k));
  if (kind) (notice as Record<NoticeKind, unknown>)[kind] = noticeReaders[kind](fields(n[kind]));
  return notice;
}

export function readCallNotice(raw?: unknown): CallNotice {
  const n = fields(raw);
  return { call: readCall(n.call), callerPlayUrl: maybe(n.callerPlayUrl, readPlayUrl), whisperPlayUrl: maybe(n.whisperPlayUrl, readPlayUrl), whisperIdentity: str(n.whisperIdentity) };
}

export function readWelcome(raw?: unknown): Welcome {
  const w = fields(raw);
  return {
    sessionId: str(w.sessionId),
    identity: str(w.identity),
    pingIntervalMs: num(w.pingIntervalMs),
    serverTime: time(w.serverTime),
    resumeToken: str(w.resumeToken),
    resumeGraceMs: num(w.resumeGraceMs),
    resumed: bool(w.resumed),
    seats: list(w.seats, (s) => ({ roomId: str(s?.roomId), memberId: str(s?.memberId), seq: num(s?.seq), role: enumOf(s?.role, 'MEMBER_ROLE_UNSPECIFIED') })),
  };
}

const members = (v: unknown) => list(v, readMember);
const playUrls = (v: unknown) => list(v, readPlayUrl);
/** placeCall and callTeam answer alike: the call, its room, your seat and push URL. */
const readCallPlaced = (x: Raw): Answer<'placeCall'> => ({ call: readCall(x.call), room: readRoom(x.room), member: readMember(x.member), pushUrl: maybe(x.pushUrl, readPushUrl), seq: num(x.seq) });
const readCallOnly = (x: Raw): { call: Call } => ({ call: readCall(x.call) });

const answerReaders: { [K in RequestKind]: (x: Raw) => Answer<K> } = {
  ping: (x) => ({ serverTime: time(x.serverTime) }),
  createRoom: (x) => ({ room: readRoom(x.room) }),
  joinRoom: (x) => ({ room: readRoom(x.room), member: readMember(x.member), members: members(x.members), pushUrl: maybe(x.pushUrl, readPushUrl), playUrls: playUrls(x.playUrls), seq: num(x.seq), audienceEntryUrl: maybe(x.audienceEntryUrl, readEntryUrl) }),
  leaveRoom: (x) => ({ member: readMember(x.member) }),
  listRooms: (x) => ({ rooms: list(x.rooms, readRoom), nextPageToken: str(x.nextPageToken) }),
  getRoom: (x) => ({ room: readRoom(x.room), members: members(x.members), seq: num(x.seq) }),
  reportPusherEvent: (x) => ({ action: (str(x.action) || 'NONE') as PusherAction }),
  updateMember: (x) => ({ member: readMember(x.member) }),
  updateRoom: (x) => ({ room: readRoom(x.room) }),
  removeMember: (x) => ({ member: maybe(x.member, readMember), bannedUntil: time(x.bannedUntil) }),
  closeRoom: (x) => ({ room: readRoom(x.room) }),
  placeCall: readCallPlaced,
  answerCall: (x) => ({
    call: readCall(x.call),
    room: maybe(x.room, readRoom),
    member: maybe(x.member, readMember),
    members: members(x.members),
    pushUrl: maybe(x.pushUrl, readPushUrl),
    playUrls: playUrls(x.playUrls),
    seq: num(x.seq),
  }),
  cancelCall: readCallOnly,
  hangUp: readCallOnly,
  syncRoom: (x) => ({ room: readRoom(x.room), members: members(x.members), notices: list(x.notices, readNotice), snapshot: bool(x.snapshot), seq: num(x.seq), playUrls: playUrls(x.playUrls) }),
  getCall: readCallOnly,
  setAgentState: (x) => ({ agent: readAgent(x.agent) }),
  getTeam: (x) => ({ team: readTeam(x.team), agents: list(x.agents, readAgent), queue: list(x.queue, readCall) }),
  callTeam: readCallPlaced,
  transferCall: readCallOnly,
  inviteToCall: readCallOnly,
  getTeamStats: (x) => ({ stats: readTeamStats(x.stats) }),
  refreshToken: (x) => ({ expireTime: time(x.expireTime) }),
  sendMessage: (x) => ({ message: readRoomMessage(x.message) }),
  listMessages: (x) => ({ messages: list(x.messages, readRoomMessage), seq: num(x.seq) }),
  setMediaState: (x) => ({ member: readMember(x.member) }),
  muteMember: (x) => ({ member: readMember(x.member) }),
  allowUnmute: (x) => ({ member: readMember(x.member) }),
  setMemberRole: (x) => ({ member: readMember(x.member), pending: bool(x.pending), pushUrl: maybe(x.pushUrl, readPushUrl), audienceEntryUrl: maybe(x.audienceEntryUrl, readEntryUrl) }),
  listLiveCalls: (x) => ({ calls: list(x.calls, readLiveCall) }),
  monitorCall: (x) => ({ call: readLiveCall(x.call), playUrls: playUrls(x.playUrls) }),
  stopMonitor: () => ({}),
  listCallRecordings: (x) => ({ recordings: list(x.recordings, readCallRecording) }),
  listMyCalls: (x) => ({ calls: list(x.calls, readCall) }),
  whisper: (x) => ({ call: readLiveCall(x.call), pushUrl: readPushUrl(x.pushUrl) }),
  bargeIn: (x) => ({
    call: readCall(x.call),
    room: readRoom(x.room),
    member: readMember(x.member),
    members: members(x.members),
    pushUrl: maybe(x.pushUrl, readPushUrl),
    playUrls: playUrls(x.playUrls),
    seq: num(x.seq),
  }),
};

/** Reads the answer to a request of the given kind (absent: every field at its default). */
export function readAnswer<K extends RequestKind>(kind: K, raw?: unknown): Answer<K> {
  return answerReaders[kind](fields(raw));
}

const caseReaders: { [K in ServerCase]: (x: Raw) => NonNullable<ServerMessage[K]> } = {
  ...answerReaders,
  welcome: readWelcome,
  error: (x) => ({ code: str(x.code), message: str(x.message) }),
  notice: readNotice,
  callNotice: readCallNotice,
  goAway: (x) => ({ reason: str(x.reason), reconnectAfterMs: num(x.reconnectAfterMs) }),
  waiting: (x) => ({ position: num(x.position), expectedWaitMs: num(x.expectedWaitMs) }),
  tokenExpiring: (x) => ({ expireTime: time(x.expireTime) }),
  streamPlayable: (x) => ({ roomId: str(x.roomId), playUrl: maybe(x.playUrl, readPlayUrl) }),
  monitorNotice: (x) => ({
    callId: str(x.callId),
    roomId: str(x.roomId),
    member: maybe(x.member, readMember),
    playUrl: maybe(x.playUrl, readPlayUrl),
    streamStopped: bool(x.streamStopped),
    ended: bool(x.ended),
  }),
};

/** A frame from the gateway, parsed: its request id and the case it carries, read whole; keys this SDK does not know are left out. */
export function readServerMessage(raw?: unknown): ServerMessage {
  const frame = fields(raw);
  const message: ServerMessage = { requestId: str(frame.requestId) };
  for (const key of Object.keys(frame)) {
    if (!Object.prototype.hasOwnProperty.call(caseReaders, key)) continue;
    const read = caseReaders[key as ServerCase] as (x: Raw) => unknown;
    (message as Record<string, unknown>)[key] = read(fields(frame[key]));
  }
  return message;
}
