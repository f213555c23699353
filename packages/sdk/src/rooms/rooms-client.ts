// The client's rooms layer: finding, creating, joining and leaving rooms, your seat's profile and push
// URL, and a room admin's updates, removals and closing. What the client knows of the rooms it sits in
// is kept by room-tracker.ts from the answers and the notices, in seq order.
import { ConnectionClient } from '../connection/connection-client.js';
import { RtcRoomError } from '../errors.js';
import type { Answer, ClientKind, MediaEntryUrl, Member, PusherAction, PushUrl, Room, RoomMessage, RoomOptions, ServerMessage, Timestamp, Welcome } from '../protocol.js';
import { clearTimer, setTimer, type TimerHandle } from '../timers.js';
import { toBase64, utf8Encode } from './bytes.js';
import { newKey, RoomTracker } from './room-tracker.js';
import type { RoomSnapshot } from './room-view.js';

export interface JoinOptions {
  /** The room, by id ... */
  roomId?: string;
  /** ... or by the name of an open room. */
  roomName?: string;
  displayName?: string;
  /** Create the room named roomName if there is no open one (needs the roomCreate grant). */
  createIfMissing?: boolean;
  createOptions?: RoomOptions;
  /** 'audience': join without a seat (no push URL; play and events only). Default: a seat. */
  as?: 'seat' | 'audience';
  /** This seat's kind, when it is not the client's (RtcRoomClientOptions.kind). */
  kind?: ClientKind;
}

export interface JoinedRoom extends RoomSnapshot {
  /** For your <live-pusher url="...">: always set after a join to a seat. */
  pushUrl: PushUrl;
}

/**
 * A room joined as audience: no push URL until you are promoted (takeSeat). With TRTC, `entryUrl` is
 * what your <live-pusher> enters the media room with (receive only) to play the seats.
 */
export type AudienceRoom = RoomSnapshot;

/** What a seat request came to: promoted (with your push URL), or pending (asked, or invited). */
export interface SeatAnswer {
  member: Member;
  pending: boolean;
  pushUrl?: PushUrl;
  /** Back in the audience yourself, with TRTC: your <live-pusher>'s entry URL (see RoomSnapshot.entryUrl). */
  entryUrl?: MediaEntryUrl;
}

export interface ProfilePatch {
  displayName?: string;
  avatarUrl?: string;
  customData?: string;
}

/** A room message's body: text, or an application's own topic and payload (a string is sent as UTF-8). */
export type MessageContent = string | { topic: string; payload: Uint8Array | string };

export interface SendMessageOptions {
  /** Identities to send it to (each seated in the room); absent or empty: the whole room. */
  to?: string[];
  /** A retry with the same key answers the first send's message (one is made up when absent). */
  idempotencyKey?: string;
}

export abstract class RoomsClient extends ConnectionClient {
  protected readonly roomTracker = new RoomTracker(this.events, this.transport);
  /** The timers of seats a resumed session holds that no join has taken back yet. */
  private unclaimed: TimerHandle[] = [];

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
  joinRoom(options: JoinOptions & { as: 'audience' }): Promise<AudienceRoom>;
  joinRoom(options: JoinOptions): Promise<JoinedRoom>;
  async joinRoom(options: JoinOptions): Promise<JoinedRoom | AudienceRoom> {
    const { as, ...rest } = options;
    // A room the resumed session of an earlier client (a reload) still sits in: its join again.
    const keptKey = this.kept.joinKeyFor(rest);
    let joinKey = keptKey ?? newKey();
    const role = as === 'audience' ? { role: 'MEMBER_ROLE_AUDIENCE' as const } : {};
    for (let attempt = 0; ; attempt++) {
      const key = joinKey;
      const seated = (a: Answer<'joinRoom'>) => {
        this.roomTracker.seated(a, key);
        this.kept.seated(a.room, key, a.member.role === 'MEMBER_ROLE_AUDIENCE' ? 'audience' : 'seat');
      };
      try {
        const answer = await this.transport.request('joinRoom', { ...rest, idempotencyKey: key, ...role }, { onAnswer: seated });
        return this.joined(answer.room.id);
      } catch (err) {
        if (!(err instanceof RtcRoomError)) throw err;
        if (key === keptKey && err.code === 'NOT_A_MEMBER') {
          // The kept seat ended meanwhile (removed, its room closed): a join of its own.
          this.kept.forgetKey(key);
          joinKey = newKey();
        } else if (!(err.code === 'CONNECTION_LOST' && attempt < 3)) throw err;
      }
    }
  }

  /** Enters the room called `name`, creating it when there is none (the original rtcroom.js enterRoom). */
  enterRoom(name: string, options: Omit<JoinOptions, 'roomId' | 'roomName'> = {}): Promise<JoinedRoom> {
    return this.joinRoom({ createIfMissing: true, ...options, roomName: name });
  }

