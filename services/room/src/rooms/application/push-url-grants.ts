// Push URLs signed ahead: after a join, the next members' ids and push URLs are asked of the URL
// issuer while the room waits for its next joins, so those joins do not wait for the round trip (a
// millisecond or more when the issuer's process has to be woken: a third of a quiet system's
// join -> notify time went to it). With an issuer that signs several in one call (IssuePushUrls), a
// room's free seats are signed together, up to `maxAhead`, and signed again only once they are used
// up: a room of six costs the URL issuer two calls instead of six, each call a wake-up of both
// processes (bench/results/hotpath.md). A grant is used only while fresh (a small share of its URL's
// lifetime), and one whose signing failed is signed again on the spot. Grants are signed for a
// mini-program (the kind nearly every join is); a browser's join signs its own URL on the spot and
// leaves the room's grants to the next joins.
import { newId, RequestScope } from '@rtcroom/common';
import type { ClientKind, Room } from '../domain/room';
import type { IssuedPushUrl, PushUrlIssuer } from './memberships';

export interface PushUrlGrantOptions {
  /** Rooms holding a grant at most; past this the oldest grant is dropped. */
  maxRooms: number;
  /** A grant older than this is not used (the room's next join may be far off). */
  maxAgeMs: number;
  /** Nor one past this share of its URL's lifetime. */
  maxLifetimeShare: number;
  /** Seats signed ahead at once where the issuer signs several in one call (a room of six: the five after its first join). */
  maxAhead: number;
}

export const defaultPushUrlGrantOptions: PushUrlGrantOptions = { maxRooms: 10_000, maxAgeMs: 30_000, maxLifetimeShare: 0.01, maxAhead: 5 };

interface Grant {
  memberId: string;
  issuedAt: number;
  signing: Promise<IssuedPushUrl>;
  /** Set once signed: when the URL expires. */
  expiresAt?: number;
}

export interface PushGrant {
  memberId: string;
  signing: Promise<IssuedPushUrl>;
}

export class PushUrlGrants {
  /** By room, the grants signed ahead, the oldest room first. */
  private readonly next = new Map<string, Grant[]>();

