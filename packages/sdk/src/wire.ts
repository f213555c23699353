// Frames as they arrive -> the SDK's types with every default filled in. The gateway writes every
// scalar and enum field (0, "", false and UNSPECIFIED included), but leaves out empty lists and unset
// messages, and older gateways left out defaults too, as the protobuf JSON mapping allows: so each
// message is read here once rather than guarded everywhere it is used.
import type { Agent, Answer, Call, CallNotice, Member, PlayUrl, PushUrl, Recording, RequestKind, Room, RoomNotice, Team, TeamStats, Welcome } from './protocol.js';

type Raw = any;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
const bool = (v: unknown): boolean => v === true;
const opt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = <T>(v: unknown, read: (x: Raw) => T): T[] => (Array.isArray(v) ? v.map(read) : []);
const enumOf = <T extends string>(v: unknown, unspecified: T): T => (typeof v === 'string' ? (v as T) : unspecified);

export function readRoom(r: Raw = {}): Room {
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
    createTime: opt(r.createTime),
    closeTime: opt(r.closeTime),
    closeReason: enumOf(r.closeReason, 'CLOSE_REASON_UNSPECIFIED'),
    ownerLeavePolicy: enumOf(r.ownerLeavePolicy, 'OWNER_LEAVE_POLICY_UNSPECIFIED'),
    emptyTimeoutSeconds: num(r.emptyTimeoutSeconds),
    departureTimeoutSeconds: num(r.departureTimeoutSeconds),
    duplicateIdentity: enumOf(r.duplicateIdentity, 'DUPLICATE_IDENTITY_POLICY_UNSPECIFIED'),
  };
}

export function readMember(m: Raw = {}): Member {
  return {
    roomId: str(m.roomId),
    memberId: str(m.memberId),
    identity: str(m.identity),
    displayName: str(m.displayName),
    state: enumOf(m.state, 'MEMBER_STATE_UNSPECIFIED'),
    streamId: str(m.streamId),
    joinTime: opt(m.joinTime),
    leaveTime: opt(m.leaveTime),
    leaveReason: enumOf(m.leaveReason, 'LEAVE_REASON_UNSPECIFIED'),
    avatarUrl: str(m.avatarUrl),
    customData: str(m.customData),
    connectionInterrupted: bool(m.connectionInterrupted),
  };
}

export function readPushUrl(p: Raw): PushUrl | undefined {
  if (!p) return undefined;
  return { streamId: str(p.streamId), url: str(p.url), expireTime: opt(p.expireTime), recording: bool(p.recording) };
}

export function readPlayUrl(p: Raw): PlayUrl | undefined {
  if (!p) return undefined;
  return {
    streamId: str(p.streamId),
    viewerIdentity: str(p.viewerIdentity),
    rtcUrl: str(p.rtcUrl),
    rtmpUrl: str(p.rtmpUrl),
    flvUrl: str(p.flvUrl),
    hlsUrl: str(p.hlsUrl),
    expireTime: opt(p.expireTime),
  };
}

export function readCall(c: Raw = {}): Call {
  return {
    id: str(c.id),
    roomId: str(c.roomId),
    callerIdentity: str(c.callerIdentity),
    calleeIdentity: str(c.calleeIdentity),
    state: enumOf(c.state, 'CALL_STATE_UNSPECIFIED'),
    endReason: enumOf(c.endReason, 'CALL_END_REASON_UNSPECIFIED'),
    endedBy: str(c.endedBy),
    callerStreamId: str(c.callerStreamId),
    createTime: opt(c.createTime),
    ringTime: opt(c.ringTime),
    answerTime: opt(c.answerTime),
    endTime: opt(c.endTime),
    metadata: str(c.metadata),
    teamId: str(c.teamId),
    queuePosition: num(c.queuePosition),
    estimatedWaitSeconds: num(c.estimatedWaitSeconds),
    agentIdentities: list(c.agentIdentities, str),
    invitedIdentities: list(c.invitedIdentities, str),
    queueTime: opt(c.queueTime),
  };
}

export function readTeam(t: Raw = {}): Team {
  return {
    id: str(t.id),
    name: str(t.name),
    displayName: str(t.displayName),
    recordingFormats: list(t.recordingFormats, str),
    ringTimeoutSeconds: num(t.ringTimeoutSeconds),
    wrapUpSeconds: num(t.wrapUpSeconds),
    queueLimit: num(t.queueLimit),
    createTime: opt(t.createTime),
  };
}

export function readAgent(a: Raw = {}): Agent {
  return {
    teamId: str(a.teamId),
    identity: str(a.identity),
    state: enumOf(a.state, 'AGENT_STATE_UNSPECIFIED'),
    stateTime: opt(a.stateTime),
    connected: bool(a.connected),
    busyElsewhere: a.busyElsewhere ? enumOf(a.busyElsewhere, 'AGENT_STATE_UNSPECIFIED') : undefined,
  };
}