  /**
   * "连麦": from the audience, asks for a seat, or takes the one you were invited to (then the answer
   * has your push URL, and the room sees you promoted). ROOM_FULL when every seat is taken;
   * PERMISSION_DENIED for a token that joins only as audience.
   */
  async takeSeat(roomId: string): Promise<SeatAnswer> {
    return this.setRole(roomId, '', 'MEMBER_ROLE_SEAT');
  }

  /** Back to the audience from a seat (stop your pusher: the push URL is no longer yours to use). */
  async leaveSeat(roomId: string): Promise<SeatAnswer> {
    return this.setRole(roomId, '', 'MEMBER_ROLE_AUDIENCE');
  }

  /** As the room's owner or an admin: invites an audience member to a seat (it accepts with takeSeat). */
  async inviteToSeat(roomId: string, identity: string): Promise<SeatAnswer> {
    return this.setRole(roomId, identity, 'MEMBER_ROLE_SEAT');
  }

  /** As the room's owner or an admin: sends a seated member back to the audience. */
  async moveToAudience(roomId: string, identity: string): Promise<SeatAnswer> {
    return this.setRole(roomId, identity, 'MEMBER_ROLE_AUDIENCE');
  }

  private async setRole(roomId: string, identity: string, role: 'MEMBER_ROLE_SEAT' | 'MEMBER_ROLE_AUDIENCE'): Promise<SeatAnswer> {
    const mine = identity === '' || identity === this.transport.welcome?.identity;
    const answer = await this.transport.request('setMemberRole', { roomId, identity, role }, {
      onAnswer: (a) => mine && !a.pending && this.roomTracker.roleChanged(roomId, a.member, a.pushUrl, a.audienceEntryUrl),
    });
    return { member: answer.member, pending: answer.pending, pushUrl: answer.pushUrl, entryUrl: answer.audienceEntryUrl };
  }

  /** Gives up your seat. */
  async leaveRoom(roomId: string): Promise<Member> {
    const answer = await this.transport.request('leaveRoom', { roomId }, {
      onAnswer: () => {
        this.roomTracker.forget(roomId);
        this.kept.unseated(roomId);
      },
    });
    return answer.member;
  }

  /** Same as leaveRoom (the original rtcroom.js name). */
  exitRoom(roomId: string): Promise<Member> {
    return this.leaveRoom(roomId);
  }

  /** What the client knows of a room it sits in (kept current from notices), or undefined. */
  room(roomId: string): RoomSnapshot | undefined {
    return this.roomTracker.snapshot(roomId);
  }

  /** Every room the client sits in. */
  joinedRooms(): RoomSnapshot[] {
    return this.roomTracker.all();
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
    return (await this.roomTracker.rejoin(roomId)).pushUrl!;
  }

  /**
   * In the audience with TRTC: a fresh entry URL for your <live-pusher> (when TRTC refused the old one,
   * or it is near its expiry), the same way as refreshPushUrl. Undefined on a seat, and with providers
   * that need none. Sent back to the audience by a manager, the SDK fetches it itself (event `entryUrl`).
   */
  async refreshEntryUrl(roomId: string): Promise<MediaEntryUrl | undefined> {
    return (await this.roomTracker.rejoin(roomId)).audienceEntryUrl;
  }

