// Membership use cases: take a seat, give it up, be removed (and banned), update one's profile,
// stream state, and the seats of a session that is gone.
import { DomainError, isDomainError, newId, RequestScope } from '@rtcroom/common';
import {
  audienceCount,
  checkDisplayName,
  checkId,
  checkMemberPatch,
  checkRoomName,
  ClientKind,
  decideSeat,
  LeaveReason,
  limits,
  Member,
  MemberPatch,
  MemberRole,
  nextStreamState,
  roleOf,
  Room,
  roomFull,
  RoomOptions,
  StreamSource,
  streamsToPlay,
} from '../domain/room';
import type { mediav1 } from '@rtcroom/proto';
import { Actor, checkJoin, checkManage, checkSelf, checkSelfOrManage, mayCreate, mayManage, missingRoomError } from '../domain/room-access';
import { PushUrlGrants } from './push-url-grants';
import { applyMediaReport, applyMuteRequest, applyUnmuteAllowed, initialMediaState, MediaReport, MediaState, sameMediaState, Track } from '../domain/media-state';
import type { MediaChangeReason } from '../../changes/room-change';
import { RoomChangeSet } from '../../changes/room-change-set';
import { RoomTransactions } from '../../changes/room-transaction';
import { isUniqueViolation } from '../../db/store';
import { definedOnly, resolveRoom, Rooms } from './rooms';

/**
 * The URL issuer as the room service needs it. `kind` (unset: mini-program) is the pusher's or
 * viewer's. `scope`: the request the URL is signed for (a handler's call), named in the issuer's log.
 */
export interface PushUrlIssuer {
  issuePushUrl(request: PushUrlRequest, scope?: RequestScope): Promise<IssuedPushUrl>;
  /**
   * Several push URLs in one call, answered in order (a room's next members' URLs signed ahead);
   * absent: the grants sign one member ahead at a time.
   */
  issuePushUrls?(requests: PushUrlRequest[], scope?: RequestScope): Promise<IssuedPushUrl[]>;
  /** Play URLs of these streams signed for one viewer (passed on to the caller as they are). */
  issueViewerPlayUrls?(roomId: string, viewerIdentity: string, streamIds: string[], kind?: ClientKind, scope?: RequestScope): Promise<mediav1.PlayUrl[]>;
  /** The url of each of a room's recordings (by recording id), signed for one viewer. */
  signedRecordingUrls?(roomId: string, viewerIdentity: string, scope?: RequestScope): Promise<Map<string, string>>;
}

/** What issuePushUrl takes, as one request of issuePushUrls. */
export interface PushUrlRequest {
  roomId: string;
  memberId: string;
  record: boolean;
  formats?: string[];
  kind?: ClientKind;
  /** The room is audio-only (the provider's audio-only mode where it has one). */
  audioOnly?: boolean;
  /** The member's, which holds a browser's bridged push (the media bridge's egress). */
  identity?: string;
}

/** A member's push URL request, in its room. */
function pushUrlRequestOf(room: Room, member: Member): PushUrlRequest {
  return { roomId: room.id, memberId: member.memberId, record: room.recording, formats: room.recordingFormats, kind: member.kind, audioOnly: room.audioOnly === true, identity: member.identity };
}

export interface IssuedPushUrl {
  streamId: string;
  url: string;
  expireTime: Date;
  recording: boolean;
  /** A browser's WebRTC push URL; '' for a mini-program, or when webrtcUnavailable says why. */
  webrtcUrl: string;
  webrtcUnavailable: string;
  /** The same membership's way into the media room while in the audience, where the provider has one (TRTC). */
  audienceEntryUrl?: AudienceEntryUrl | null;
}

/** rtcroom.media.v1.MediaEntryUrl: receive only, never a push URL. */
export interface AudienceEntryUrl {
  url: string;
  expireTime: Date;
}

export interface JoinInput {
  roomId?: string;
  name?: string;
  identity: string;
  displayName: string;
  sessionId: string;
  createIfMissing: boolean;
  createOptions?: RoomOptions;
  requestId?: string;
  /** The end user the join is for (its identity must be `identity`); absent: the operator. */
  actor?: Actor;
  /** Absent: a seat. */
  role?: MemberRole;
  /** What the member plays and pushes with; absent: a mini-program. */
  kind?: ClientKind;
  /** The request the join serves (its handler's call), named by the calls it makes. */
  scope?: RequestScope;
}

