// The rooms a client sits in: each one's state (room-view.ts) kept from the answer that seated it and
// from its notices in seq order (room-sequencer.ts), synced after a gap or a resume, and told to the
// app as events.
import type { Emitter } from '../emitter.js';
import { RtcRoomError } from '../errors.js';
import type { RtcRoomEvents } from '../events.js';
import type { Answer, MediaEntryUrl, Member, PlayUrl, PushUrl, RoomNotice, Welcome } from '../protocol.js';
import { RoomSequencer, SequencerStep } from './room-sequencer.js';
import { RoomSnapshot, RoomView } from './room-view.js';
import { setTimer } from '../timers.js';
import type { Transport } from '../connection/transport.js';

/** What an answer that gives a seat carries (join, re-join, placing or answering a call). */
export type SeatTaken = Pick<Answer<'joinRoom'>, 'room' | 'member' | 'members' | 'pushUrl' | 'playUrls' | 'seq'> & Partial<Pick<Answer<'joinRoom'>, 'audienceEntryUrl'>>;

interface TrackedRoom {
  view: RoomView;
  sequencer: RoomSequencer;
  /** The idempotency key of the join that took the seat: re-joining with it gives the same seat a fresh push URL. */
  joinKey?: string;
  /** A refresh (re-join) is in flight: the old seat's REPLACED notice is no news. */
  refreshing: boolean;
}

const syncRetryMs = 1000;

export class RoomTracker {
  private readonly rooms = new Map<string, TrackedRoom>();

  constructor(
    private readonly events: Emitter<RtcRoomEvents>,
    private readonly transport: Transport,
  ) {}

  snapshot(roomId: string): RoomSnapshot | undefined {
    const t = this.rooms.get(roomId);
    return t ? t.view.snapshot(t.sequencer.lastSeq) : undefined;
  }

  all(): RoomSnapshot[] {
    return [...this.rooms.values()].map((t) => t.view.snapshot(t.sequencer.lastSeq));
  }

  /** The seat was given up (leaveRoom answered): nothing more of this room is told. */
  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  clear(): void {
    this.rooms.clear();
  }

  /** Starts a refresh of the seat's push URL: the key to re-join with (one is made for a seat that has none). */
  beginRefresh(roomId: string): string {
    const t = this.rooms.get(roomId);
    if (!t) throw new RtcRoomError('NOT_A_MEMBER', `this client holds no seat in room ${roomId}`);
    t.refreshing = true;
    return (t.joinKey = t.joinKey ?? newKey());
  }

  endRefresh(roomId: string): void {
    const t = this.rooms.get(roomId);
    if (t) t.refreshing = false;
  }

  /** A seat was taken (join, re-join, call): the room is tracked from the answer's seq on. */
  seated(a: SeatTaken, joinKey?: string): void {
    const t = this.rooms.get(a.room.id);
    if (!t) {
      const view = new RoomView(a.room, a.member, a.members, a.pushUrl, a.playUrls, a.audienceEntryUrl);
      this.rooms.set(a.room.id, { view, sequencer: new RoomSequencer(a.room.id, a.seq), joinKey, refreshing: false });
      return;
    }
    // A seat taken back answers with the room as read then: notices told since are newer than it.
    if (a.seq >= t.sequencer.lastSeq) {
      t.view.room = a.room;
      t.view.replaceMembers(a.members, a.playUrls);
    }
    t.view.self = a.member;
    if (joinKey) t.joinKey = joinKey;
    if (a.pushUrl) {
      t.view.pushUrl = a.pushUrl;
      this.events.emit('pushUrl', { roomId: a.room.id, pushUrl: a.pushUrl });
    }
    this.newEntryUrl(t, a.audienceEntryUrl);
    this.run(t, t.sequencer.rejoined(a.seq));
  }

  /**
   * Your role changed by your own request: a promotion's push URL, or none any more (back in the
   * audience, with TRTC your entry URL instead).
   */
  roleChanged(roomId: string, member: Member, pushUrl: PushUrl | undefined, entryUrl?: MediaEntryUrl): void {
    const t = this.rooms.get(roomId);
    if (!t) return;
    const audience = member.role === 'MEMBER_ROLE_AUDIENCE';
    t.view.self = { ...t.view.self, ...member };
    t.view.pushUrl = audience ? undefined : (pushUrl ?? t.view.pushUrl);
    if (!audience) t.view.entryUrl = undefined;
    if (pushUrl) this.events.emit('pushUrl', { roomId, pushUrl });
    if (audience) this.newEntryUrl(t, entryUrl);
  }

