// Removal reaches the TRTC media room: a member's departure (left, removed or banned, connection
// lost, replaced) puts its user out of the room, and a closed room is dismissed, through TRTC's
// server API. Without this a removed member's tickets would still admit it until they expire.
//
// A durable consumer of the room service's ROOM_EVENTS (bound to as it is, never changed), taking
// member.left and room.closed; url-issuer replicas share it. TRTC answering "already gone" is done;
// anything else is tried again later (the consumer's back-off, then a dead letter).
import { decodeOrPoison, EventBus, Logger, roomEventsStream, RunningEventConsumer, startEventConsumer } from '@rtcroom/common';
import { roomEventv1 } from '@rtcroom/proto';
import type { MediaRoomControl } from '../app/trtc-callbacks';
import { trtcRoomId } from '../domain/providers/trtc';

const topics = ['.member.left', '.room.closed'];

/** What a room event means for the media room; null: nothing. */
export function mediaRoomAction(event: roomEventv1.RoomEvent): { kind: 'remove'; userId: string } | { kind: 'dismiss' } | null {
  const payload = event.payload;
  if (payload?.$case === 'roomClosed') return { kind: 'dismiss' };
  // A departure that closes the room is covered by the dismissal that follows it.
  if (payload?.$case === 'memberLeft' && !payload.value.roomClosing && payload.value.member?.streamId) return { kind: 'remove', userId: payload.value.member.streamId };
  return null;
}

export function startRoomEventsConsumer(bus: EventBus, control: MediaRoomControl, logger: Logger, durableName: string): Promise<RunningEventConsumer> {
  return startEventConsumer(
    bus,
    { stream: roomEventsStream, subject: 'rtcroom.room.>', durableName },
    async (data, subject) => {
      if (!topics.some((t) => subject.endsWith(t))) return;
      const event = decodeOrPoison(roomEventv1.RoomEvent.decode, data);
      const action = mediaRoomAction(event);
      if (!action) return;
      const roomId = trtcRoomId(event.roomId);
      if (action.kind === 'dismiss') await control.dismissRoom(roomId);
      else await control.removeUsers(roomId, [action.userId]);
      logger.info(action.kind === 'dismiss' ? 'trtc room dismissed' : 'trtc user removed', { roomId, userId: action.kind === 'remove' ? action.userId : undefined, eventId: event.id });
    },
    logger,
  );
}