  constructor(
    private readonly issuer: PushUrlIssuer,
    private readonly options: PushUrlGrantOptions = defaultPushUrlGrantOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A member id for a new member of the room and its push URL: the one signed ahead if fresh. `scope`:
   * the join's request, named by the URL issuer when the URL is signed now.
   */
  take(room: Room, kind: ClientKind = 'mini_program', identity?: string, scope?: RequestScope): PushGrant {
    if (kind !== 'mini_program') {
      const memberId = newId('m');
      return { memberId, signing: this.sign(room, memberId, kind, identity, scope) };
    }
    const grant = this.takeFresh(room.id);
    if (grant) {
      // Signed ahead but failed (the issuer was down then): signed again now, same member id.
      return { memberId: grant.memberId, signing: grant.signing.catch(() => this.sign(room, grant.memberId, 'mini_program', undefined, scope)) };
    }
    // None ahead (a room's first join, or joins faster than the grants): this join's URL and the
    // seats left after it in one call, so that the joins right behind it find theirs.
    const memberId = newId('m');
    const after = this.issuer.issuePushUrls ? Math.min(room.maxMembers - room.memberCount - 1, this.options.maxAhead) : 0;
    if (room.closedAt || after <= 0) return { memberId, signing: this.sign(room, memberId, 'mini_program', undefined, scope) };
    const ahead = newIds(after);
    const [signing, ...signings] = this.signMany(room, [memberId, ...ahead], scope);
    this.keep(room, ahead, signings);
    return { memberId, signing: signing! };
  }

  /**
   * Signs the room's next members' push URLs ahead, once the grants it holds are used up and while
   * seats are free: as many as the free seats (up to maxAhead) where the issuer signs several in one
   * call, else one.
   */
  prepare(room: Room): void {
    const free = room.maxMembers - room.memberCount;
    if (room.closedAt || free <= 0 || this.next.get(room.id)?.length) return;
    const ahead = newIds(this.issuer.issuePushUrls ? Math.min(free, this.options.maxAhead) : 1);
    this.keep(room, ahead, this.signMany(room, ahead));
  }

  /**
   * A room about to be made for a join: its first seats' URLs (the first join's among them, up to
   * maxAhead + 1) signed while the room's own statement runs, so the first join does not wait for the
   * URL issuer after it. `scope`: the request the room is made for.
   */
  prepareNew(room: Room, scope?: RequestScope): void {
    const seats = Math.min(room.maxMembers, this.issuer.issuePushUrls ? this.options.maxAhead + 1 : 1);
    if (room.closedAt || seats <= 0) return;
    const ids = newIds(seats);
    this.keep(room, ids, this.signMany(room, ids, scope));
  }

  /** Forgets a room's grants (a room that was not made after all). */
  drop(roomId: string): void {
    this.next.delete(roomId);
  }

  /** Grants held, over every room (for tests and stats). */
  get size(): number {
    let n = 0;
    for (const grants of this.next.values()) n += grants.length;
    return n;
  }

  /** The room's first fresh grant, taken; stale ones before it are dropped. */
  private takeFresh(roomId: string): Grant | undefined {
    const grants = this.next.get(roomId);
    let grant: Grant | undefined;
    while (grants?.length && !grant) {
      const first = grants.shift()!;
      if (this.fresh(first)) grant = first;
    }
    if (grants && grants.length === 0) this.next.delete(roomId);
    return grant;
  }

  /** The room's grants from now on (replacing any it held): these members, their URLs being signed. */
  private keep(room: Room, memberIds: string[], signings: Promise<IssuedPushUrl>[]): void {
    const issuedAt = this.now();
    const grants = memberIds.map((memberId, i): Grant => {
      const grant: Grant = { memberId, issuedAt, signing: signings[i]! };
      grant.signing.then(
        (url) => (grant.expiresAt = url.expireTime.getTime()),
        () => undefined, // take() signs again
      );
      return grant;
    });
    this.next.delete(room.id);
    this.next.set(room.id, grants);
    if (this.next.size > this.options.maxRooms) this.next.delete(this.next.keys().next().value!);
  }

  /** These mini-program members' URLs, in one call where the issuer signs several. */
  private signMany(room: Room, memberIds: string[], scope?: RequestScope): Promise<IssuedPushUrl>[] {
    if (memberIds.length === 1 || !this.issuer.issuePushUrls) return memberIds.map((memberId) => this.sign(room, memberId, 'mini_program', undefined, scope));
    const all = this.issuer.issuePushUrls(
      memberIds.map((memberId) => ({ roomId: room.id, memberId, record: room.recording, formats: room.recordingFormats, kind: 'mini_program' as const, audioOnly: room.audioOnly === true })),
      scope,
    );
    return memberIds.map((_, i) =>
      all.then((urls) => {
        const url = urls[i];
        if (!url) throw new Error(`the URL issuer answered ${urls.length} push URLs for ${memberIds.length}`);
        return url;
      }),
    );
  }

  private fresh(grant: Grant): boolean {
    const age = this.now() - grant.issuedAt;
    if (age > this.options.maxAgeMs) return false;
    if (grant.expiresAt === undefined) return true; // still being signed: as fresh as a new one
    return age <= (grant.expiresAt - grant.issuedAt) * this.options.maxLifetimeShare;
  }

  private sign(room: Room, memberId: string, kind: ClientKind = 'mini_program', identity?: string, scope?: RequestScope): Promise<IssuedPushUrl> {
    return this.issuer.issuePushUrl({ roomId: room.id, memberId, record: room.recording, formats: room.recordingFormats, kind, audioOnly: room.audioOnly === true, identity }, scope);
  }
}

function newIds(count: number): string[] {
  return Array.from({ length: count }, () => newId('m'));
}
