// The room domain: what rooms and members are, their limits, and the rules of seats, owners and
// auto-close timers. Nothing here knows of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common/errors';
import type { MediaState } from './media-state';

export type RoomKind = 'group' | 'call';
export type RoomState = 'open' | 'closed';
export type MemberState = 'joined' | 'publishing' | 'left';
export type LeaveReason = 'left' | 'removed' | 'connection_lost' | 'room_closed' | 'replaced' | 'call_ended' | 'transferred';
export type CloseReason = 'closed_by_api' | 'empty_timeout' | 'departure_timeout' | 'owner_left' | 'call_ended';
export type StreamSource = 'client' | 'media_server';
export type OwnerLeavePolicy = 'transfer' | 'close_room';
/** What the owner may do beyond its grants: manage (close, update, remove members) or nothing more. */
export type OwnerRights = 'manage' | 'none';
export type DuplicateIdentityPolicy = 'replace' | 'refuse';
/** On a seat (pushes and plays) or in the audience (plays only, not counted in maxMembers). */
export type MemberRole = 'seat' | 'audience';

export interface RoomOptions {
  name: string;
  kind: RoomKind;
  displayName: string;
  maxMembers: number;
  metadata: string;
  recording: boolean;
  /** When recording: the formats it is forced in (a service-desk team's); empty: the deployment's. */
  recordingFormats?: string[];
  ownerIdentity: string;
  ownerRights: OwnerRights;
  ownerLeavePolicy: OwnerLeavePolicy;
  /** 0: the policy's default. */
  emptyTimeoutSeconds: number;
  departureTimeoutSeconds: number;
  duplicateIdentity: DuplicateIdentityPolicy;
  /** The room's messages go to webhooks too (absent: false; the deployment may send all rooms'). */
  messageWebhooks?: boolean;
  /** Audience limit (0 or absent: limits.defaultMaxAudience). */
  maxAudience?: number;
  /** Members' video stays off; push URLs ask the provider's audio-only mode (absent: false). */
  audioOnly?: boolean;
}

export interface Room extends RoomOptions {
  id: string;
  state: RoomState;
  memberCount: number;
  /** The seq of the room's latest event. */
  seq: number;
  createdAt: Date;
  closedAt: Date | null;
  closeReason: CloseReason | null;
  /** Someone has joined at some point (decides which timeout applies). */
  everJoined: boolean;
  /** When the room closes by itself unless someone joins first; null while anyone is seated. */
  autoCloseAt: Date | null;
  /** Members in the audience now: known (and set) where the room's members were read; not stored. */
  audienceCount?: number;
}

/**
 * What a member plays and pushes with, given at join: a mini-program's <live-pusher>/<live-player>
 * (RTMP; the default) or a browser (WebRTC). The URLs it is issued, and issued to it, suit its kind.
 */
export type ClientKind = 'mini_program' | 'browser';

export interface Member {
  memberId: string;
  roomId: string;
  identity: string;
  displayName: string;
  avatarUrl: string;
  customData: string;
  /** The member's connection dropped; it keeps the seat for the grace period. */
  connectionInterrupted: boolean;
  state: MemberState;
  /** Who last set the stream state; the media server's word wins over the client's. */
  streamSource: StreamSource | null;
  /** Microphone and camera (rooms/domain/media-state.ts). */
  media: MediaState;
  streamId: string;
  sessionId: string;
  joinedAt: Date;
  leftAt: Date | null;
  leaveReason: LeaveReason | null;
  /** Absent (rows from before audiences): seat. */
  role?: MemberRole;
  /** An owner or admin invited this audience member to a seat; its own promotion now succeeds. */
  seatInvited?: boolean;
  /** Fixed for the membership: a client that changes kind joins again. */
  kind: ClientKind;
}

/** Limits, documented in the README and in proto comments. */
export const limits = {
  nameMaxLength: 64,
  displayNameMaxLength: 128,
  avatarUrlMaxLength: 512,
  metadataMaxBytes: 4096,
  customDataMaxBytes: 4096,
  reasonTextMaxLength: 256,
  maxBanSeconds: 30 * 24 * 3600,
  maxTimeoutSeconds: 7 * 24 * 3600,
  callSeats: 2,
  callSeatsWithGuests: 6,
  /** RtcRoom's live rooms had up to 30 viewers beside the pushers. */
  defaultMaxAudience: 30,
  maxAudienceCap: 1000,
};