  /**
   * The seat's join again, with the join's idempotency key: the same membership (nobody is told), with
   * a fresh push URL, or in the audience a fresh entry URL.
   */
  async rejoin(roomId: string): Promise<Answer<'joinRoom'>> {
    const joinKey = this.beginRefresh(roomId);
    try {
      return await this.transport.request('joinRoom', { roomId, idempotencyKey: joinKey }, { onAnswer: (a) => this.seated(a, joinKey) });
    } finally {
      this.endRefresh(roomId);
    }
  }

  private newEntryUrl(t: TrackedRoom, entryUrl: MediaEntryUrl | undefined): void {
    if (!entryUrl) return;
    t.view.entryUrl = entryUrl;
    this.events.emit('entryUrl', { roomId: t.view.id, entryUrl });
  }

  /** A socket was welcomed: a resumed seat is synced from the last seq seen; any other seat is gone. */
  onWelcome(welcome: Welcome): void {
    const seats = new Set(welcome.seats.map((s) => s.roomId));
    for (const [roomId, t] of [...this.rooms]) {
      if (welcome.resumed && seats.has(roomId)) {
        // Live notices of a resumed seat start only after its sync.
        t.sequencer.syncFailed();
        const from = t.sequencer.beginSync();
        if (from !== undefined) this.sync(t, from);
      } else {
        this.rooms.delete(roomId);
        this.events.emit('seatLost', { roomId, reason: welcome.resumed ? 'SEAT_GONE' : 'SESSION_EXPIRED' });
      }
    }
    // Seats this client does not know (a join cut off by the drop) are taken by that join's retry.
  }

  onNotice(notice: RoomNotice): void {
    const t = this.rooms.get(notice.roomId);
    if (t) this.run(t, t.sequencer.receive(notice));
  }

  /** A bridged stream's play URL that waited for media is ready (StreamPlayableNotice). */
  onPlayable(roomId: string, playUrl: PlayUrl): void {
    const t = this.rooms.get(roomId);
    const member = t?.view.setPlayable(playUrl);
    if (!t || !member) return;
    this.events.emit('streamPlayable', { roomId, seq: t.sequencer.lastSeq, member, playUrl, self: member.memberId === t.view.self.memberId });
  }

  private sync(t: TrackedRoom, afterSeq: number): void {
    const roomId = t.view.id;
    const current = () => this.rooms.get(roomId) === t;
    this.transport
      .request('syncRoom', { roomId, afterSeq }, { onAnswer: (a) => current() && this.run(t, t.sequencer.applySync(a)) })
      .catch((err: RtcRoomError) => {
        if (!current()) return;
        t.sequencer.syncFailed();
        if (err.code === 'NOT_A_MEMBER' || err.code === 'ROOM_NOT_FOUND' || err.code === 'ROOM_CLOSED') {
          this.rooms.delete(roomId);
          this.events.emit('seatLost', { roomId, reason: 'NOT_A_MEMBER' });
          return;
        }
        // A lost connection syncs again on resume; anything else is retried shortly.
        if (err.isConnectionError || err.code === 'CLOSED') return;
        this.events.emit('error', err);
        setTimer(() => {
          if (!current() || this.transport.state !== 'connected') return;
          const from = t.sequencer.beginSync();
          if (from !== undefined) this.sync(t, from);
        }, syncRetryMs);
      });
  }

  private run(t: TrackedRoom, step: SequencerStep): void {
    const roomId = t.view.id;
    if (step.snapshot) {
      t.view.room = step.snapshot.room;
      t.view.replaceMembers(step.snapshot.members, step.snapshot.playUrls);
      this.events.emit('resync', { roomId, room: step.snapshot.room, members: step.snapshot.members, seq: step.snapshot.seq });
    }
    for (const notice of step.deliver) {
      if (this.rooms.get(roomId) !== t) break;
      this.apply(t, notice);
    }
    if (step.syncFrom !== undefined && this.rooms.get(roomId) === t) this.sync(t, step.syncFrom);
  }

