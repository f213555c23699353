// Departures close what the media bridge opened for a member: the bridge counts a member's ingresses
// and egress until they are closed, and the url-issuer, which opened them, is told of departures by
// the room service's ROOM_EVENTS (member.left, room.closed). A stream that ends (stream.stopped, or
// its pusher's member.left) closes every viewer's ingress of it, so the bridge's ffmpeg stops instead
// of pulling a gone stream again and again; should it start again, its stream.started hands out
// fresh play URLs, which open the ingress anew. A durable consumer of its own, shared by
// url-issuer replicas; a bridge that cannot be reached is tried again (the consumer's back-off).
import { decodeOrPoison, EventBus, Logger, roomEventsStream, RunningEventConsumer, startEventConsumer } from '@rtcroom/common';
import { roomEventv1 } from '@rtcroom/proto';

/** What the bridge's client closes: a member's bridges in a room, or all of a room's. Answers how many it closed. */
export interface BridgeRelease {
  /** The member's ingresses (as viewer `identity`) and the egress of its seat (`memberId`). */
  releaseMember(roomId: string, identity: string, memberId: string): Promise<number>;
  /** Every viewer's ingress of the stream. */
  releaseStream(roomId: string, streamId: string): Promise<number>;
  releaseRoom(roomId: string): Promise<number>;
}

const topics = ['.member.left', '.room.closed', '.stream.stopped'];

export function startBridgeReleaseConsumer(bus: EventBus, bridge: BridgeRelease, logger: Logger, durableName: string): Promise<RunningEventConsumer> {
  const releaseStream = async (roomId: string, streamId: string, eventId: string) => {
    const closed = await bridge.releaseStream(roomId, streamId);
    if (closed > 0) logger.info('the ingresses of a stream that ended closed', { roomId, streamId, closed, eventId });
  };
  return startEventConsumer(
    bus,
    { stream: roomEventsStream, subject: 'rtcroom.room.>', durableName },
    async (data, subject) => {
      if (!topics.some((t) => subject.endsWith(t))) return;
      const event = decodeOrPoison(roomEventv1.RoomEvent.decode, data);
      const payload = event.payload;
      if (payload?.$case === 'roomClosed') {
        const closed = await bridge.releaseRoom(event.roomId);
        if (closed > 0) logger.info('media bridges of a closed room closed', { roomId: event.roomId, closed, eventId: event.id });
      } else if (payload?.$case === 'memberLeft' && payload.value.member) {
        const { identity, memberId, streamId } = payload.value.member;
        const closed = await bridge.releaseMember(event.roomId, identity, memberId);
        if (closed > 0) logger.info("a departed member's media bridges closed", { roomId: event.roomId, identity, closed, eventId: event.id });
        if (streamId) await releaseStream(event.roomId, streamId, event.id);
      } else if (payload?.$case === 'streamStopped' && payload.value.member?.streamId) {
        await releaseStream(event.roomId, payload.value.member.streamId, event.id);
      }
    },
    logger,
  );
}