export interface JoinResult {
  room: Room;
  member: Member;
  members: Member[];
  /** Absent for an audience member. */
  pushUrl: IssuedPushUrl | null;
  /** An audience member's entry URL, where the provider needs one (TRTC); else null. */
  audienceEntryUrl: AudienceEntryUrl | null;
  /** Of the members publishing when the caller joined, signed for it; those missing are its to ask for. */
  playUrls: mediav1.PlayUrl[];
  seq: number;
}

export interface SetRoleResult {
  member: Member;
  /** Asked for, or invited to, a seat: not promoted yet. */
  pending: boolean;
  /** Promoted: where its stream goes now. */
  pushUrl: IssuedPushUrl | null;
  /** Back in the audience: its entry URL, where the provider needs one (TRTC). */
  audienceEntryUrl: AudienceEntryUrl | null;
}

export class Memberships {
  private readonly grants: PushUrlGrants;

  constructor(
    private readonly tx: RoomTransactions,
    private readonly rooms: Rooms,
    private readonly issuer: PushUrlIssuer,
  ) {
    this.grants = new PushUrlGrants(issuer, undefined, () => tx.now().getTime());
    // A room made for a join: its first seats signed while the room's statement runs.
    rooms.onCreatingForJoin({ creating: (room, scope) => this.grants.prepareNew(room, scope), notCreated: (roomId) => this.grants.drop(roomId) });
  }

  async join(input: JoinInput): Promise<JoinResult> {
    checkDisplayName('display_name', input.displayName);
    if (input.requestId && input.requestId.length > 128) throw new DomainError('INVALID_ARGUMENT', 'request_id must be at most 128 characters');
    const actor = input.actor ?? null;
    checkSelf(actor, input.identity, 'take a seat');
    if (input.role !== 'audience' && actor?.grants.audienceOnly) throw new DomainError('PERMISSION_DENIED', 'the access token joins only as audience (role AUDIENCE)');
    const target = await this.target(input);
    checkJoin(actor, target, input.identity);
    if (input.role === 'audience') checkHasAudience(target);
    try {
      return await this.seatIn(target, input);
    } catch (err) {
      // A room remembered by name that has closed meanwhile (elsewhere): look again, once.
      if (input.roomId || !isDomainError(err, 'ROOM_CLOSED')) throw err;
      this.rooms.forgetName(target.name);
      const again = await this.target(input);
      checkJoin(actor, again, input.identity);
      return this.seatIn(again, input);
    }
  }

