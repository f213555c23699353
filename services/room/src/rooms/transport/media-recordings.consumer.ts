// Recordings the url-issuer reports ready (MediaEvent recording_ready on NATS) become room events, so
// the room's members and its webhooks hear of them in the room's order. Durable: a recording reported
// while the room service was down is announced when it is back; a repeat is announced once. A desk
// call's recording is kept against the call even when its room has closed meanwhile (the usual case:
// the file is done only after the hang-up).
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
      const recording = event.payload.value.recording;
      try {
        await rooms.announceRecording(recording, event.id);
      } catch (err) {
        // Nothing to announce to (a desk call's room is closed by the hang-up, before its files are done).
        if (!isDomainError(err, 'ROOM_NOT_FOUND') && !isDomainError(err, 'ROOM_CLOSED') && !isDomainError(err, 'INVALID_ARGUMENT')) throw err;
      }
      // A service-desk call's recording is also listed by call, team, agent and customer: whether or
      // not its room was still there to hear of it.
      await desk.keepRecording(recording, recordingv1.Recording.encode(recording).finish());
    },
    logger,
  );
}