  /**
   * Sends a message in a room you sit in: to everyone, or `to` some members. It reaches them (and
   * you) as a `message` event in the room's order. A send cut off by a dropped connection is retried
   * with its idempotency key, so it is never sent twice. Errors: MESSAGE_TOO_LARGE,
   * TOO_MANY_RECIPIENTS, RATE_LIMITED, NOT_A_MEMBER (you or a recipient), PERMISSION_DENIED.
   */
  async sendMessage(roomId: string, content: MessageContent, options: SendMessageOptions = {}): Promise<RoomMessage> {
    const body = {
      roomId,
      recipients: options.to ?? [],
      idempotencyKey: options.idempotencyKey ?? newKey(),
      ...(typeof content === 'string'
        ? { text: content }
        : { custom: { topic: content.topic, payload: toBase64(typeof content.payload === 'string' ? utf8Encode(content.payload) : content.payload) } }),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.transport.request('sendMessage', body)).message;
      } catch (err) {
        if (!(err instanceof RtcRoomError && err.code === 'CONNECTION_LOST' && attempt < 3)) throw err;
      }
    }
  }

  /**
   * The room's recent messages (its last few dozen, as the deployment keeps them) to everyone or to
   * you, oldest first: what a late joiner missed. Those sent after your join also come as events:
   * de-duplicate on id.
   */
  async messageHistory(roomId: string): Promise<RoomMessage[]> {
    return (await this.transport.request('listMessages', { roomId })).messages;
  }

  /**
   * Reports your microphone as your pusher has it (call it when you change <live-pusher muted>).
   * Turning it on after the room's owner or an admin forbade it is refused: MEDIA_FORBIDDEN.
   */
  setMicrophone(roomId: string, on: boolean): Promise<Member> {
    return this.setMedia(roomId, { audio: on });
  }

  /**
   * Reports your camera as your pusher has it (<live-pusher enable-camera>). Refused with
   * MEDIA_FORBIDDEN when forbidden, and always in an audio-only room.
   */
  setCamera(roomId: string, on: boolean): Promise<Member> {
    return this.setMedia(roomId, { video: on });
  }

  /** Reports microphone (audio) and camera (video) at once; a track left out is unchanged. */
  async setMedia(roomId: string, media: { audio?: boolean; video?: boolean }): Promise<Member> {
    return (await this.transport.request('setMediaState', { roomId, ...media })).member;
  }

  // ---- admin (needs the roomAdmin grant)

  /**
   * Asks a member to turn its microphone (audio) and/or camera (video) off; its SDK tells its app
   * (`muteRequested`) and the pusher glue applies it. With forbidUnmute, its reports of them on are
   * refused until allowUnmute. The room's owner (with the right to manage it) or a roomAdmin.
   */
  async muteMember(roomId: string, identity: string, tracks: { audio?: boolean; video?: boolean; forbidUnmute?: boolean }): Promise<Member> {
    return (await this.transport.request('muteMember', { roomId, identity, ...tracks })).member;
  }

  /** Lets a member turn its microphone and/or camera on again after muteMember's forbidUnmute. */
  async allowUnmute(roomId: string, identity: string, tracks: { audio?: boolean; video?: boolean }): Promise<Member> {
    return (await this.transport.request('allowUnmute', { roomId, identity, ...tracks })).member;
  }

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

  // ---- what comes in

  protected override onWelcome(welcome: Welcome): void {
    super.onWelcome(welcome);
    this.roomTracker.onWelcome(welcome);
    this.giveUpUnclaimed(welcome);
    if (this.firstWelcome) this.tellRoomsToRejoin(welcome);
  }

  /**
   * A client's first session, resumed from its store (a reload): each room the session still sits in
   * that an earlier client joined, told as roomToRejoin, after the welcome is handled.
   */
  private tellRoomsToRejoin(welcome: Welcome): void {
    const held = this.kept.heldSeats();
    if (held.length === 0) return;
    // The role as the gateway holds it (a role changed while no client listened); else as kept.
    const roles = new Map(welcome.seats.map((x) => [x.roomId, x.role]));
    const roleOf = (s: (typeof held)[number]) => {
      const role = roles.get(s.roomId);
      return role === 'MEMBER_ROLE_AUDIENCE' ? 'audience' : role === 'MEMBER_ROLE_SEAT' ? 'seat' : (s.as ?? 'seat');
    };
    void Promise.resolve().then(() => {
      for (const s of held) {
        if (this.transport.welcome !== welcome || this.roomTracker.snapshot(s.roomId)) continue;
        this.events.emit('roomToRejoin', { roomId: s.roomId, roomName: s.roomName, as: roleOf(s) });
      }
    });
  }

  /**
   * Seats the resumed session holds that this client does not know (an earlier client's, before a
   * reload) are given up unless a join takes them back within unclaimedSeatMs. A join cut off by the
   * drop is retried at once, so its seat is known long before.
   */
  private giveUpUnclaimed(welcome: Welcome): void {
    for (const timer of this.unclaimed.splice(0)) clearTimer(timer);
    if (!welcome.resumed) return;
    for (const { roomId, seq } of welcome.seats) {
      if (this.roomTracker.snapshot(roomId)) continue;
      const timer = setTimer(() => {
        if (this.roomTracker.snapshot(roomId) || this.transport.welcome !== welcome) return;
        this.kept.unseated(roomId);
        // The connection takes the seat up (a sync from where the welcome left it), then leaves it.
        // A failure leaves it to the server: gone already, or the connection with it (the grace ends it).
        this.transport
          .request('syncRoom', { roomId, afterSeq: seq })
          .then(() => this.transport.request('leaveRoom', { roomId }))
          .catch(() => undefined);
      }, this.unclaimedSeatMs);
      this.unclaimed.push(timer);
    }
  }

  protected override onFrame(frame: ServerMessage): void {
    if (frame.notice) this.roomTracker.onNotice(frame.notice);
    else if (frame.streamPlayable?.playUrl) this.roomTracker.onPlayable(frame.streamPlayable.roomId, frame.streamPlayable.playUrl);
    else super.onFrame(frame);
  }

  protected override forget(): void {
    super.forget();
    this.roomTracker.clear();
    for (const timer of this.unclaimed.splice(0)) clearTimer(timer);
  }

  /** The seat a request just gave, as the client now knows it. */
  protected joined(roomId: string): JoinedRoom {
    const snap = this.roomTracker.snapshot(roomId);
    if (!snap) throw new RtcRoomError('NOT_A_MEMBER', `the seat in room ${roomId} ended as it was taken`);
    return snap as JoinedRoom;
  }
}
