// Recordings the url-issuer reports ready (MediaEvent recording_ready on NATS) become room events, so
// the room's members and its webhooks hear of them in the room's order. Durable: a recording reported
// while the room service was down is announced when it is back; a repeat is announced once.
import { decodeOrPoison, EventBus, isDomainError, Logger, mediaEventsStream, RunningEventConsumer, startEventConsumer } from '@rtcroom/common';
import { mediaEventv1, recordingv1 } from '@rtcroom/proto';
import { Desk } from '../../desk/application/desk';
import { Rooms } from '../application/rooms';

export function startRecordingsConsumer(bus: EventBus, rooms: Rooms, desk: Desk, logger: Logger, durableName = 'room-recordings'): Promise<RunningEventConsumer> {
  return startEventConsumer(
    bus,
    { stream: mediaEventsStream, subject: 'rtcroom.media.*.recording.ready', durableName },
    async (data) => {
      const event = decodeOrPoison(mediaEventv1.MediaEvent.decode, data);
      if (event.payload?.$case !== 'recordingReady' || !event.payload.value.recording) return;
      try {
        const recording = event.payload.value.recording;
        await rooms.announceRecording(recording, event.id);
        // A service-desk call's recording is also listed by call, team, agent and customer.
        await desk.keepRecording(recording, recordingv1.Recording.encode(recording).finish());
      } catch (err) {
        if (isDomainError(err, 'ROOM_NOT_FOUND') || isDomainError(err, 'INVALID_ARGUMENT')) return; // nothing to announce to
        throw err;
      }
    },
    logger,
  );
}
