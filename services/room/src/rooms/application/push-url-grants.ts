// Push URLs signed ahead, one per room: after a join, the next member's id and push URL are asked of
// the URL issuer while the room waits for its next join, so that join does not wait for the round
// trip (a millisecond or more when the issuer's process has to be woken: a third of a quiet system's
// join -> notify time went to it). A room has one grant at most; a grant is used only while fresh
// (a small share of its URL's lifetime), and one whose signing failed is signed again on the spot.
// Grants are signed for a mini-program (the kind nearly every join is); a browser's join signs its
// own URL on the spot and leaves the room's grant to the next join.
import { newId } from '@rtcroom/common';
import type { ClientKind, Room } from '../domain/room';
import type { IssuedPushUrl, PushUrlIssuer } from './memberships';

export interface PushUrlGrantOptions {
  /** Rooms holding a grant at most; past this the oldest grant is dropped. */
  maxRooms: number;
  /** A grant older than this is not used (the room's next join may be far off). */
  maxAgeMs: number;
  /** Nor one past this share of its URL's lifetime. */
  maxLifetimeShare: number;
}

export const defaultPushUrlGrantOptions: PushUrlGrantOptions = { maxRooms: 10_000, maxAgeMs: 30_000, maxLifetimeShare: 0.01 };

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
  private readonly next = new Map<string, Grant>();

  constructor(
    private readonly issuer: PushUrlIssuer,
    private readonly options: PushUrlGrantOptions = defaultPushUrlGrantOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** A member id for a new member of the room and its push URL: the one signed ahead if fresh. */
  take(room: Room, kind: ClientKind = 'mini_program', identity?: string): PushGrant {
    if (kind !== 'mini_program') {
      const memberId = newId('m');
      return { memberId, signing: this.sign(room, memberId, kind, identity) };
    }
    const grant = this.next.get(room.id);
    this.next.delete(room.id);
    if (grant && this.fresh(grant)) {
      // Signed ahead but failed (the issuer was down then): signed again now, same member id.
      return { memberId: grant.memberId, signing: grant.signing.catch(() => this.sign(room, grant.memberId)) };
    }
    const memberId = newId('m');
    return { memberId, signing: this.sign(room, memberId) };
  }

  /** Signs the room's next member's push URL ahead, if it has no grant yet and a seat is free. */
  prepare(room: Room): void {
    if (room.closedAt || room.memberCount >= room.maxMembers || this.next.has(room.id)) return;
    const memberId = newId('m');
    const grant: Grant = { memberId, issuedAt: this.now(), signing: this.sign(room, memberId) };
    grant.signing.then(
      (url) => (grant.expiresAt = url.expireTime.getTime()),
      () => undefined, // take() signs again
    );
    this.next.set(room.id, grant);
    if (this.next.size > this.options.maxRooms) this.next.delete(this.next.keys().next().value!);
  }

  /** Rooms holding a grant (for tests and stats). */
  get size(): number {
    return this.next.size;
  }

  private fresh(grant: Grant): boolean {
    const age = this.now() - grant.issuedAt;
    if (age > this.options.maxAgeMs) return false;
    if (grant.expiresAt === undefined) return true; // still being signed: as fresh as a new one
    return age <= (grant.expiresAt - grant.issuedAt) * this.options.maxLifetimeShare;
  }

  private sign(room: Room, memberId: string, kind: ClientKind = 'mini_program', identity?: string): Promise<IssuedPushUrl> {
    return this.issuer.issuePushUrl(room.id, memberId, room.recording, room.recordingFormats, kind, room.audioOnly === true, identity);
  }
}
