// The media server's word on a member's stream (rtcroom.media.v1.MediaEvent, published by the
// url-issuer from nginx-rtmp's hooks and Tencent's callbacks) becomes the member's stream state in
// the room: stream.began -> publishing, stream.ended -> stopped, with source STREAM_SOURCE_MEDIA_SERVER.
//
// On NATS it reads the JetStream stream MEDIA_EVENTS through a durable consumer, so facts published
// while presence was down are applied when it is back; one fact at a time (max_ack_pending 1), so a
// stream's began and ended are never applied out of order, whichever presence replica takes them.
// On the in-process bus (the embedded default) it subscribes, and applies facts one after another.
import { BusSubscription, createClient, DomainError, EventBus, isDomainError, Logger, NatsEventBus, StreamSpec } from '@rtcroom/common';
import { mediaEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import type { AckPolicy, ConsumerConfig, ConsumerMessages, DeliverPolicy, JsMsg } from 'nats';

/** The url-issuer's stream (services/url-issuer/src/events/media-events.ts); declared alike by both. */
export const mediaEventsStream: StreamSpec = { name: 'MEDIA_EVENTS', subjects: ['rtcroom.media.>'], maxAgeSeconds: 7 * 24 * 3600 };
const streamFactsSubject = 'rtcroom.media.*.stream.>';

/** The room service as this consumer needs it. */
export interface StreamStatePort {
  /** The member_id of the identity's current seat in the room; null when it holds none. */
  seatedMemberId(roomId: string, identity: string): Promise<string | null>;
  /** Whether the state changed (false: it already was). */
  setStreamState(roomId: string, identity: string, publishing: boolean): Promise<boolean>;
}

export type FactOutcome = 'applied' | 'unchanged' | 'skipped';

/**
 * Applies one fact. Throws only when it should be tried again later (the room service did not
 * answer); a fact about a membership that is no longer seated is skipped: a member who left and
 * joined again has a new stream, which the old stream's facts must not touch.
 */
export async function applyMediaEvent(event: mediaEventv1.MediaEvent, rooms: StreamStatePort): Promise<FactOutcome> {
  const kind = event.payload?.$case;
  if (kind !== 'streamBegan' && kind !== 'streamEnded') return 'skipped';
  if (!event.roomId || !event.identity || !event.memberId) return 'skipped';
  try {
    if ((await rooms.seatedMemberId(event.roomId, event.identity)) !== event.memberId) return 'skipped';
    return (await rooms.setStreamState(event.roomId, event.identity, kind === 'streamBegan')) ? 'applied' : 'unchanged';
  } catch (err) {
    if (isDomainError(err, 'UNAVAILABLE') || isDomainError(err, 'INTERNAL') || !(err instanceof DomainError)) throw err;
    // NOT_A_MEMBER (left meanwhile), ROOM_NOT_FOUND, INVALID_ARGUMENT: nothing to do, ever.
    return 'skipped';
  }
}

export function grpcStreamStatePort(roomServiceAddress: string): StreamStatePort & { close(): void } {
  const client = createClient(roomServicev1.RoomServiceService, roomServiceAddress, 5000);
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
    close: () => client.close(),
  };
}

export interface MediaEventsConsumerOptions {
  /** The durable consumer's name on NATS; presence replicas share it. */
  durableName: string;
  /** How long a failed fact waits before it is tried again. */
  retryDelayMs?: number;
}

export interface RunningMediaEventsConsumer {
  stop(): Promise<void>;
}

export async function startMediaEventsConsumer(
  bus: EventBus,
  rooms: StreamStatePort,
  logger: Logger,
  options: MediaEventsConsumerOptions,
): Promise<RunningMediaEventsConsumer> {
  const handle = async (data: Uint8Array): Promise<FactOutcome> => {
    const event = mediaEventv1.MediaEvent.decode(data);
    const outcome = await applyMediaEvent(event, rooms);
    logger.debug('media fact', { id: event.id, kind: event.payload?.$case, roomId: event.roomId, identity: event.identity, outcome });
    return outcome;
  };
  return bus instanceof NatsEventBus ? consumeDurably(bus, handle, logger, options) : subscribeLive(bus, handle, logger, options);
}

async function consumeDurably(
  bus: NatsEventBus,
  handle: (data: Uint8Array) => Promise<FactOutcome>,
  logger: Logger,
  options: MediaEventsConsumerOptions,
): Promise<RunningMediaEventsConsumer> {
  const nc = bus.connection;
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.consumers.info(mediaEventsStream.name, options.durableName);
  } catch (err) {
    if ((err as { code?: string }).code !== '404') throw err;
    const config: Partial<ConsumerConfig> = {
      durable_name: options.durableName,
      ack_policy: 'explicit' as AckPolicy,
      // A first start does not replay old facts; after that the consumer resumes where it was.
      deliver_policy: 'new' as DeliverPolicy,
      filter_subject: streamFactsSubject,
      max_ack_pending: 1,
      ack_wait: 30e9,
      // Forgotten after a day unused: by then no old fact is worth applying.
      inactive_threshold: 24 * 3600e9,
    };
    await jsm.consumers.add(mediaEventsStream.name, config);
  }
  const consumer = await nc.jetstream().consumers.get(mediaEventsStream.name, options.durableName);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 16 });
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const loop = (async () => {
    for await (const m of messages) await settle(m, handle, logger, retryDelayMs);
  })().catch((err) => logger.error('media events consumer stopped', { err }));
  logger.info('consuming media facts', { stream: mediaEventsStream.name, durable: options.durableName });
  return {
    async stop() {
      messages.stop();
      await loop;
    },
  };
}

async function settle(m: JsMsg, handle: (data: Uint8Array) => Promise<FactOutcome>, logger: Logger, retryDelayMs: number): Promise<void> {
  try {
    await handle(m.data);
    m.ack();
  } catch (err) {
    if (err instanceof DomainError) {
      logger.warn('media fact not applied; trying again', { subject: m.subject, err: err.message, redeliveries: m.info.redeliveryCount });
      m.nak(retryDelayMs);
    } else {
      // Undecodable or otherwise broken: retrying cannot help.
      logger.error('media fact dropped', { subject: m.subject, err });
      m.term();
    }
  }
}

function subscribeLive(
  bus: EventBus,
  handle: (data: Uint8Array) => Promise<FactOutcome>,
  logger: Logger,
  options: MediaEventsConsumerOptions,
): RunningMediaEventsConsumer {
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const maxAttempts = 5;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const apply = async (data: Uint8Array) => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await handle(data);
        return;
      } catch (err) {
        if (!(err instanceof DomainError) || attempt >= maxAttempts) {
          logger.error('media fact dropped', { err, attempts: attempt });
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelayMs));
      }
    }
  };
  const subscription: BusSubscription = bus.subscribe(streamFactsSubject, (msg) => {
    chain = chain.then(() => apply(msg.data));
  });
  return {
    async stop() {
      stopped = true;
      subscription.unsubscribe();
      await chain;
    },
  };
}