  private apply(t: TrackedRoom, n: RoomNotice): void {
    const selfId = t.view.self.memberId;
    const isSelf = (m: Member) => m.memberId === selfId;
    const base = { roomId: n.roomId, seq: n.seq, time: n.time };
    // TRTC's push URLs are room:// URLs: a seat sent back to the audience there needs an entry URL.
    const inTrtcRoom = t.view.pushUrl?.url.startsWith('room://') === true;
    t.view.apply(n);
    this.events.emit('notice', n);
    if (n.memberJoined) this.events.emit('memberJoined', { ...base, member: n.memberJoined.member, self: isSelf(n.memberJoined.member) });
    else if (n.memberLeft) this.memberLeft(t, base, n.memberLeft, isSelf(n.memberLeft.member));
    else if (n.memberUpdated) this.events.emit('memberUpdated', { ...base, member: n.memberUpdated.member, self: isSelf(n.memberUpdated.member) });
    else if (n.memberConnection) {
      const { member, connected } = n.memberConnection;
      this.events.emit('memberConnection', { ...base, member, connected, self: isSelf(member) });
    } else if (n.streamStarted) {
      const { member, playUrl } = n.streamStarted;
      this.events.emit('streamReady', { ...base, member, playUrl, self: isSelf(member) });
    } else if (n.streamStopped) this.events.emit('streamStopped', { ...base, member: n.streamStopped.member, self: isSelf(n.streamStopped.member) });
    else if (n.roomUpdated) this.events.emit('roomUpdated', { ...base, room: n.roomUpdated.room });
    else if (n.recordingReady) this.events.emit('recordingReady', { ...base, recording: n.recordingReady.recording });
    else if (n.memberMedia) this.memberMedia(base, n.memberMedia, isSelf(n.memberMedia.member));
    else if (n.memberRole) {
      const { member, previousRole, byIdentity, audienceCount } = n.memberRole;
      this.events.emit('memberRole', { ...base, member, previousRole, byIdentity, audienceCount, self: isSelf(member) });
      // Sent back by a manager (your own request's answer brings it): your entry URL comes from a re-join.
      const sentBack = isSelf(member) && member.role === 'MEMBER_ROLE_AUDIENCE' && byIdentity !== (this.transport.welcome?.identity ?? '');
      if (sentBack && inTrtcRoom && t.joinKey) this.rejoin(n.roomId).catch((err: RtcRoomError) => this.events.emit('error', err));
    } else if (n.seatRequest) {
      const { member, invited, byIdentity } = n.seatRequest;
      this.events.emit('seatRequest', { ...base, member, invited, byIdentity, self: isSelf(member) });
    } else if (n.audience) this.events.emit('audience', { ...base, audienceCount: n.audience.audienceCount });
    else if (n.message) this.events.emit('message', { ...base, message: n.message.message, self: n.message.message.senderMemberId === selfId });
    else if (n.roomClosed) {
      this.rooms.delete(n.roomId);
      this.events.emit('roomClosed', { ...base, room: n.roomClosed.room, reason: n.roomClosed.reason });
    }
  }

  private memberMedia(base: { roomId: string; seq: number; time?: string }, change: NonNullable<RoomNotice['memberMedia']>, self: boolean): void {
    const { member, reason } = change;
    this.events.emit('memberMedia', { ...base, member, reason, self });
    const media = member.media;
    if (!self || reason !== 'MEDIA_CHANGE_REASON_MUTE_REQUESTED' || !media) return;
    const audio = media.audio?.muteRequested === true;
    const video = media.video?.muteRequested === true;
    if (!audio && !video && !media.audio?.forbidden && !media.video?.forbidden) return;
    this.events.emit('muteRequested', {
      roomId: base.roomId,
      audio,
      video,
      audioForbidden: media.audio?.forbidden === true,
      videoForbidden: media.video?.forbidden === true,
      by: media.audio?.muteRequested ? (media.audio?.moderatorIdentity ?? '') : (media.video?.moderatorIdentity ?? ''),
    });
  }

  private memberLeft(t: TrackedRoom, base: { roomId: string; seq: number; time?: string }, left: NonNullable<RoomNotice['memberLeft']>, self: boolean): void {
    const { member, reason, reasonText } = left;
    const mine = member.identity === (this.transport.welcome?.identity ?? '');
    // Your own leaveRoom is answered by its promise; your old seat replaced by your own refresh is no news.
    if (mine && (reason === 'LEAVE_REASON_LEFT' || (reason === 'LEAVE_REASON_REPLACED' && (t.refreshing || !self)))) return;
    this.events.emit('memberLeft', { ...base, member, reason, reasonText, self });
    // A closing room's roomClosed notice follows; any other departure of yours ends the seat now.
    if (self && reason !== 'LEAVE_REASON_ROOM_CLOSED' && reason !== 'LEAVE_REASON_CALL_ENDED') this.rooms.delete(base.roomId);
  }
}

export function newKey(): string {
  let key = 'k';
  for (let i = 0; i < 20; i++) key += Math.floor(Math.random() * 36).toString(36);
  return key;
}
