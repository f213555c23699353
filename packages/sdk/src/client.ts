// RtcRoomClient: rooms, members, streams, 1:1 calls and the service desk for an app, over one resumable
// connection.
//
//   const client = new RtcRoomClient({ socket: wxSocket(wx) });
//   await client.connect('wss://example.com/v1/ws', () => fetchToken());
//   client.on('streamReady', (e) => players.push({ id: e.member.memberId, src: e.playUrl?.rtcUrl }));
//   const { pushUrl } = await client.enterRoom('demo');
//
// Room state is kept per room from the join's answer and the notices after it, in seq order (see
// room-sequencer.ts); after a dropped connection the session is resumed and each room synced.
import { BackoffOptions } from './backoff.js';
import { CallTracker } from './calls.js';
import { Emitter, Listener } from './emitter.js';
import { RtcRoomError } from './errors.js';
import type { RtcRoomEvents } from './events.js';
import type { Agent, Answer, Call, Member, PushUrl, PusherAction, Room, RoomOptions, SettableAgentState, TeamStats, Timestamp, Welcome } from './protocol.js';
import { RoomSnapshot } from './room-view.js';
import { newKey, RoomTracker } from './rooms.js';
import { browserSocket } from './socket-websocket.js';
import type { SocketAdapter } from './socket.js';
import { TokenRefresher } from './token-refresh.js';
import { ConnectionState, Frame, TokenSource, Transport } from './transport.js';

export interface RtcRoomClientOptions {
  /** How to open a WebSocket: browserSocket() (default), nodeSocket(WebSocket from 'ws'), wxSocket(wx). */
  socket?: SocketAdapter;
  /** Back-off between reconnect attempts, and how many (default: no limit); enabled: false never reconnects. */
  reconnect?: BackoffOptions & { maxAttempts?: number; enabled?: boolean };
  /** A request unanswered this long fails with TIMEOUT (ms, default 10 000). */
  requestTimeoutMs?: number;
  /** No welcome this long after opening a socket: the attempt failed (ms, default 10 000). */
  connectTimeoutMs?: number;
  /** A ping unanswered this long means the connection is dead (ms, default max(2 x ping interval, 4000)). */
  heartbeatTimeoutMs?: number;
  random?: () => number;
}

export interface JoinOptions {
  /** The room, by id ... */
  roomId?: string;
  /** ... or by the name of an open room. */
  roomName?: string;
  displayName?: string;
  /** Create the room named roomName if there is no open one (needs the roomCreate grant). */
  createIfMissing?: boolean;
  createOptions?: RoomOptions;
}

export interface JoinedRoom extends RoomSnapshot {
  /** For your <live-pusher url="...">: always set after a join. */
  pushUrl: PushUrl;
}

export interface ProfilePatch {
  displayName?: string;
  avatarUrl?: string;
  customData?: string;
}

export class RtcRoomClient {
  private readonly events = new Emitter<RtcRoomEvents>();
  private readonly transport: Transport;
  private readonly rooms: RoomTracker;
  private readonly calls: CallTracker;
  private readonly tokens: TokenRefresher;

  constructor(options: RtcRoomClientOptions = {}) {
    this.transport = new Transport(
      {
        socket: options.socket ?? browserSocket(),
        reconnect: options.reconnect,
        requestTimeoutMs: options.requestTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        random: options.random,
      },
      {
        welcome: (w) => this.onWelcome(w),
        frame: (f) => this.onFrame(f),
        state: (change) => this.events.emit('connectionState', change),
      },
    );
    this.rooms = new RoomTracker(this.events, this.transport);
    this.calls = new CallTracker(this.events, () => this.identity);
    this.tokens = new TokenRefresher(this.events, this.transport);
  }

  // ---- events