export interface RoomPolicy {
  /** Seats when a room is created without max_members. */
  defaultMaxMembers: number;
  /** The most seats a room may have. */
  maxMembersCap: number;
  defaultEmptyTimeoutSeconds: number;
  defaultDepartureTimeoutSeconds: number;
}

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates a room to create and fills in defaults; throws INVALID_ARGUMENT naming the field. */
export function normalizeNewRoom(input: RoomOptions, policy: RoomPolicy): RoomOptions {
  checkRoomName('room.name', input.name);
  checkDisplayName('room.display_name', input.displayName);
  checkBytes('room.metadata', input.metadata, limits.metadataMaxBytes);
  let maxMembers = input.maxMembers || policy.defaultMaxMembers;
  if (input.kind === 'call') {
    // Two seats; a service-desk call's room has room for guests (a supervisor, a colleague).
    if (input.maxMembers && (input.maxMembers < limits.callSeats || input.maxMembers > limits.callSeatsWithGuests)) {
      throw invalid('room.max_members', `a call room has 2 seats (up to ${limits.callSeatsWithGuests} with guests)`);
    }
    maxMembers = input.maxMembers || limits.callSeats;
  }
  if (maxMembers < 1 || maxMembers > policy.maxMembersCap) {
    throw invalid('room.max_members', `must be between 1 and ${policy.maxMembersCap}`);
  }
  const maxAudience = input.maxAudience || limits.defaultMaxAudience;
  if (maxAudience > limits.maxAudienceCap) throw invalid('room.max_audience', `must be at most ${limits.maxAudienceCap}`);
  for (const [field, value] of [
    ['room.empty_timeout_seconds', input.emptyTimeoutSeconds],
    ['room.departure_timeout_seconds', input.departureTimeoutSeconds],
  ] as const) {
    if (value > limits.maxTimeoutSeconds) throw invalid(field, `must be at most ${limits.maxTimeoutSeconds}`);
  }
  return {
    ...input,
    maxMembers,
    maxAudience,
    emptyTimeoutSeconds: input.emptyTimeoutSeconds || policy.defaultEmptyTimeoutSeconds,
    departureTimeoutSeconds: input.departureTimeoutSeconds || policy.defaultDepartureTimeoutSeconds,
  };
}

export function checkDisplayName(field: string, value: string): void {
  if ([...value].length > limits.displayNameMaxLength) throw invalid(field, `must be at most ${limits.displayNameMaxLength} characters`);
}

export function checkBytes(field: string, value: string, max: number): void {
  if (Buffer.byteLength(value, 'utf8') > max) throw invalid(field, `must be at most ${max} bytes`);
}

