// What a change to a room records as having happened: the change set numbers each in the room and
// writes it with the room (rooms/transport/room-events.ts encodes it), and hooks react to it.
import type { recordingv1 } from '@rtcroom/proto';
import type { RoomMessage } from '../messages/domain/room-message';
import type { CloseReason, LeaveReason, Member, MemberRole, Room, StreamSource } from '../rooms/domain/room';

/** Why a member's media state changed (rtcroom.room.v1.MediaChangeReason). */
export type MediaChangeReason = 'reported' | 'mute_requested' | 'unmute_allowed';

export type RoomChange =
  | { type: 'room_created'; room: Room }
  | { type: 'room_closed'; room: Room; reason: CloseReason }
  | { type: 'member_joined'; member: Member; audienceCount?: number }
  | { type: 'room_updated'; room: Room }
  | { type: 'member_updated'; member: Member }
  | { type: 'member_connection'; member: Member; connected: boolean }
  /** A media fact the room passes on; `factId` (the media event's id) makes a repeat a duplicate. */
  | { type: 'recording_ready'; recording: recordingv1.Recording; factId: string }
  | { type: 'member_left'; member: Member; reason: LeaveReason; reasonText?: string; audienceCount?: number }
  /** Promoted to a seat or back in the audience ("连麦"). */
  | { type: 'member_role'; member: Member; previousRole: MemberRole; byIdentity: string; audienceCount: number }
  | { type: 'seat_requested'; member: Member }
  | { type: 'seat_invited'; member: Member; byIdentity: string }
  | { type: 'stream_started'; member: Member; source: StreamSource }
  | { type: 'stream_stopped'; member: Member; source: StreamSource }
  /** Its event id derives from the message's id, so a keyed retry that got as far as the outbox is a duplicate. */
  | { type: 'message_sent'; message: RoomMessage; toWebhooks: boolean }
  | { type: 'member_media'; member: Member; reason: MediaChangeReason };
