// The room domain: what rooms and members are, their limits, and the rules of taking a seat.
// Nothing here knows of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common';

export type RoomKind = 'group' | 'call';
export type RoomState = 'open' | 'closed';
export type MemberState = 'joined' | 'publishing' | 'left';
export type LeaveReason = 'left' | 'removed' | 'connection_lost' | 'room_closed' | 'replaced' | 'call_ended';
export type CloseReason = 'closed_by_api' | 'empty_timeout' | 'departure_timeout' | 'owner_left' | 'call_ended';
export type StreamSource = 'client' | 'media_server';

export interface Room {
  id: string;
  name: string;
  kind: RoomKind;
  displayName: string;
  maxMembers: number;
  metadata: string;
  recording: boolean;
  state: RoomState;
  ownerIdentity: string;
  memberCount: number;
  /** The seq of the room's latest event. */
  seq: number;
  createdAt: Date;
  closedAt: Date | null;
  closeReason: CloseReason | null;
}

export interface Member {
  memberId: string;
  roomId: string;
  identity: string;
  displayName: string;
  state: MemberState;
  streamId: string;
  sessionId: string;
  joinedAt: Date;
  leftAt: Date | null;
  leaveReason: LeaveReason | null;
}

/** Limits, documented in the README and in proto comments. */
export const limits = {
  nameMaxLength: 64,
  displayNameMaxLength: 128,
  metadataMaxBytes: 4096,
  callSeats: 2,
};

export interface RoomPolicy {
  /** Seats when a room is created without max_members. */
  defaultMaxMembers: number;
  /** The most seats a room may have. */
  maxMembersCap: number;
}

const namePattern = /^[A-Za-z0-9_-]{1,64}$/;
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

export interface NewRoomInput {
  name: string;
  kind: RoomKind;
  displayName: string;
  maxMembers: number;
  metadata: string;
  recording: boolean;
  ownerIdentity: string;
}

/** Validates a room to create and fills in defaults; throws INVALID_ARGUMENT naming the field. */
export function normalizeNewRoom(input: NewRoomInput, policy: RoomPolicy): NewRoomInput {
  if (!namePattern.test(input.name)) throw invalid('room.name', 'must be 1-64 characters of A-Z a-z 0-9 _ -');
  checkDisplayName('room.display_name', input.displayName);
  if (Buffer.byteLength(input.metadata, 'utf8') > limits.metadataMaxBytes) {
    throw invalid('room.metadata', `must be at most ${limits.metadataMaxBytes} bytes`);
  }
  let maxMembers = input.maxMembers || policy.defaultMaxMembers;
  if (input.kind === 'call') {
    if (input.maxMembers && input.maxMembers !== limits.callSeats) throw invalid('room.max_members', 'a call room has exactly 2 seats');
    maxMembers = limits.callSeats;
  }
  if (maxMembers < 1 || maxMembers > policy.maxMembersCap) {
    throw invalid('room.max_members', `must be between 1 and ${policy.maxMembersCap}`);
  }
  return { ...input, maxMembers };
}

export function checkDisplayName(field: string, value: string): void {
  if ([...value].length > limits.displayNameMaxLength) throw invalid(field, `must be at most ${limits.displayNameMaxLength} characters`);
}

export function checkId(field: string, value: string): void {
  if (!idPattern.test(value)) throw invalid(field, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
}

export function checkRoomName(field: string, value: string): void {
  if (!namePattern.test(value)) throw invalid(field, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
}

export function invalid(field: string, problem: string): DomainError {
  return new DomainError('INVALID_ARGUMENT', `${field} ${problem}`, { field });
}

export type SeatDecision = { ok: true; replaces: Member | null } | { ok: false; error: DomainError };

/**
 * Whether `identity` may take a seat in `room` given who holds seats now. An identity already seated
 * replaces its old membership (its seat is reused, so a full room still lets it back in).
 */
export function decideSeat(room: Room, seated: Member[], identity: string): SeatDecision {
  if (room.state !== 'open') return { ok: false, error: new DomainError('ROOM_CLOSED', `room ${room.id} is closed`) };
  const existing = seated.find((m) => m.identity === identity) ?? null;
  const taken = seated.length - (existing ? 1 : 0);
  if (taken >= room.maxMembers) {
    return {
      ok: false,
      error: new DomainError('ROOM_FULL', `room ${room.id} has all ${room.maxMembers} seats taken`, {
        max_members: String(room.maxMembers),
      }),
    };
  }
  return { ok: true, replaces: existing };
}

/** The state a member moves to when its stream begins or stops; null when nothing changes. */
export function nextStreamState(member: Member, publishing: boolean): MemberState | null {
  if (member.state === 'left') return null;
  if (publishing) return member.state === 'publishing' ? null : 'publishing';
  return member.state === 'publishing' ? 'joined' : null;
}
