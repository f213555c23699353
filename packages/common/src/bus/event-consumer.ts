// Consuming events one at a time, in order, surviving restarts: on NATS a durable JetStream consumer
// (replicas of a service share it; what was published while they were down is delivered when they are
// back), on the in-process bus a plain subscription. The handler throws a DomainError to have the
// event tried again later; any other error drops it (retrying cannot help).
import type { AckPolicy, ConsumerConfig, ConsumerMessages, DeliverPolicy, JsMsg } from 'nats';
import { DomainError } from '../errors';
import { Logger } from '../logger';
import { BusSubscription, EventBus, StreamSpec } from './event-bus';
import { NatsEventBus } from './nats-event-bus';

export interface EventConsumerOptions {
  stream: StreamSpec;
  /** The subjects to take (a filter within the stream). */
  subject: string;
  /** The durable consumer's name on NATS, shared by a service's replicas. */
  durableName: string;
  /** How long a failed event waits before it is tried again. */
  retryDelayMs?: number;
}

export interface RunningEventConsumer {
  stop(): Promise<void>;
}

export async function startEventConsumer(
  bus: EventBus,
  options: EventConsumerOptions,
  handle: (data: Uint8Array, subject: string) => Promise<void>,
  logger: Logger,
): Promise<RunningEventConsumer> {
  return bus instanceof NatsEventBus ? consumeDurably(bus, options, handle, logger) : subscribeLive(bus, options, handle, logger);
}

async function consumeDurably(
  bus: NatsEventBus,
  options: EventConsumerOptions,
  handle: (data: Uint8Array, subject: string) => Promise<void>,
  logger: Logger,
): Promise<RunningEventConsumer> {
  const nc = bus.connection;
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.consumers.info(options.stream.name, options.durableName);
  } catch (err) {
    if ((err as { code?: string }).code !== '404') throw err;
    const config: Partial<ConsumerConfig> = {
      durable_name: options.durableName,
      ack_policy: 'explicit' as AckPolicy,
      // A first start does not replay old events; after that the consumer resumes where it was.
      deliver_policy: 'new' as DeliverPolicy,
      filter_subject: options.subject,
      // One at a time, so events are applied in the order they were published.
      max_ack_pending: 1,
      ack_wait: 30e9,
      // Forgotten after a day unused.
      inactive_threshold: 24 * 3600e9,
    };
    await jsm.consumers.add(options.stream.name, config);
  }
  const consumer = await nc.jetstream().consumers.get(options.stream.name, options.durableName);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 16 });
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const loop = (async () => {
    for await (const m of messages) await settle(m, handle, logger, retryDelayMs);
  })().catch((err) => logger.error('event consumer stopped', { durable: options.durableName, err }));
  logger.info('consuming events', { stream: options.stream.name, subject: options.subject, durable: options.durableName });
  return {
    async stop() {
      messages.stop();
      await loop;
    },
  };
}

async function settle(m: JsMsg, handle: (data: Uint8Array, subject: string) => Promise<void>, logger: Logger, retryDelayMs: number): Promise<void> {
  try {
    await handle(m.data, m.subject);
    m.ack();
  } catch (err) {
    if (err instanceof DomainError) {
      logger.warn('event not applied; trying again', { subject: m.subject, err: err.message, redeliveries: m.info.redeliveryCount });
      m.nak(retryDelayMs);
    } else {
      logger.error('event dropped', { subject: m.subject, err });
      m.term();
    }
  }
}

function subscribeLive(
  bus: EventBus,
  options: EventConsumerOptions,
  handle: (data: Uint8Array, subject: string) => Promise<void>,
  logger: Logger,
): RunningEventConsumer {
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const maxAttempts = 5;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const apply = async (data: Uint8Array, subject: string) => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await handle(data, subject);
        return;
      } catch (err) {
        if (!(err instanceof DomainError) || attempt >= maxAttempts) {
          logger.error('event dropped', { subject, err, attempts: attempt });
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelayMs));
      }
    }
  };
  const subscription: BusSubscription = bus.subscribe(options.subject, (msg) => {
    chain = chain.then(() => apply(msg.data, msg.subject));
  });
  return {
    async stop() {
      stopped = true;
      subscription.unsubscribe();
      await chain;
    },
  };
}