export function readTeamStats(s: Raw = {}): TeamStats {
  return {
    teamId: str(s.teamId),
    since: opt(s.since),
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

export function readRecording(r: Raw = {}): Recording {
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
    startTime: opt(r.startTime),
    endTime: opt(r.endTime),
    mediaFileId: str(r.mediaFileId),
    createTime: opt(r.createTime),
  };
}

export function readNotice(n: Raw = {}): RoomNotice {
  const notice: RoomNotice = { roomId: str(n.roomId), seq: num(n.seq), time: opt(n.time) };
  if (n.memberJoined) notice.memberJoined = { member: readMember(n.memberJoined.member) };
  else if (n.memberLeft)
    notice.memberLeft = {
      member: readMember(n.memberLeft.member),
      reason: enumOf(n.memberLeft.reason, 'LEAVE_REASON_UNSPECIFIED'),
      reasonText: str(n.memberLeft.reasonText),
    };
  else if (n.memberUpdated) notice.memberUpdated = { member: readMember(n.memberUpdated.member) };
  else if (n.memberConnection) notice.memberConnection = { member: readMember(n.memberConnection.member), connected: bool(n.memberConnection.connected) };
  else if (n.streamStarted) notice.streamStarted = { member: readMember(n.streamStarted.member), playUrl: readPlayUrl(n.streamStarted.playUrl) };
  else if (n.streamStopped) notice.streamStopped = { member: readMember(n.streamStopped.member) };
  else if (n.roomUpdated) notice.roomUpdated = { room: readRoom(n.roomUpdated.room) };
  else if (n.roomClosed) notice.roomClosed = { room: readRoom(n.roomClosed.room), reason: enumOf(n.roomClosed.reason, 'CLOSE_REASON_UNSPECIFIED') };
  else if (n.recordingReady) notice.recordingReady = { recording: readRecording(n.recordingReady.recording) };
  return notice;
}

export function readCallNotice(n: Raw = {}): CallNotice {
  return { call: readCall(n.call), callerPlayUrl: readPlayUrl(n.callerPlayUrl) };
}

export function readWelcome(w: Raw = {}): Welcome {
  return {
    sessionId: str(w.sessionId),
    identity: str(w.identity),
    pingIntervalMs: num(w.pingIntervalMs),
    serverTime: opt(w.serverTime),
    resumeToken: str(w.resumeToken),
    resumeGraceMs: num(w.resumeGraceMs),
    resumed: bool(w.resumed),
    seats: list(w.seats, (s) => ({ roomId: str(s.roomId), memberId: str(s.memberId), seq: num(s.seq) })),
  };
}

const members = (v: unknown) => list(v, readMember);
const playUrls = (v: unknown) => list(v, (p) => readPlayUrl(p)!);
/** placeCall and callTeam answer alike: the call, its room, your seat and push URL. */
const readCallPlaced = (x: Raw): Answer<'placeCall'> => ({ call: readCall(x.call), room: readRoom(x.room), member: readMember(x.member), pushUrl: readPushUrl(x.pushUrl), seq: num(x.seq) });

/** Reads the answer to a request of the given kind. */
export function readAnswer<K extends RequestKind>(kind: K, a: Raw = {}): Answer<K> {
  const readers: { [P in RequestKind]: (a: Raw) => Answer<P> } = {
    ping: (x) => ({ serverTime: opt(x.serverTime) }),
    createRoom: (x) => ({ room: readRoom(x.room) }),
    joinRoom: (x) => ({
      room: readRoom(x.room),
      member: readMember(x.member),
      members: members(x.members),
      pushUrl: readPushUrl(x.pushUrl),
      playUrls: playUrls(x.playUrls),
      seq: num(x.seq),
    }),
    leaveRoom: (x) => ({ member: readMember(x.member) }),
    listRooms: (x) => ({ rooms: list(x.rooms, readRoom), nextPageToken: str(x.nextPageToken) }),
    getRoom: (x) => ({ room: readRoom(x.room), members: members(x.members), seq: num(x.seq) }),
    reportPusherEvent: (x) => ({ action: (str(x.action) || 'NONE') as Answer<'reportPusherEvent'>['action'] }),
    updateMember: (x) => ({ member: readMember(x.member) }),
    updateRoom: (x) => ({ room: readRoom(x.room) }),
    removeMember: (x) => ({ member: x.member ? readMember(x.member) : undefined, bannedUntil: opt(x.bannedUntil) }),
    closeRoom: (x) => ({ room: readRoom(x.room) }),
    placeCall: readCallPlaced,
    answerCall: (x) => ({
      call: readCall(x.call),
      room: x.room ? readRoom(x.room) : undefined,
      member: x.member ? readMember(x.member) : undefined,
      members: members(x.members),
      pushUrl: readPushUrl(x.pushUrl),
      playUrls: playUrls(x.playUrls),
      seq: num(x.seq),
    }),
    cancelCall: (x) => ({ call: readCall(x.call) }),
    hangUp: (x) => ({ call: readCall(x.call) }),
    syncRoom: (x) => ({
      room: readRoom(x.room),
      members: members(x.members),
      notices: list(x.notices, readNotice),
      snapshot: bool(x.snapshot),
      seq: num(x.seq),
      playUrls: playUrls(x.playUrls),
    }),
    getCall: (x) => ({ call: readCall(x.call) }),
    setAgentState: (x) => ({ agent: readAgent(x.agent) }),
    getTeam: (x) => ({ team: readTeam(x.team), agents: list(x.agents, readAgent), queue: list(x.queue, readCall) }),
    callTeam: readCallPlaced,
    transferCall: (x) => ({ call: readCall(x.call) }),
    inviteToCall: (x) => ({ call: readCall(x.call) }),
    getTeamStats: (x) => ({ stats: readTeamStats(x.stats) }),
    refreshToken: (x) => ({ expireTime: opt(x.expireTime) }),
  };
  return readers[kind](a) as Answer<K>;
}