  on<K extends keyof RtcRoomEvents>(event: K, listener: Listener<RtcRoomEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  once<K extends keyof RtcRoomEvents>(event: K, listener: Listener<RtcRoomEvents[K]>): () => void {
    return this.events.once(event, listener);
  }

  off<K extends keyof RtcRoomEvents>(event: K, listener: Listener<RtcRoomEvents[K]>): void {
    this.events.off(event, listener);
  }

  // ---- connection

  get state(): ConnectionState {
    return this.transport.state;
  }

  /** Your identity (the access token's subject), once connected. */
  get identity(): string {
    return this.transport.welcome?.identity ?? '';
  }

  get sessionId(): string {
    return this.transport.welcome?.sessionId ?? '';
  }

  /**
   * Connects to the gateway (ws(s)://host/v1/ws) and resolves with the welcome. `token` is an access
   * token or a function that fetches one (asked again on every reconnect, and before the token in
   * use expires, so the connection outlives each token: see refreshToken).
   * Rejects with RtcRoomError: UNAUTHENTICATED, TOKEN_EXPIRED, CONNECT_FAILED.
   */
  connect(url: string, token: TokenSource): Promise<Welcome> {
    return this.transport.connect(url, token);
  }

  /**
   * Replaces the connection's access token without reconnecting: with `token` (a fixed token's
   * successor, also used for later reconnects), or a fresh one from the token provider. The session
   * and seats stay; the new token's grants apply from then on. With a provider the client does this
   * by itself when the gateway says the token expires soon (tokenExpiring).
   * Errors: PERMISSION_DENIED (another identity's token), UNAUTHENTICATED, TOKEN_EXPIRED, TOKEN_REFRESH_FAILED.
   */
  refreshToken(token?: string): Promise<{ expireTime: string }> {
    return this.tokens.refresh(token);
  }

  /** Says goodbye: the session ends and every seat is given up at once. */
  async close(): Promise<void> {
    await this.transport.close();
    this.rooms.clear();
    this.calls.clear();
  }

  ping(): Promise<void> {
    return this.transport.request('ping', {}).then(() => undefined);
  }

  // ---- rooms

  createRoom(options: RoomOptions = {}): Promise<Room> {
    return this.transport.request('createRoom', { room: options }).then((a) => a.room);
  }

  listRooms(options: { pageSize?: number; pageToken?: string } = {}): Promise<Answer<'listRooms'>> {
    return this.transport.request('listRooms', options);
  }

  /** Reads a room from the server (any room with the roomList grant; your own rooms always). */
  getRoom(room: { roomId?: string; name?: string } | string): Promise<Answer<'getRoom'>> {
    const body = typeof room === 'string' ? { roomId: room } : room;
    return this.transport.request('getRoom', body);
  }

  /**
   * Takes a seat. The answer carries your push URL and the play URLs of those already publishing;
   * notices about the room follow from then on. A join cut off by a dropped connection is retried
   * once the connection is back (it carries an idempotency key: never two seats).
   */
  async joinRoom(options: JoinOptions): Promise<JoinedRoom> {
    const joinKey = newKey();
    const body = { ...options, idempotencyKey: joinKey };
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.transport.request('joinRoom', body, { onAnswer: (a) => this.rooms.seated(a, joinKey) });
        return this.joined(answer.room.id);
      } catch (err) {
        if (!(err instanceof RtcRoomError && err.code === 'CONNECTION_LOST' && attempt < 3)) throw err;
      }
    }
  }

  /** Enters the room called `name`, creating it when there is none (the original rtcroom.js enterRoom). */
  enterRoom(name: string, options: Omit<JoinOptions, 'roomId' | 'roomName'> = {}): Promise<JoinedRoom> {
    return this.joinRoom({ createIfMissing: true, ...options, roomName: name });
  }

  /** Gives up your seat. */
  async leaveRoom(roomId: string): Promise<Member> {
    const answer = await this.transport.request('leaveRoom', { roomId }, { onAnswer: () => this.rooms.forget(roomId) });
    return answer.member;
  }

  /** Same as leaveRoom (the original rtcroom.js name). */
  exitRoom(roomId: string): Promise<Member> {
    return this.leaveRoom(roomId);
  }

  /** What the client knows of a room it sits in (kept current from notices), or undefined. */
  room(roomId: string): RoomSnapshot | undefined {
    return this.rooms.snapshot(roomId);
  }

  /** Every room the client sits in. */
  joinedRooms(): RoomSnapshot[] {
    return this.rooms.all();
  }

  /** The members of a room the client sits in, in join order. */
  members(roomId: string): Member[] {
    return this.room(roomId)?.members ?? [];
  }

  /** Changes your display name, avatar or custom data in a room (only the fields given). */
  async updateProfile(roomId: string, patch: ProfilePatch): Promise<Member> {
    const updateMask = (['displayName', 'avatarUrl', 'customData'] as const)
      .filter((k) => patch[k] !== undefined)
      .map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
    const answer = await this.transport.request('updateMember', { roomId, ...patch, updateMask });
    return answer.member;
  }

  /** Forwards a <live-pusher> state code; the server answers what it made of it (see handlePusherStateChange). */
  async reportPusherEvent(roomId: string, code: number, message = ''): Promise<PusherAction> {
    const answer = await this.transport.request('reportPusherEvent', { roomId, code, message: message.slice(0, 256) });
    return answer.action;
  }

  /**
   * A fresh push URL for your seat, when the media server refused the old one (pusher code 3004).
   * It re-joins with the idempotency key of the join that took the seat, so the seat, its member id
   * and stream stay the same and nobody is told anything; only the signature and expiry are new.
   * A seat taken through a call has no such key yet: the first refresh takes the seat again (the
   * other side sees you replaced and re-joined, and your stream id changes), later ones are quiet.
   */
  async refreshPushUrl(roomId: string): Promise<PushUrl> {
    const joinKey = this.rooms.beginRefresh(roomId);
    try {
      const answer = await this.transport.request('joinRoom', { roomId, idempotencyKey: joinKey }, { onAnswer: (a) => this.rooms.seated(a, joinKey) });
      return answer.pushUrl!;
    } finally {
      this.rooms.endRefresh(roomId);
    }
  }

  // ---- admin (needs the roomAdmin grant)

  updateRoom(roomId: string, patch: { displayName?: string; metadata?: string }): Promise<Room> {
    const updateMask = (['displayName', 'metadata'] as const).filter((k) => patch[k] !== undefined).map((k) => (k === 'displayName' ? 'display_name' : k));
    return this.transport.request('updateRoom', { roomId, ...patch, updateMask }).then((a) => a.room);
  }

  /**
   * Removes a member, and with banSeconds keeps the identity out that long. Banning an identity that
   * holds no seat is a pre-ban: the answer then has no member, only bannedUntil.
   */
  removeMember(roomId: string, identity: string, options: { reasonText?: string; banSeconds?: number } = {}): Promise<{ member?: Member; bannedUntil?: Timestamp }> {
    return this.transport.request('removeMember', { roomId, identity, ...options });
  }

  closeRoom(roomId: string): Promise<Room> {
    return this.transport.request('closeRoom', { roomId }).then((a) => a.room);
  }

  // ---- 1:1 calls

  /**
   * Calls someone: you get a seat in a new call room and its push URL. Start pushing; once your push
   * began (pusher code 1002) the callee is told (incomingCall). Errors: CALLEE_OFFLINE, CALLEE_BUSY.
   */
  async placeCall(calleeIdentity: string, options: { recording?: boolean; metadata?: string; ringTimeoutSeconds?: number } = {}): Promise<{ call: Call; room: JoinedRoom }> {
    const answer = await this.transport.request('placeCall', { calleeIdentity, ...options }, { onAnswer: (a) => this.callPlaced(a) });
    return { call: this.calls.get(answer.call.id) ?? answer.call, room: this.joined(answer.room.id) };
  }

  /**
   * Accepts an incoming call, or an invitation into a running one: a seat, your push URL and the play
   * URLs of those already publishing.
   */
  async answerCall(callId: string, accept = true): Promise<{ call: Call; room?: JoinedRoom }> {
    const answer = await this.transport.request('answerCall', { callId, accept }, {
      onAnswer: (a) => {
        this.calls.changed({ call: a.call }, !accept);
        if (a.room && a.member) this.rooms.seated({ room: a.room, member: a.member, members: a.members, pushUrl: a.pushUrl, playUrls: a.playUrls, seq: a.seq });
      },
    });
    return { call: answer.call, room: answer.room && this.rooms.snapshot(answer.room.id) ? this.joined(answer.room.id) : undefined };
  }

  rejectCall(callId: string): Promise<Call> {
    return this.answerCall(callId, false).then((a) => a.call);
  }

  /** The caller gives up before an answer. */
  cancelCall(callId: string): Promise<Call> {
    return this.transport.request('cancelCall', { callId }, { onAnswer: (a) => this.calls.changed({ call: a.call }) }).then((a) => a.call);
  }

  hangUp(callId: string): Promise<Call> {
    return this.transport.request('hangUp', { callId }, { onAnswer: (a) => this.calls.changed({ call: a.call }) }).then((a) => a.call);
  }

  // ---- service desk

  /**
   * Calls a team of agents, as a customer: like placeCall, a seat in the call's room and its push URL.
   * Once your push began (pusher code 1002) the call is offered to an agent (callConnecting) or waits
   * in line (callQueued, told again as the line moves); callUpdated ACTIVE when an agent answers.
   * Give up with cancelCall. Errors: QUEUE_FULL, TEAM_CLOSED (no agent signed in).
   */
  async callTeam(team: string, options: { metadata?: string } = {}): Promise<{ call: Call; room: JoinedRoom }> {
    const answer = await this.transport.request('callTeam', { team, ...options }, { onAnswer: (a) => this.callPlaced(a) });
    return { call: this.calls.get(answer.call.id) ?? answer.call, room: this.joined(answer.room.id) };
  }

  /**
   * An agent sets its state in a team its token names (AVAILABLE, AWAY, SIGNED_OUT; not while ringing
   * or in a call). Offers come as incomingCall, accepted with answerCall, declined with rejectCall.
   */
  setAgentState(team: string, state: SettableAgentState): Promise<Agent> {
    return this.transport.request('setAgentState', { team, state }).then((a) => a.agent);
  }

  /** An agent reads its team: the agents with their states, and the calls waiting or ringing. */
  getTeam(team: string): Promise<Answer<'getTeam'>> {
    return this.transport.request('getTeam', { team });
  }

  /** An agent reads its team's figures over the last 24 hours. */
  getTeamStats(team: string): Promise<TeamStats> {
    return this.transport.request('getTeamStats', { team }).then((a) => a.stats);
  }

  /**
   * The agent holding a call hands it to another agent (who is offered it at once; AGENT_UNAVAILABLE
   * when it cannot take it) or to a team's queue. The customer stays; your seat ends (memberLeft,
   * LEAVE_REASON_TRANSFERRED) and the call is no longer yours.
   */
  transferCall(callId: string, to: { toIdentity: string } | { toTeam: string }): Promise<Call> {
    return this.transport.request('transferCall', { callId, ...to }, { onAnswer: (a) => this.calls.changed({ call: a.call }) }).then((a) => a.call);
  }

  /** A party to a running desk call invites someone (who must be connected): they are told with callInvitation. */
  inviteToCall(callId: string, identity: string): Promise<Call> {
    return this.transport.request('inviteToCall', { callId, identity }, { onAnswer: (a) => this.calls.changed({ call: a.call }) }).then((a) => a.call);
  }

  /** A call of yours that has not ended, by id. */
  call(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  activeCalls(): Call[] {
    return this.calls.active();
  }

  // ---- glue (see live-glue.ts)

  /** @internal Emits a pusher or player diagnostic for handlePusherStateChange / handlePlayerStateChange. */
  diagnose<K extends 'pusherState' | 'playerState'>(kind: K, event: RtcRoomEvents[K]): void {
    this.events.emit(kind, event);
  }

  // ---- what comes in

  private onWelcome(welcome: Welcome): void {
    this.events.emit('session', welcome);
    this.rooms.onWelcome(welcome);
    if (welcome.resumed) void this.refreshCalls();
  }

  /** After a resume: what happened to the calls in progress while the connection was away. */
  private async refreshCalls(): Promise<void> {
    for (const known of this.calls.active()) {
      try {
        const { call } = await this.transport.request('getCall', { callId: known.id });
        this.calls.changed({ call });
      } catch {
        // Gone or refused: the next call notice, if any, tells.
      }
    }
  }

  private onFrame(frame: Frame): void {
    if (this.tokens.onFrame(frame)) return;
    if (frame.notice) this.rooms.onNotice(frame.notice);
    else if (frame.callNotice) this.calls.changed(frame.callNotice);
    else if (frame.error) this.events.emit('error', new RtcRoomError(frame.error.code, frame.error.message));
  }

  /** placeCall and callTeam: the call, and the caller's seat in its room. */
  private callPlaced(a: Answer<'placeCall'>): void {
    this.calls.changed({ call: a.call });
    this.rooms.seated({ room: a.room, member: a.member, members: [a.member], pushUrl: a.pushUrl, playUrls: [], seq: a.seq });
  }

  private joined(roomId: string): JoinedRoom {
    const snap = this.rooms.snapshot(roomId);
    if (!snap) throw new RtcRoomError('NOT_A_MEMBER', `the seat in room ${roomId} ended as it was taken`);
    return snap as JoinedRoom;
  }
}
