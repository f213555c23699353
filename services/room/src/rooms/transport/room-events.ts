// Room events: what a change to a room records (changes/room-change.ts), encoded as
// rtcroom.room.v1.RoomEvent for the outbox and published on rtcroom.room.<room_id>.<topic>.
import { activeTraceparent, newId, subjects } from '@rtcroom/common';
import { encodeMessage, roomEventv1, roomv1 } from '@rtcroom/proto';
import type { MediaChangeReason, RoomChange } from '../../changes/room-change';
import type { OutboxRow } from '../../outbox/outbox-row';
import { toProtoMessage } from '../../messages/transport/message.wire';
import { toProtoCloseReason, toProtoLeaveReason, toProtoMember, toProtoRole, toProtoRoom, toProtoStreamSource } from './room.wire';

const topics: Record<RoomChange['type'], string> = {
  room_created: 'room.created',
  room_closed: 'room.closed',
  room_updated: 'room.updated',
  member_updated: 'member.updated',
  member_connection: 'member.connection',
  recording_ready: 'recording.ready',
  member_joined: 'member.joined',
  member_left: 'member.left',
  stream_started: 'stream.started',
  stream_stopped: 'stream.stopped',
  message_sent: 'message.sent',
  member_media: 'member.media',
  member_role: 'member.role',
  seat_requested: 'seat.requested',
  seat_invited: 'seat.invited',
};

export function roomEventSubject(roomId: string, change: RoomChange['type']): string {
  return subjects.roomEvent(roomId, topics[change]);
}

const mediaReasonToProto: Record<MediaChangeReason, roomv1.MediaChangeReason> = {
  reported: roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_REPORTED,
  mute_requested: roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_MUTE_REQUESTED,
  unmute_allowed: roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_UNMUTE_ALLOWED,
};

function payloadOf(change: RoomChange, seq: number): roomEventv1.RoomEvent['payload'] {
  switch (change.type) {
    case 'room_created':
      return { $case: 'roomCreated', value: { room: toProtoRoom(change.room) } };
    case 'room_closed':
      return { $case: 'roomClosed', value: { room: toProtoRoom(change.room), reason: toProtoCloseReason(change.reason) } };
    case 'member_joined':
      return { $case: 'memberJoined', value: { member: toProtoMember(change.member), audienceCount: change.audienceCount ?? 0 } };
    case 'room_updated':
      return { $case: 'roomUpdated', value: { room: toProtoRoom(change.room) } };
    case 'member_updated':
      return { $case: 'memberUpdated', value: { member: toProtoMember(change.member) } };
    case 'recording_ready':
      return { $case: 'recordingReady', value: { recording: change.recording } };
    case 'member_connection':
      return { $case: 'memberConnectionChanged', value: { member: toProtoMember(change.member), connected: change.connected } };
    case 'member_left':
      return {
        $case: 'memberLeft',
        value: {
          member: toProtoMember(change.member),
          reason: toProtoLeaveReason(change.reason),
          reasonText: change.reasonText ?? '',
          // Everyone leaves before the room's closing event, which they still hear.
          roomClosing: change.reason === 'room_closed' || change.reason === 'call_ended',
          audienceCount: change.audienceCount ?? 0,
        },
      };
    case 'stream_started':
      return { $case: 'streamStarted', value: { member: toProtoMember(change.member), source: toProtoStreamSource(change.source) } };
    case 'stream_stopped':
      return { $case: 'streamStopped', value: { member: toProtoMember(change.member), source: toProtoStreamSource(change.source) } };
    case 'member_media':
      return { $case: 'memberMediaChanged', value: { member: toProtoMember(change.member), reason: mediaReasonToProto[change.reason] } };
    case 'member_role':
      return {
        $case: 'memberRoleChanged',
        value: { member: toProtoMember(change.member), previousRole: toProtoRole(change.previousRole), byIdentity: change.byIdentity, audienceCount: change.audienceCount },
      };
    case 'seat_requested':
      return { $case: 'seatRequested', value: { member: toProtoMember(change.member) } };
    case 'seat_invited':
      return { $case: 'seatInvited', value: { member: toProtoMember(change.member), byIdentity: change.byIdentity } };
    case 'message_sent':
      return { $case: 'messageSent', value: { message: toProtoMessage({ ...change.message, seq }), toWebhooks: change.toWebhooks } };
  }
}

export function encodeRoomEvent(roomId: string, seq: number, change: RoomChange, time: Date): OutboxRow {
  const id = change.type === 'recording_ready' ? `e_${change.factId}` : change.type === 'message_sent' ? `e_${change.message.id}` : newId('e');
  if (change.type === 'message_sent') change.message.seq = seq;
  const payload = encodeMessage(roomEventv1.RoomEvent, { id, roomId, seq, time, payload: payloadOf(change, seq) });
  const row: OutboxRow = { id, roomId, seq, subject: roomEventSubject(roomId, change.type), payload, time, traceparent: activeTraceparent() };
  if (change.type === 'member_left') row.leaveReason = change.reason;
  return row;
}