  private async seatIn(target: Room, input: JoinInput): Promise<JoinResult> {
    if (input.requestId) {
      const earlier = await this.earlierJoin(target, input);
      if (earlier) return earlier;
    }
    // Signed ahead after the room's previous join (push-url-grants.ts), or now, while the room's turn
    // and lock are awaited: the lock waits for it only when the URL issuer is slower than that. Not
    // for a seat this session seems to hold already (taken back below): a browser's URL opens the
    // media bridge's egress for its member, which a seat taken back would leave open for no one.
    const kind = input.kind ?? 'mini_program';
    const grant = () => {
      const taken = this.grants.take(target, kind, input.identity, input.scope);
      taken.signing.catch(() => undefined); // awaited below; a failure before then is not unhandled
      return taken;
    };
    const likelyHeld = kind !== 'mini_program' && input.sessionId !== '' && this.tx.remembersSeated(target.id, input.identity, input.sessionId);
    let granted = likelyHeld ? undefined : grant();
    try {
      const joined = await this.tx.run(target.id, async (change): Promise<JoinResult | { takenBack: Member }> => {
        const room = await change.lock(target.id, input.identity);
        const seated = [...change.seated];
        const role = input.role ?? 'seat';
        // The session that holds the identity's seat joins again (a page reloaded into a resumed
        // session, a mini-program opened again, a push URL renewed): that seat back, nothing written,
        // also where the room refuses a second session of an identity.
        const held = seated.find((m) => m.identity === input.identity) ?? null;
        if (room.state === 'open' && takesBack(held, input.sessionId, role)) return { takenBack: held! };
        const decision = decideSeat(room, seated, input.identity, change.bannedUntil, change.now, role);
        if (!decision.ok) throw decision.error;
        granted ??= grant();
        const { memberId } = granted;
        const pushUrl = await granted.signing;
        if (decision.replaces) await change.unseat(room, decision.replaces, 'replaced');
        const member: Member = {
          memberId,
          roomId: room.id,
          identity: input.identity,
          displayName: input.displayName,
          avatarUrl: '',
          customData: '',
          connectionInterrupted: false,
          state: 'joined',
          streamSource: null,
          media: initialMediaState(room.audioOnly === true),
          streamId: pushUrl.streamId,
          sessionId: input.sessionId,
          joinedAt: change.now,
          leftAt: null,
          leaveReason: null,
          role,
          seatInvited: false,
          kind,
        };
        change.seat(member, input.requestId || null);
        Object.assign(room, { memberCount: room.memberCount + (role === 'seat' ? 1 : 0), everJoined: true, autoCloseAt: null });
        room.audienceCount = audienceCount(change.seated);
        change.record({ type: 'member_joined', member, audienceCount: room.audienceCount });
        const members = [...seated.filter((m) => m.memberId !== decision.replaces?.memberId), member];
        // Asked for while the join is written, so a new member's answer waits for one hop less.
        const viewing = this.playUrlsFor(room.id, member, members, input.scope);
        await change.commit(room);
        return { room, member, members, ...handedOut(role, pushUrl), playUrls: await viewing, seq: room.seq };
      }, { optimistic: true });
      if ('takenBack' in joined) return await this.seatAgain(target, joined.takenBack, input.scope);
      this.grants.prepare(joined.room);
      return joined;
    } catch (err) {
      // A retry racing its own first attempt: answer with what the first one made.
      if (input.requestId && isUniqueViolation(err)) {
        const earlier = await this.earlierJoin(target, input);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  /**
   * Moves a member between a seat and the audience ("连麦"). To a seat: the manager's call invites an
   * audience member, the member's own call takes the seat when invited (its push URL in the answer;
   * ROOM_FULL when the seats are taken, decided under the room's lock) and asks for one otherwise. To
   * the audience: the member itself or the manager, at once. The operator (no actor) promotes at once.
   */
  async setRole(roomId: string, identity: string, role: MemberRole, actor: Actor = null, scope?: RequestScope): Promise<SetRoleResult> {
    let moved = false;
    const out = await this.onSeated(roomId, identity, async (change, room, member) => {
      const self = actor !== null && actor.identity === identity;
      const manager = mayManage(actor, room);
      if (!self) checkManage(actor, room, "change another member's role");
      checkHasAudience(room);
      const was = roleOf(member);
      if (was === role) return { member, pending: false };
      const by = actor?.identity ?? '';
      if (role === 'seat') {
        const holder = self ? actor : null;
        if (holder?.grants.audienceOnly) throw new DomainError('PERMISSION_DENIED', 'the access token joins only as audience: it may not take a seat');
        // The manager invites; the member takes the seat when invited (or when it manages the room itself).
        if (!self && actor !== null) {
          if (member.seatInvited) return { member, pending: true };
          member.seatInvited = true;
          change.writeMember(member);
          change.record({ type: 'seat_invited', member: { ...member }, byIdentity: by });
          return { member, pending: true };
        }
        if (self && !member.seatInvited && !manager) {
          change.record({ type: 'seat_requested', member: { ...member } });
          return { member, pending: true };
        }
        const full = roomFull(room, 'seat', change.seated.filter((m) => roleOf(m) === 'seat').length);
        if (full) throw full;
        room.memberCount += 1;
      } else {
        const full = roomFull(room, 'audience', change.seated.filter((m) => roleOf(m) === 'audience').length);
        if (full) throw full;
        room.memberCount -= 1;
        // A stream it was pushing is not played any more: it is back to joined (no stream).
        if (member.state === 'publishing') member.state = 'joined';
      }
      moved = true;
      Object.assign(member, { role, seatInvited: false });
      room.audienceCount = audienceCount(change.seated);
      change.writeMember(member);
      change.record({ type: 'member_role', member: { ...member }, previousRole: was, byIdentity: by, audienceCount: room.audienceCount });
      return { member, pending: false, room };
    }, actor);
    if (!moved || !out.room) return { member: out.member, pending: out.pending, pushUrl: null, audienceEntryUrl: null };
    // The stream id derives from the member id, so this push URL names the stream the member already
    // has; back in the audience, the same signing gives its entry URL instead.
    const issued = await this.issuer.issuePushUrl(pushUrlRequestOf(out.room, out.member), scope);
    return { member: out.member, pending: false, ...handedOut(role, issued) };
  }

  /** A principal gives up only its own seat; others' are removed (remove). */
  async leave(roomId: string, identity: string, reason: LeaveReason, actor: Actor = null): Promise<Member> {
    checkSelf(actor, identity, 'leave');
    return this.onSeated(roomId, identity, async (change, room, member) => {
      await change.unseat(room, member, reason);
      return member;
    }, actor);
  }

  /**
   * Removes the identity's seat and, with a ban, keeps it out until then. A ban of an identity that
   * holds no seat is a pre-ban: recorded all the same (its joins get BANNED), nobody is told, and the
   * answer has no member. Without a ban, an identity that holds no seat is NOT_A_MEMBER.
   */
  async remove(
    roomId: string,
    identity: string,
    reasonText: string,
    banSeconds: number,
    actor: Actor = null,
  ): Promise<{ member: Member | null; bannedUntil: Date | null }> {
    if ([...reasonText].length > limits.reasonTextMaxLength) throw new DomainError('INVALID_ARGUMENT', `reason_text must be at most ${limits.reasonTextMaxLength} characters`);
    if (banSeconds > limits.maxBanSeconds) throw new DomainError('INVALID_ARGUMENT', `ban_seconds must be at most ${limits.maxBanSeconds}`);
    checkId('room_id', roomId);
    return this.onRoom(roomId, actor, async (change) => {
      const room = await change.lock(roomId);
      checkManage(actor, room, 'remove members');
      const bannedUntil = banSeconds > 0 ? new Date(change.now.getTime() + banSeconds * 1000) : null;
      if (bannedUntil) await change.ban(roomId, identity, bannedUntil, reasonText);
      const member = change.seatOf(identity);
      if (!member) {
        if (bannedUntil) return { member: null, bannedUntil };
        throw new DomainError('NOT_A_MEMBER', `${identity} holds no seat in room ${roomId}`);
      }
      await change.unseat(room, member, 'removed', reasonText);
      await change.commit(room);
      return { member, bannedUntil };
    });
  }

  /**
   * Lifts the identity's ban from the room; false when none was in force (nothing is written). The
   * ban is not deleted but made to end now: the same write as a ban, so it moves the room's version
   * and every cached view of the room's bans exactly as banning does.
   */
  async unban(roomId: string, identity: string, actor: Actor = null): Promise<boolean> {
    checkId('room_id', roomId);
    return this.onRoom(roomId, actor, async (change) => {
      const room = await change.lock(roomId, identity);
      checkManage(actor, room, 'lift bans');
      if (!change.bannedUntil || change.bannedUntil <= change.now) return false;
      await change.ban(roomId, identity, change.now, 'ban lifted');
      return true;
    });
  }

  async update(roomId: string, identity: string, patch: MemberPatch, actor: Actor = null): Promise<Member> {
    checkMemberPatch(patch);
    return this.onSeated(roomId, identity, async (change, room, member) => {
      checkSelfOrManage(actor, room, identity, "update a member's profile");
      const next = { ...member, ...definedOnly(patch) };
      if (next.displayName === member.displayName && next.avatarUrl === member.avatarUrl && next.customData === member.customData) return member;
      Object.assign(member, next);
      change.writeMember(member);
      change.record({ type: 'member_updated', member: { ...member } });
      return member;
    }, actor);
  }

  async setStreamState(roomId: string, identity: string, publishing: boolean, source: StreamSource): Promise<{ member: Member; changed: boolean }> {
    let changed = false;
    const member = await this.onSeated(roomId, identity, async (change, _room, m) => {
      // The audience pushes nothing: a report of its stream is not a stream of the room.
      if (roleOf(m) === 'audience') return m;
      if (source === 'media_server') m.streamSource = 'media_server';
      const next = nextStreamState(m, publishing, source);
      if (!next) {
        if (source === 'media_server') change.writeMember(m);
        return m;
      }
      m.state = next;
      changed = true;
      change.writeMember(m);
      change.record({ type: publishing ? 'stream_started' : 'stream_stopped', member: { ...m }, source });
      return m;
    });
    return { member, changed };
  }

  /**
   * A member's microphone and/or camera as its client (a principal: its own seat only) or the media
   * server (no principal) reports them; changed false when nothing moved (nothing announced).
   */
  async setMediaState(roomId: string, identity: string, report: MediaReport, source: StreamSource, actor: Actor = null): Promise<{ member: Member; changed: boolean }> {
    if (report.audio === undefined && report.video === undefined) throw new DomainError('INVALID_ARGUMENT', 'audio or video must be set', { field: 'audio' });
    if (actor && source !== 'client') throw new DomainError('PERMISSION_DENIED', "only the media server reports the media server's word");
    checkSelf(actor, identity, 'report media state');
    let changed = false;
    const member = await this.onSeated(roomId, identity, async (change, room, m) => {
      // An audience member pushes nothing: its client has no pusher to report on (a manager's mute
      // request and forbid still apply, and hold once it is promoted).
      if (source === 'client' && roleOf(m) === 'audience') throw new DomainError('FAILED_PRECONDITION', `${identity} is in the audience: it pushes no microphone or camera`);
      const next = applyMediaReport(m.media, report, source, room.audioOnly === true);
      changed = this.putMedia(change, m, next, 'reported');
      return m;
    }, actor);
    return { member, changed };
  }

  /** The owner's or an admin's request that a member's tracks go off (and, with forbid, stay off). */
  async muteMember(roomId: string, identity: string, tracks: Track[], forbid: boolean, actor: Actor = null): Promise<Member> {
    return this.onSeated(roomId, identity, async (change, room, m) => {
      checkManage(actor, room, 'ask a member to mute');
      this.putMedia(change, m, applyMuteRequest(m.media, tracks, forbid, actor?.identity ?? ''), 'mute_requested', true);
      return m;
    }, actor);
  }

  /** Lifts a forbid: the member may turn those tracks on again. */
  async allowUnmute(roomId: string, identity: string, tracks: Track[], actor: Actor = null): Promise<Member> {
    return this.onSeated(roomId, identity, async (change, room, m) => {
      checkManage(actor, room, 'allow a member to unmute');
      this.putMedia(change, m, applyUnmuteAllowed(m.media, tracks, actor?.identity ?? '', room.audioOnly === true), 'unmute_allowed');
      return m;
    }, actor);
  }

  /** Writes and announces a member's new media state; false when it is the same. A mute request is announced even then (the client applies it again). */
  private putMedia(change: RoomChangeSet, m: Member, next: MediaState, reason: MediaChangeReason, always = false): boolean {
    if (sameMediaState(m.media, next) && !always) return false;
    m.media = next;
    change.writeMember(m);
    change.record({ type: 'member_media', member: { ...m }, reason });
    return true;
  }

  /** Every seat held through the session is given up. */
  async leaveSession(sessionId: string, reason: LeaveReason): Promise<Member[]> {
    const held = await this.tx.store.rooms.seatedMembersOfSession(sessionId);
    const left: Member[] = [];
    for (const m of held) {
      try {
        left.push(await this.leave(m.roomId, m.identity, reason));
      } catch (err) {
        if (!isDomainError(err, 'NOT_A_MEMBER') && !isDomainError(err, 'ROOM_NOT_FOUND')) throw err;
      }
    }
    return left;
  }

  /** The session's connection dropped (connected false) or came back: each of its seats says so. */
  async setSessionConnection(sessionId: string, connected: boolean): Promise<Member[]> {
    return (await this.setSessionsConnection([sessionId], connected)).get(sessionId) ?? [];
  }

  /** setSessionConnection for several sessions, their seats read at once: each session's seats, after the change. */
  async setSessionsConnection(sessionIds: string[], connected: boolean): Promise<Map<string, Member[]>> {
    const held = await this.tx.store.rooms.seatedMembersOfSessions([...new Set(sessionIds)]);
    const bySession = new Map<string, Member[]>(sessionIds.map((id) => [id, []]));
    for (const m of held) {
      const out = bySession.get(m.sessionId)!;
      const sessionId = m.sessionId;
      // Already so (a session resumed on another gateway before its drop was told, as a draining
      // gateway's are): nothing to lock or write.
      if (m.connectionInterrupted === !connected) {
        out.push(m);
        continue;
      }
      try {
        out.push(
          await this.onSeated(m.roomId, m.identity, async (change, _room, member) => {
            if (member.sessionId !== sessionId || member.connectionInterrupted === !connected) return member;
            member.connectionInterrupted = !connected;
            change.writeMember(member);
            change.record({ type: 'member_connection', member: { ...member }, connected });
            return member;
          }),
        );
      } catch (err) {
        if (!isDomainError(err, 'NOT_A_MEMBER') && !isDomainError(err, 'ROOM_NOT_FOUND')) throw err;
      }
    }
    return bySession;
  }

  /** Each room's current seq (room id -> seq), as a resumed client's seats carry it; rooms gone are left out. */
  async seqsOf(roomIds: string[]): Promise<Record<string, number>> {
    return this.tx.store.rooms.roomSeqs([...new Set(roomIds)]);
  }

  /** One membership with its room: by stream id (any membership), or the seated member of a room. */
  /** A principal reads its own membership, or any in a room it manages. */
  async get(ref: { streamId?: string; roomId?: string; identity?: string }, actor: Actor = null): Promise<{ member: Member; room: Room }> {
    let member: Member | null = null;
    if (ref.streamId) {
      checkId('stream_id', ref.streamId);
      member = await this.tx.store.rooms.findMemberByStream(ref.streamId);
    } else if (ref.roomId && ref.identity) {
      checkId('room_id', ref.roomId);
      member = (await this.tx.store.rooms.seatedMembers(ref.roomId)).find((m) => m.identity === ref.identity) ?? null;
    } else {
      throw new DomainError('INVALID_ARGUMENT', 'stream_id, or room_id and identity, are required', { field: 'stream_id' });
    }
    const room = member ? await this.tx.store.rooms.findRoomById(member.roomId) : null;
    if (!member || !room) {
      const missing = new DomainError('NOT_A_MEMBER', 'no such membership');
      throw ref.roomId ? missingRoomError(actor, { roomId: ref.roomId }, missing) : missing;
    }
    checkSelfOrManage(actor, room, member.identity, 'read a membership');
    return { member, room };
  }

  /** Runs a change on a seated member under the room's lock, then commits it. */
  private async onSeated<T>(roomId: string, identity: string, work: (change: RoomChangeSet, room: Room, member: Member) => Promise<T>, actor: Actor = null): Promise<T> {
    checkId('room_id', roomId);
    return this.onRoom(roomId, actor, async (change) => {
      const room = await change.lock(roomId);
      const member = change.seatOf(identity);
      if (!member) throw new DomainError('NOT_A_MEMBER', `${identity} holds no seat in room ${roomId}`);
      const out = await work(change, room, member);
      await change.commit(room);
      return out;
    }, { optimistic: true });
  }

  /** A change under the room's lock; a missing room is answered as resolveRoom answers it. */
  private async onRoom<T>(roomId: string, actor: Actor, work: (change: RoomChangeSet) => Promise<T>, options?: { optimistic: boolean }): Promise<T> {
    try {
      return await this.tx.run(roomId, work, options);
    } catch (err) {
      if (isDomainError(err, 'ROOM_NOT_FOUND')) throw missingRoomError(actor, { roomId }, err);
      throw err;
    }
  }

  private async target(input: JoinInput): Promise<Room> {
    const actor = input.actor ?? null;
    if (input.roomId) {
      // A remembered room saves a read: its id, kind and recording never change, and the change
      // itself finds out if it has closed meanwhile.
      checkId('room_id', input.roomId);
      return this.tx.rememberedRoom(input.roomId) ?? resolveRoom(this.tx.store.rooms, { roomId: input.roomId }, actor);
    }
    if (!input.name) throw new DomainError('INVALID_ARGUMENT', 'room_id or room_name is required', { field: 'room_id' });
    // Joining a room that exists needs no right to create one.
    if (!input.createIfMissing || !mayCreate(actor, input.name)) {
      checkRoomName('name', input.name);
      const room = await this.rooms.openNamed(input.name);
      if (room) return room;
      if (input.createIfMissing) throw new DomainError('PERMISSION_DENIED', 'the access token does not allow creating rooms');
      throw missingRoomError(actor, { name: input.name }, new DomainError('ROOM_NOT_FOUND', `no open room named ${input.name}`));
    }
    return this.rooms.findOrCreate(input.name, { ...(input.createOptions ?? defaultOptions(input.identity)), ownerIdentity: input.identity }, { scope: input.scope });
  }

  private async earlierJoin(room: Room, input: JoinInput): Promise<JoinResult | null> {
    const member = await this.tx.store.rooms.findMemberByJoinRequest(room.id, input.requestId!);
    if (!member || member.identity !== input.identity) return null;
    if (member.state === 'left') throw new DomainError('NOT_A_MEMBER', 'the membership this request made has ended');
    return this.seatAgain(room, member, input.scope);
  }

  /**
   * A seat held already, answered as its join was: the room as it is now, and the seat's fresh push
   * URL (or an audience member's fresh entry URL: a join again is how either is renewed), for the
   * membership's own kind, not the asking join's.
   */
  private async seatAgain(room: Room, member: Member, scope: RequestScope | undefined): Promise<JoinResult> {
    const snap = await this.rooms.get({ roomId: room.id });
    const issued = await this.issuer.issuePushUrl(pushUrlRequestOf(room, member), scope);
    return { room: snap.room, member, members: snap.members, ...handedOut(roleOf(member), issued), playUrls: await this.playUrlsFor(room.id, member, snap.members, scope), seq: snap.seq };
  }

  /** Play URLs of the others publishing, signed for the viewer's kind; none (the caller asks) if the issuer fails. */
  private async playUrlsFor(roomId: string, viewer: Member, members: Member[], scope: RequestScope | undefined): Promise<mediav1.PlayUrl[]> {
    const streamIds = streamsToPlay(members, viewer.identity);
    if (streamIds.length === 0 || !this.issuer.issueViewerPlayUrls) return [];
    return this.issuer.issueViewerPlayUrls(roomId, viewer.identity, streamIds, viewer.kind, scope).catch(() => []);
  }
}

/**
 * A join takes back the seat its own session holds in the room, in the same role (a session's second
 * join of a room is not a new membership: the others would see it leave and join, and a call's party
 * a new stream). Another session of the identity (another tab, another device) replaces it; a join
 * without a session (an operator's) too.
 */
function takesBack(held: Member | null, sessionId: string, role: MemberRole): boolean {
  return !!held && sessionId !== '' && held.sessionId === sessionId && roleOf(held) === role;
}

/** A seat gets its push URL; the audience only its entry URL (where the provider has one), never a push URL. */
function handedOut(role: MemberRole, issued: IssuedPushUrl): { pushUrl: IssuedPushUrl | null; audienceEntryUrl: AudienceEntryUrl | null } {
  const { audienceEntryUrl, ...pushUrl } = issued;
  return role === 'seat' ? { pushUrl, audienceEntryUrl: null } : { pushUrl: null, audienceEntryUrl: audienceEntryUrl ?? null };
}

/** A 1:1 call's room seats its parties and those invited: it has no audience. */
function checkHasAudience(room: Pick<Room, 'id' | 'kind'>): void {
  if (room.kind === 'call') throw new DomainError('FAILED_PRECONDITION', `room ${room.id} is a call's: it has no audience`);
}

function defaultOptions(owner: string): RoomOptions {
  return {
    name: '',
    kind: 'group',
    displayName: '',
    maxMembers: 0,
    metadata: '',
    recording: false,
    ownerIdentity: owner,
    ownerRights: 'manage',
    ownerLeavePolicy: 'transfer',
    emptyTimeoutSeconds: 0,
    departureTimeoutSeconds: 0,
    duplicateIdentity: 'replace',
  };
}
