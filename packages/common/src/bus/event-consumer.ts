// Consuming events one at a time, in order, surviving restarts: on NATS a durable JetStream consumer
// (replicas of a service share it; what was published while they were down is delivered when they are
// back), on the in-process bus a plain subscription.
//
// No message can stall a consumer. A handler that fails (throws, or takes longer than
// handlerTimeoutMs) has its message tried again after a delay that doubles (nak with delay), up to
// maxDeliver deliveries in all (JetStream's max_deliver); a PoisonMessage (a message that cannot be
// read, or that retrying cannot help) is given up at once. A message given up is a dead letter: it is
// terminated (term(), so JetStream stops delivering it), logged at error level with its stream
// position, and counted (stats.deadLettered); the messages after it go on.
import type { AckPolicy, ConsumerConfig, ConsumerMessages, DeliverPolicy, JetStreamManager, JsMsg } from 'nats';
import { Logger } from '../logger';
import { BusSubscription, EventBus, StreamSpec } from './event-bus';
import { bindStream, NatsEventBus, traceOf } from './nats-event-bus';
import { inSpan, SpanKind, subjectTemplate, TraceCarrier } from '../tracing/spans';

export interface EventConsumerOptions {
  /** The stream, owned by another service or this one: bound to as it is (streams.ts). */
  stream: StreamSpec;
  /** The subjects to take (a filter within the stream). */
  subject: string;
  /** The durable consumer's name on NATS, shared by a service's replicas. */
  durableName: string;
  /** How long a failed event waits before it is tried again the first time; doubles each time. */
  retryDelayMs?: number;
  /** The longest wait between two tries. */
  maxRetryDelayMs?: number;
  /** Deliveries of one event, the first included, before it is given up as a dead letter. */
  maxDeliver?: number;
  /** A handler still running after this long counts as failed (below JetStream's ack wait of 30 s). */
  handlerTimeoutMs?: number;
}

export const consumerDefaults = { retryDelayMs: 1000, maxRetryDelayMs: 30_000, maxDeliver: 10, handlerTimeoutMs: 20_000 };

/** Thrown by a handler for a message that no retry can apply: it is dead-lettered at once. */
export class PoisonMessage extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessage';
  }
}

/** Decodes a message, or throws PoisonMessage: bytes that do not decode never will. */
export function decodeOrPoison<T>(decode: (data: Uint8Array) => T, data: Uint8Array): T {
  try {
    return decode(data);
  } catch (err) {
    throw new PoisonMessage(`undecodable message: ${(err as Error).message}`, { cause: err });
  }
}

export interface ConsumerStats {
  applied: number;
  /** Failed attempts that were tried again. */
  retried: number;
  /** Events given up on (poison, or maxDeliver deliveries failed). */
  deadLettered: number;
}

export interface RunningEventConsumer {
  readonly stats: ConsumerStats;
  /** The durable consumer's name. */
  readonly name: string;
  /** Messages of the stream the durable consumer has yet to be delivered (JetStream's num_pending); undefined on the in-process bus. */
  pending(): Promise<number | undefined>;
  stop(): Promise<void>;
}

type Handler = (data: Uint8Array, subject: string) => Promise<void>;
type Settings = Required<Omit<EventConsumerOptions, 'stream' | 'subject' | 'durableName'>>;

export async function startEventConsumer(bus: EventBus, options: EventConsumerOptions, handle: Handler, logger: Logger): Promise<RunningEventConsumer> {
  const settings: Settings = {
    retryDelayMs: options.retryDelayMs ?? consumerDefaults.retryDelayMs,
    maxRetryDelayMs: options.maxRetryDelayMs ?? consumerDefaults.maxRetryDelayMs,
    maxDeliver: options.maxDeliver ?? consumerDefaults.maxDeliver,
    handlerTimeoutMs: options.handlerTimeoutMs ?? consumerDefaults.handlerTimeoutMs,
  };
  const log = logger.child({ consumer: options.durableName, stream: options.stream.name });
  return bus instanceof NatsEventBus ? consumeDurably(bus, options, settings, handle, log) : subscribeLive(bus, options, settings, handle, log);
}

/** The durable consumer's settings; those a consumer made by an older version lacks are brought up to date. */
async function ensureConsumer(jsm: JetStreamManager, options: EventConsumerOptions, settings: Settings): Promise<void> {
  const wanted = {
    // One at a time, so events are applied in the order they were published.
    max_ack_pending: 1,
    ack_wait: 30e9,
    max_deliver: settings.maxDeliver,
  };
  try {
    const { config } = await jsm.consumers.info(options.stream.name, options.durableName);
    if (config.max_ack_pending !== wanted.max_ack_pending || config.ack_wait !== wanted.ack_wait || config.max_deliver !== wanted.max_deliver) {
      await jsm.consumers.update(options.stream.name, options.durableName, wanted);
    }
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '404') throw err;
  }
  const config: Partial<ConsumerConfig> = {
    ...wanted,
    durable_name: options.durableName,
    ack_policy: 'explicit' as AckPolicy,
    // A first start does not replay old events; after that the consumer resumes where it was.
    deliver_policy: 'new' as DeliverPolicy,
    filter_subject: options.subject,
    // Forgotten after a day unused.
    inactive_threshold: 24 * 3600e9,
  };
  await jsm.consumers.add(options.stream.name, config);
}

