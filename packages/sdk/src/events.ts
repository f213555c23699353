// Everything an RtcRoomClient tells the app, by event name. Room events come in each room's seq order,
// once each, with nothing skipped (or a `resync` where the client had to start over from the members).
import type { RtcRoomError } from './errors.js';
import type { Call, CallEndReason, CloseReason, LeaveReason, MediaChangeReason, MediaEntryUrl, Member, MemberRole, PlayUrl, PushUrl, Recording, Room, RoomMessage, RoomNotice, Welcome } from './protocol.js';
import type { ConnectionStateChange } from './connection/transport.js';

interface RoomEventBase {
  roomId: string;
  seq: number;
  /** When the server recorded it (RFC 3339). */
  time?: string;
}

export interface MemberEvent extends RoomEventBase {
  member: Member;
  /** The member is you (this client's seat). */
  self: boolean;
}

export interface RtcRoomEvents {
  /** connecting -> connected; on a drop: reconnecting (with the attempt and its delay) -> connected; disconnected when it gives up or is closed. */
  connectionState: ConnectionStateChange;
  /**
   * Connecting or reconnecting: a busy gateway (a storm of reconnects) holds this connection in line
   * for its welcome. `position` 1 is next; `expectedWaitMs` about how long is left. Told again every
   * few seconds until the welcome; the client waits on by itself (show it, e.g. "in line: 12th").
   */
  connectionWaiting: { position: number; expectedWaitMs: number };
  /** A socket was welcomed. `resumed`: the session (and its seats) came back after a drop. */
  session: Welcome;
  /**
   * The access token expires at expireTime (the gateway says so a minute ahead by default). With a
   * token provider the client refreshes it by itself (`willRefresh`); with a fixed token, call
   * refreshToken(newToken) before then, or the connection ends (tokenExpired).
   */
  tokenExpiring: { expireTime: string; willRefresh: boolean };
  /** The connection carries a fresh access token, good until expireTime; session and seats are unchanged. */
  tokenRefreshed: { expireTime: string };
  /**
   * The access token ran out without a refresh and the gateway closed the connection. The seats wait
   * for the resume grace: with a token provider the client reconnects and resumes (`willReconnect`);
   * with a fixed token it cannot, and disconnects.
   */
  tokenExpired: { willReconnect: boolean };
  memberJoined: MemberEvent;
  /** Someone left, with the reason. For you: removed, replaced elsewhere, room closed, call ended (not your own leaveRoom). */
  memberLeft: MemberEvent & { reason: LeaveReason; reasonText: string };
  /** Display name, avatar or custom data changed. */
  memberUpdated: MemberEvent;
  /** A member's connection dropped (connected false: it keeps its seat for a while; show it as reconnecting) or came back. */
  memberConnection: MemberEvent & { connected: boolean };
  /**
   * A member's push really began: play `playUrl.rtcUrl` in <live-player mode="RTC">, or in a browser (kind
   * CLIENT_KIND_BROWSER) `playUrl.webrtcUrl` (absent for your own stream). See mediaUrlFor.
   */
  streamReady: MemberEvent & { playUrl?: PlayUrl };
  /**
   * A browser's play URL that came empty with webrtcUnavailable WEBRTC_STARTING (the media bridge had
   * no media for it yet, in streamReady or a join's answer) plays now: play `playUrl.webrtcUrl`. The
   * room's snapshot has it too.
   */
  streamPlayable: MemberEvent & { playUrl: PlayUrl };
  streamStopped: MemberEvent;
  roomUpdated: RoomEventBase & { room: Room };
  /** The room closed; you no longer sit in it. */
  roomClosed: RoomEventBase & { room: Room; reason: CloseReason };
  /** A recording of one of the room's streams is ready (rooms created with recording). */
  recordingReady: RoomEventBase & { recording: Recording };
  /**
   * A room message to the whole room or to you, in the room's order with the other events; your own
   * come back too (`self`). At least once: de-duplicate on message.id (sendMessage's answer has it).
   */
  message: RoomEventBase & { message: RoomMessage; self: boolean };
  /**
   * A member's microphone or camera went on or off (member.media), or the room's owner or an admin
   * asked it to mute, forbade or allowed unmuting (reason).
   */
  memberMedia: MemberEvent & { reason: MediaChangeReason };
  /**
   * The room's owner or an admin asks you to turn these off (and, where forbidden, keeps you from
   * turning them on). Apply it to your <live-pusher> (muted / enable-camera) and report it:
   * followMuteRequests (rooms/live-glue.ts) does both.
   */
  muteRequested: { roomId: string; audio: boolean; video: boolean; audioForbidden: boolean; videoForbidden: boolean; by: string };
  /**
   * A member moved between a seat and the audience ("连麦"). Promoted (member.role SEAT): it pushes
   * now (its streamReady follows). Back in the audience: stop playing its stream; if it is you, stop
   * your <live-pusher> (your push URL is gone).
   */
  memberRole: MemberEvent & { previousRole: MemberRole; byIdentity: string; audienceCount: number };
  /**
   * A seat asked for (invited false: an audience member asks; the owner or an admin may inviteToSeat
   * it) or offered (invited true: if `self`, takeSeat to accept).
   */
  seatRequest: MemberEvent & { invited: boolean; byIdentity: string };
  /** Someone joined or left the audience: only its size is told (getRoom lists the audience). */
  audience: RoomEventBase & { audienceCount: number };
  /** Notices were too many to replay after a gap or a long absence: start over from these members. */
  resync: { roomId: string; room: Room; members: Member[]; seq: number };
  /** A seat this client held is gone without a notice saying why (the session expired while away, or the seat ended meanwhile). */
  seatLost: { roomId: string; reason: 'SESSION_EXPIRED' | 'SEAT_GONE' | 'NOT_A_MEMBER' };
  /** Every room notice, in order, as it is applied (for logs and consoles). */
  notice: RoomNotice;
  /** Your push URL for a room changed (a fresh one after pusher code 3004). */
  pushUrl: { roomId: string; pushUrl: PushUrl };
  /** Your audience entry URL for a room changed (TRTC: back in the audience, or a fresh one): give it to your <live-pusher>. */
  entryUrl: { roomId: string; entryUrl: MediaEntryUrl };
  /** Someone is calling you: play the caller with `callerPlayUrl.rtcUrl` (a browser: `webrtcUrl`), then answerCall or rejectCall. */
  incomingCall: { call: Call; callerPlayUrl?: PlayUrl };
  /** A call of yours changed state (every step, including the ones below). */
  callUpdated: { call: Call; callerPlayUrl?: PlayUrl };
  callEnded: { call: Call; reason: CallEndReason };
  /**
   * A call of yours is under way in a room this client holds no seat in: told once per call at this
   * client's first connect (a page reloaded, a mini-program opened again). `rejoinCall(call.id)` takes
   * your seat back: the one your session still holds (`seatKept`: it resumed, and the others saw you
   * dropped) or a new one. Do it soon: the call's other side waits, and a kept seat no join takes
   * back is given up after `unclaimedSeatMs` (a party gone ends the call).
   */
  callToRejoin: { call: Call; seatKept: boolean };
  /**
   * A room your resumed session still sits in, joined by the client before a reload (with a
   * `resumeStore`): told once per room at this client's first connect. `joinRoom({ roomId, as })`
   * takes the seat back (the others saw you dropped and back); one not taken back within
   * `unclaimedSeatMs` is given up. A call's room joined that way is told as `callToRejoin` too.
   */
  roomToRejoin: { roomId: string; roomName: string; as: 'seat' | 'audience' };
  /** Service desk, a customer: your call waits for an agent; `position` 1 is next. Told again as the queue moves. */
  callQueued: { call: Call; position: number; estimatedWaitSeconds: number };
  /** Service desk, a customer: your call is offered to an agent ("connecting"); it may go back to the queue. */
  callConnecting: { call: Call };
  /**
   * Service desk, an agent: an offered call stopped ringing you without your answer (the customer
   * gave up, it rang out, it moved on to someone else). incomingCall told you of it.
   */
  offerWithdrawn: { call: Call };
  /**
   * Service desk, an agent: a supervisor whispers to you (nobody else in the call is told). Play it
   * with `playUrl` (a browser: `webrtcUrl`); the call's end ends it.
   */
  whisper: { call: Call; supervisor: string; playUrl: PlayUrl };
  /**
   * Service desk, a supervisor monitoring a call (monitorCall): a party's stream started (`playUrl`,
   * signed for you) or stopped (`streamStopped`), or the call ended (`ended`: no more of these).
   */
  monitorUpdate: { callId: string; roomId: string; member?: Member; playUrl?: PlayUrl; streamStopped: boolean; ended: boolean };
  /** Someone in a running call invites you in (a supervisor, a colleague): take your seat with answerCall. */
  callInvitation: { call: Call };
  /** A <live-pusher> state change seen by handlePusherStateChange, with what came of it. */
  pusherState: PusherDiagnostic;
  /** A <live-player> state change seen by handlePlayerStateChange (diagnostics only). */
  playerState: PlayerDiagnostic;
  /** Something failed that no request was waiting for (an unsolicited error frame, a failed sync). */
  error: RtcRoomError;
}

export type Severity = 'info' | 'warning' | 'error';

export interface PusherDiagnostic {
  roomId: string;
  code: number;
  /** What the code means, in English (for logs). */
  meaning: string;
  /** The same in the client's language (RtcRoomClientOptions.locale), for people. */
  message: string;
  severity: Severity;
  /** What the server made of it, when the code was reported. */
  action?: 'STREAM_STARTED' | 'STREAM_STOPPED' | 'REISSUE_URL' | 'NONE';
  /** A fresh push URL fetched because the old one was refused (3004). */
  pushUrl?: PushUrl;
  /** Reporting it (or fetching the fresh URL) failed. */
  error?: RtcRoomError;
}

export interface PlayerDiagnostic {
  roomId: string;
  /** The member whose stream the player plays. */
  memberId: string;
  code: number;
  /** What the code means, in English (for logs). */
  meaning: string;
  /** The same in the client's language (RtcRoomClientOptions.locale), for people. */
  message: string;
  severity: Severity;
}
