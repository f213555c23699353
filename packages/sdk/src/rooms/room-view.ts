// What the client knows of a room it sits in, kept current from its notices in seq order: the room,
// its members (in join order), your push URL and the play URLs signed for you.
import type { MediaEntryUrl, Member, PlayUrl, PushUrl, Room, RoomNotice } from '../protocol.js';

/** A copy of a room's state as the client knows it; handed to apps, never changed afterwards. */
export interface RoomSnapshot {
  room: Room;
  /** Your own seat. */
  self: Member;
  /** Everyone holding a seat, you included (also when you are in the audience), in join order. */
  members: Member[];
  /** For your <live-pusher url="...">. */
  pushUrl?: PushUrl;
  /**
   * In the audience with TRTC (MEDIA_PROVIDER=trtc): your <live-pusher url="..."> enters the media room
   * with it (audience role, camera and microphone off) so your <live-player>s can play the seats. It
   * cannot publish. Absent on a seat and with the other providers (their play URLs need no entry).
   */
  entryUrl?: MediaEntryUrl;
  /** Play URLs signed for you, by member id, of the members publishing now. */
  playUrls: Record<string, PlayUrl>;
  /** The last room event applied. */
  seq: number;
}

export class RoomView {
  private readonly members = new Map<string, Member>();
  private readonly playUrls = new Map<string, PlayUrl>();

  constructor(
    public room: Room,
    public self: Member,
    members: Member[],
    public pushUrl: PushUrl | undefined,
    playUrls: PlayUrl[],
    public entryUrl: MediaEntryUrl | undefined = undefined,
  ) {
    this.replaceMembers(members, playUrls);
  }

  get id(): string {
    return this.room.id;
  }

  /** The seat was taken again or the room re-read: the members are these now. */
  replaceMembers(members: Member[], playUrls: PlayUrl[] = []): void {
    const byStream = new Map(playUrls.map((u) => [u.streamId, u]));
    const kept = new Map(this.playUrls);
    this.members.clear();
    this.playUrls.clear();
    for (const m of members) {
      // The audience is known by its size (room.audienceCount); get_room lists it.
      if (m.role === 'MEMBER_ROLE_AUDIENCE' && m.memberId !== this.self.memberId) continue;
      this.members.set(m.memberId, m);
      const url = byStream.get(m.streamId) ?? kept.get(m.memberId);
      if (url && m.state === 'MEMBER_STATE_PUBLISHING') this.playUrls.set(m.memberId, url);
    }
    const me = members.find((m) => m.memberId === this.self.memberId);
    if (me) this.self = me;
  }

  member(memberId: string): Member | undefined {
    return this.members.get(memberId);
  }

  playUrl(memberId: string): PlayUrl | undefined {
    return this.playUrls.get(memberId);
  }

  /** A play URL that waited for the media bridge: kept for the member publishing its stream; that member, if any. */
  setPlayable(playUrl: PlayUrl): Member | undefined {
    const member = [...this.members.values()].find((m) => m.streamId === playUrl.streamId && m.state === 'MEMBER_STATE_PUBLISHING');
    if (member) this.playUrls.set(member.memberId, playUrl);
    return member;
  }

  apply(notice: RoomNotice): void {
    const n = notice;
    if (n.memberJoined) this.put(n.memberJoined.member);
    else if (n.memberLeft) {
      this.members.delete(n.memberLeft.member.memberId);
      this.playUrls.delete(n.memberLeft.member.memberId);
    } else if (n.memberUpdated) this.put(n.memberUpdated.member);
    else if (n.memberMedia) this.put(n.memberMedia.member);
    else if (n.memberConnection) this.put({ ...n.memberConnection.member, connectionInterrupted: !n.memberConnection.connected });
    else if (n.streamStarted) {
      this.put(n.streamStarted.member);
      if (n.streamStarted.playUrl) this.playUrls.set(n.streamStarted.member.memberId, n.streamStarted.playUrl);
    } else if (n.streamStopped) {
      this.put(n.streamStopped.member);
      this.playUrls.delete(n.streamStopped.member.memberId);
    } else if (n.memberRole) {
      const { member, audienceCount } = n.memberRole;
      if (member.role === 'MEMBER_ROLE_AUDIENCE') this.playUrls.delete(member.memberId);
      // Back in the audience yourself: your push URL is no longer yours to push to.
      if (member.role === 'MEMBER_ROLE_AUDIENCE' && member.memberId === this.self.memberId) this.pushUrl = undefined;
      // On a seat yourself: you enter the media room with your push URL now.
      if (member.role !== 'MEMBER_ROLE_AUDIENCE' && member.memberId === this.self.memberId) this.entryUrl = undefined;
      if (member.role === 'MEMBER_ROLE_AUDIENCE' && member.memberId !== this.self.memberId) this.members.delete(member.memberId);
      else this.put(member);
      this.room = { ...this.room, audienceCount };
    } else if (n.seatRequest) {
      if (n.seatRequest.member.memberId === this.self.memberId) this.put(n.seatRequest.member);
    } else if (n.audience) this.room = { ...this.room, audienceCount: n.audience.audienceCount };
    else if (n.roomUpdated) this.room = { ...n.roomUpdated.room, audienceCount: this.room.audienceCount };
    else if (n.roomClosed) this.room = n.roomClosed.room;
    const seats = [...this.members.values()].filter((m) => m.role !== 'MEMBER_ROLE_AUDIENCE').length;
    this.room = { ...this.room, memberCount: seats };
  }

  snapshot(seq: number): RoomSnapshot {
    return {
      room: { ...this.room },
      self: { ...this.self },
      members: [...this.members.values()].map((m) => ({ ...m })),
      pushUrl: this.pushUrl ? { ...this.pushUrl } : undefined,
      entryUrl: this.entryUrl ? { ...this.entryUrl } : undefined,
      playUrls: copyUrls(this.playUrls),
      seq,
    };
  }

  private put(member: Member): void {
    // A notice about a member that left already (a late one) does not seat it again.
    if (member.state === 'MEMBER_STATE_LEFT') return;
    const existing = this.members.get(member.memberId);
    this.members.set(member.memberId, existing ? { ...existing, ...member } : member);
    if (member.memberId === this.self.memberId) this.self = this.members.get(member.memberId)!;
  }
}

function copyUrls(urls: Map<string, PlayUrl>): Record<string, PlayUrl> {
  const out: Record<string, PlayUrl> = {};
  for (const [id, u] of urls) out[id] = { ...u };
  return out;
}