export function checkId(field: string, value: string): void {
  if (!namePattern.test(value)) throw invalid(field, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
}

export const checkRoomName = checkId;

export function invalid(field: string, problem: string): DomainError {
  return new DomainError('INVALID_ARGUMENT', `${field} ${problem}`, { field });
}

export type SeatDecision = { ok: true; replaces: Member | null } | { ok: false; error: DomainError };

/**
 * Whether `identity` may take a seat in `room` given who holds seats now and any ban. An identity
 * already seated replaces its old membership (its seat is reused, so a full room still lets it back
 * in) unless the room refuses duplicates.
 */
export function decideSeat(room: Room, seated: Member[], identity: string, bannedUntil: Date | null, now: Date, role: MemberRole = 'seat'): SeatDecision {
  if (room.state !== 'open') return { ok: false, error: new DomainError('ROOM_CLOSED', `room ${room.id} is closed`) };
  if (bannedUntil && bannedUntil > now) {
    return {
      ok: false,
      error: new DomainError('BANNED', `${identity} is banned from room ${room.id} until ${bannedUntil.toISOString()}`, {
        until: bannedUntil.toISOString(),
      }),
    };
  }
  const existing = seated.find((m) => m.identity === identity) ?? null;
  if (existing && room.duplicateIdentity === 'refuse') {
    return { ok: false, error: new DomainError('IDENTITY_IN_USE', `${identity} already holds a seat in room ${room.id}`) };
  }
  const taken = seated.filter((m) => roleOf(m) === role && m !== existing).length;
  const full = roomFull(room, role, taken);
  if (full) return { ok: false, error: full };
  return { ok: true, replaces: existing };
}

export function roleOf(m: Pick<Member, 'role'>): MemberRole {
  return m.role ?? 'seat';
}

/** The room's audience now (members present with the audience role). */
export function audienceCount(present: Pick<Member, 'role'>[]): number {
  return present.filter((m) => roleOf(m) === 'audience').length;
}

/** ROOM_FULL (or AUDIENCE_FULL) when `taken` places of that role are all the room has; null otherwise. */
export function roomFull(room: Pick<Room, 'id' | 'maxMembers' | 'maxAudience'>, role: MemberRole, taken: number): DomainError | null {
  if (role === 'seat') {
    return taken >= room.maxMembers ? new DomainError('ROOM_FULL', `room ${room.id} has all ${room.maxMembers} seats taken`, { max_members: String(room.maxMembers) }) : null;
  }
  const max = room.maxAudience || limits.defaultMaxAudience;
  return taken >= max ? new DomainError('AUDIENCE_FULL', `room ${room.id} has its audience of ${max} full`, { max_audience: String(max) }) : null;
}

/**
 * The state a member moves to when its stream begins or stops; null when nothing changes. Once the
 * media server has spoken about a stream, the client's reports no longer move it: the media server
 * sees the stream itself.
 */
export function nextStreamState(member: Member, publishing: boolean, source: StreamSource = 'media_server'): MemberState | null {
  if (member.state === 'left') return null;
  if (source === 'client' && member.streamSource === 'media_server') return null;
  if (publishing) return member.state === 'publishing' ? null : 'publishing';
  return member.state === 'publishing' ? 'joined' : null;
}

/** A room just created closes after its empty timeout unless someone joins. */
export function initialAutoClose(createdAt: Date, emptyTimeoutSeconds: number): Date {
  return new Date(createdAt.getTime() + emptyTimeoutSeconds * 1000);
}

export type DepartureOutcome = { close: CloseReason | null; newOwner: string | null; autoCloseAt: Date | null };

/**
 * What a departure means for the room: the owner leaving closes it or hands ownership to whoever has
 * been in longest; the last one leaving starts the departure timeout.
 */
export function afterDeparture(room: Room, departed: Member, remaining: Member[], now: Date): DepartureOutcome {
  const ownerLeft = room.ownerIdentity !== '' && departed.identity === room.ownerIdentity && !remaining.some((m) => m.identity === departed.identity);
  if (ownerLeft && room.ownerLeavePolicy === 'close_room') return { close: 'owner_left', newOwner: null, autoCloseAt: null };
  // Ownership passes to a seated member first; to the audience only when nobody is seated.
  const seatedLeft = remaining.filter((m) => roleOf(m) === 'seat');
  const newOwner = ownerLeft && remaining.length > 0 ? oldest(seatedLeft.length > 0 ? seatedLeft : remaining).identity : null;
  const autoCloseAt = remaining.length === 0 ? new Date(now.getTime() + room.departureTimeoutSeconds * 1000) : room.autoCloseAt;
  return { close: null, newOwner, autoCloseAt };
}

/** Why a room whose auto-close time has come closes. */
export function autoCloseReason(room: Room): CloseReason {
  return room.everJoined ? 'departure_timeout' : 'empty_timeout';
}

function oldest(members: Member[]): Member {
  return members.reduce((a, b) => (b.joinedAt < a.joinedAt ? b : a));
}

export interface MemberPatch {
  displayName?: string;
  avatarUrl?: string;
  customData?: string;
}

export function checkMemberPatch(patch: MemberPatch): void {
  if (patch.displayName !== undefined) checkDisplayName('member.display_name', patch.displayName);
  if (patch.avatarUrl !== undefined && [...patch.avatarUrl].length > limits.avatarUrlMaxLength) {
    throw invalid('member.avatar_url', `must be at most ${limits.avatarUrlMaxLength} characters`);
  }
  if (patch.customData !== undefined) checkBytes('member.custom_data', patch.customData, limits.customDataMaxBytes);
}

/** The streams a member plays: the publishing members' but its own (the room's rule, not a client's). */
export function streamsToPlay(members: Pick<Member, 'identity' | 'state' | 'streamId'>[], viewer: string): string[] {
  return members.filter((m) => m.state === 'publishing' && m.identity !== viewer).map((m) => m.streamId);
}