async function consumeDurably(bus: NatsEventBus, options: EventConsumerOptions, settings: Settings, handle: Handler, logger: Logger): Promise<RunningEventConsumer> {
  const nc = bus.connection;
  const jsm = await nc.jetstreamManager();
  await bindStream(jsm, options.stream, bus.replicas);
  await ensureConsumer(jsm, options, settings);
  const consumer = await nc.jetstream().consumers.get(options.stream.name, options.durableName);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 16 });
  const stats: ConsumerStats = { applied: 0, retried: 0, deadLettered: 0 };
  const loop = (async () => {
    for await (const m of messages) await settle(m, handle, settings, stats, logger);
  })().catch((err) => logger.error('event consumer stopped', { err }));
  logger.info('consuming events', { subject: options.subject, maxDeliver: settings.maxDeliver });
  return {
    stats,
    name: options.durableName,
    pending: async () => (await jsm.consumers.info(options.stream.name, options.durableName)).num_pending,
    async stop() {
      messages.stop();
      await loop;
    },
  };
}

/** Runs the handler, failing it when it runs too long (it is not stopped: its outcome is ignored). */
function attempt(handle: Handler, data: Uint8Array, subject: string, timeoutMs: number, trace: TraceCarrier | undefined): Promise<void> {
  // A consumer span continuing the publisher's trace (tracing off: the handler as it is).
  return inSpan(`consume ${subjectTemplate(subject)}`, { kind: SpanKind.CONSUMER, parent: trace, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } }, () =>
    attemptInTime(handle, data, subject, timeoutMs),
  );
}

async function attemptInTime(handle: Handler, data: Uint8Array, subject: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler still running after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([handle(data, subject), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function retryDelay(settings: Settings, failures: number): number {
  return Math.min(settings.maxRetryDelayMs, settings.retryDelayMs * 2 ** Math.min(failures - 1, 20));
}

async function settle(m: JsMsg, handle: Handler, settings: Settings, stats: ConsumerStats, logger: Logger): Promise<void> {
  const deliveries = m.info.deliveryCount;
  try {
    await attempt(handle, m.data, m.subject, settings.handlerTimeoutMs, traceOf(m.headers));
    m.ack();
    stats.applied++;
    return;
  } catch (err) {
    if (err instanceof PoisonMessage || deliveries >= settings.maxDeliver) {
      stats.deadLettered++;
      // No reason given: servers before 2.10.4 do not read "+TERM <reason>" as a termination at all.
      m.term();
      logger.error('event dead-lettered', {
        subject: m.subject,
        streamSeq: m.info.streamSequence,
        deliveries,
        why: err instanceof PoisonMessage ? 'poison' : 'max_deliver',
        err: (err as Error).message,
        deadLettered: stats.deadLettered,
      });
      return;
    }
    stats.retried++;
    const delay = retryDelay(settings, deliveries);
    logger.warn('event not applied; trying again', { subject: m.subject, deliveries, retryInMs: delay, err: (err as Error).message });
    m.nak(delay);
  }
}

/** The in-process bus keeps nothing: retries happen here, in order, with the same limits. */
function subscribeLive(bus: EventBus, options: EventConsumerOptions, settings: Settings, handle: Handler, logger: Logger): RunningEventConsumer {
  const stats: ConsumerStats = { applied: 0, retried: 0, deadLettered: 0 };
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const apply = async (data: Uint8Array, subject: string, trace: TraceCarrier | undefined) => {
    for (let deliveries = 1; !stopped; deliveries++) {
      try {
        await attempt(handle, data, subject, settings.handlerTimeoutMs, trace);
        stats.applied++;
        return;
      } catch (err) {
        if (err instanceof PoisonMessage || deliveries >= settings.maxDeliver) {
          stats.deadLettered++;
          logger.error('event dead-lettered', { subject, deliveries, err: (err as Error).message, deadLettered: stats.deadLettered });
          return;
        }
        stats.retried++;
        await new Promise((r) => setTimeout(r, retryDelay(settings, deliveries)));
      }
    }
  };
  const subscription: BusSubscription = bus.subscribe(options.subject, (msg) => {
    chain = chain.then(() => apply(msg.data, msg.subject, msg.trace));
  });
  return {
    stats,
    name: options.durableName,
    pending: async () => undefined,
    async stop() {
      stopped = true;
      subscription.unsubscribe();
      await chain;
    },
  };
}
