// The media server's word on a member's stream (rtcroom.media.v1.MediaEvent, published by the
// url-issuer from nginx-rtmp's hooks and Tencent's callbacks) becomes the member's stream state in
// the room: stream.began -> publishing, stream.ended -> stopped, with source STREAM_SOURCE_MEDIA_SERVER;
// stream.media (TRTC's camera and microphone events) -> the member's media state (SetMediaState).
//
// Through startEventConsumer: on NATS a durable consumer of MEDIA_EVENTS, one fact at a time, so a
// stream's began and ended are never applied out of order and facts published while presence was down
// are applied when it is back; on the in-process bus a subscription. MEDIA_EVENTS is the url-issuer's
// stream: presence binds to it and never changes its settings.
import { createClient, decodeOrPoison, DomainError, EventBus, GrpcMetrics, GrpcTlsConfig, isDomainError, Logger, mediaEventsStream, RunningEventConsumer, startEventConsumer, InProcessHub } from '@rtcroom/common';
import { mediaEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';

const streamFactsSubject = 'rtcroom.media.*.stream.>';

/** The room service as this consumer needs it. */
export interface StreamStatePort {
  /** The member_id of the identity's current seat in the room; null when it holds none. */
  seatedMemberId(roomId: string, identity: string): Promise<string | null>;
  /** Whether the state changed (false: it already was). */
  setStreamState(roomId: string, identity: string, publishing: boolean): Promise<boolean>;
  /** The media server's word on the member's microphone and camera; whether it changed anything. */
  setMediaState?(roomId: string, identity: string, report: { audio?: boolean; video?: boolean }): Promise<boolean>;
}

export type FactOutcome = 'applied' | 'unchanged' | 'skipped';

/**
 * Applies one fact. Throws only when it should be tried again later (the room service did not
 * answer); a fact about a membership that is no longer seated is skipped: a member who left and
 * joined again has a new stream, which the old stream's facts must not touch.
 */
export async function applyMediaEvent(event: mediaEventv1.MediaEvent, rooms: StreamStatePort): Promise<FactOutcome> {
  const kind = event.payload?.$case;
  if (kind !== 'streamBegan' && kind !== 'streamEnded' && kind !== 'mediaState') return 'skipped';
  if (kind === 'mediaState' && !rooms.setMediaState) return 'skipped';
  if (!event.roomId || !event.identity || !event.memberId) return 'skipped';
  try {
    if ((await rooms.seatedMemberId(event.roomId, event.identity)) !== event.memberId) return 'skipped';
    if (event.payload?.$case === 'mediaState') {
      const { audio, video } = event.payload.value;
      return (await rooms.setMediaState!(event.roomId, event.identity, { audio, video })) ? 'applied' : 'unchanged';
    }
    return (await rooms.setStreamState(event.roomId, event.identity, kind === 'streamBegan')) ? 'applied' : 'unchanged';
  } catch (err) {
    if (isDomainError(err, 'UNAVAILABLE') || isDomainError(err, 'INTERNAL') || !(err instanceof DomainError)) throw err;
    // NOT_A_MEMBER (left meanwhile), ROOM_NOT_FOUND, INVALID_ARGUMENT: nothing to do, ever.
    return 'skipped';
  }
}

export function grpcStreamStatePort(roomServiceAddress: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): StreamStatePort & { close(): void } {
  const client = createClient(roomServicev1.RoomServiceService, roomServiceAddress, 5000, { tls, metrics, inproc });
  return {
    async seatedMemberId(roomId, identity) {
      try {
        const { member } = await client.getMember({ streamId: '', roomId, identity });
        return member && member.state !== roomv1.MemberState.MEMBER_STATE_LEFT ? member.memberId : null;
      } catch (err) {
        if (isDomainError(err, 'NOT_A_MEMBER')) return null;
        throw err;
      }
    },
    async setStreamState(roomId, identity, publishing) {
      const res = await client.setStreamState({ roomId, identity, publishing, source: roomv1.StreamSource.STREAM_SOURCE_MEDIA_SERVER });
      return res.changed;
    },
    async setMediaState(roomId, identity, report) {
      const res = await client.setMediaState({ roomId, identity, ...report, source: roomv1.StreamSource.STREAM_SOURCE_MEDIA_SERVER, principal: undefined });
      return res.changed;
    },
    close: () => client.close(),
  };
}

export interface MediaEventsConsumerOptions {
  /** The durable consumer's name on NATS; presence replicas share it. */
  durableName: string;
  /** How long a failed fact waits before it is tried again. */
  retryDelayMs?: number;
}

export async function startMediaEventsConsumer(
  bus: EventBus,
  rooms: StreamStatePort,
  logger: Logger,
  options: MediaEventsConsumerOptions,
): Promise<RunningEventConsumer> {
  return startEventConsumer(
    bus,
    { stream: mediaEventsStream, subject: streamFactsSubject, durableName: options.durableName, retryDelayMs: options.retryDelayMs },
    async (data) => {
      const event = decodeOrPoison(mediaEventv1.MediaEvent.decode, data);
      const outcome = await applyMediaEvent(event, rooms);
      logger.debug('media fact', { id: event.id, kind: event.payload?.$case, roomId: event.roomId, identity: event.identity, outcome });
    },
    logger,
  );
}
