// One way for every service to get its bus: NATS when a URL is configured, else the in-process one.
import { Logger } from '../logger';
import { EventBus, StreamSpec } from './event-bus';
import { InMemoryEventBus } from './in-memory-event-bus';
import { NatsBusOptions, NatsEventBus } from './nats-event-bus';

export async function openEventBus(natsUrl: string | undefined, name: string, streams: StreamSpec[], logger: Logger, options: NatsBusOptions = {}): Promise<EventBus> {
  if (natsUrl) return NatsEventBus.connect(natsUrl, name, streams, logger, options);
  logger.warn('NATS_URL is not set: events stay inside this process (fine only when every service runs in it)');
  return new InMemoryEventBus();
}
