// The event bus on NATS: durable publishes go through JetStream with a message id (and wait for its
// ack: jetstream-publisher.ts); subscriptions are core NATS (JetStream-stored messages reach them
// too), so a live subscriber pays no consumer cost.
import { AckPolicy, connect, DeliverPolicy, headers as natsHeaders, nanos, JetStreamManager, MsgHdrs, NatsConnection, StorageType, DiscardPolicy, RetentionPolicy, StreamConfig } from 'nats';
import { Logger } from '../logger';
import { BusMessage, BusSubscription, EventBus, PublishOptions, StreamSpec, subjectMatches } from './event-bus';
import { JetStreamPublisher } from './jetstream-publisher';
import { activeTraceCarrier, TraceCarrier, tracingEnabled } from '../tracing/spans';

/** Messages a read of a stream's history asks for at once. */
const historyBatch = 1000;

export class NatsEventBus implements EventBus {
  private readonly connectionListeners = new Set<(state: 'lost' | 'back') => void>();
  /** Made at the first read of a stream's history. */
  private jsm: Promise<JetStreamManager> | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jetStream: JetStreamPublisher,
    private readonly durableSubjects: string[],
    /** Copies of each stream this service makes (NATS_REPLICAS); also used for a stream it has to make as a consumer. */
    readonly replicas: number,
  ) {}

  /**
   * `url`: one server or several, comma-separated (the members of a cluster: the client connects to
   * any that answers and moves to another when it goes). `streams`: the streams this service owns
   * (streams.ts): created, or their settings brought up to date, with `options.replicas` copies each.
   */
  static async connect(url: string, name: string, streams: StreamSpec[], logger: Logger, options: NatsBusOptions = {}): Promise<NatsEventBus> {
    const replicas = options.replicas ?? 1;
    const nc = await connect({
      servers: url.split(',').map((u) => u.trim()).filter(Boolean),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
      // A silent break (no reset, no close) is noticed after two unanswered pings: within 30 s, not
      // nats.js's 4-6 minutes. A gateway reads back the call events of a break from 30 s before it
      // noticed it (call-fanout.ts).
      pingInterval: 10_000,
      maxPingOut: 2,
      // No stack captured for every request (stream and consumer management, key-value reads; the
      // publishes are not requests any more): a third of a request's time went there. A timeout
      // still says which request timed out.
      noAsyncTraces: true,
    });
    try {
      await ensureStreams(nc, streams, replicas);
    } catch (err) {
      await nc.close(); // else the half-made bus keeps the process alive
      throw err;
    }
    logger.info('nats connected', { url, streams: streams.map((s) => s.name), replicas });
    const bus = new NatsEventBus(nc, new JetStreamPublisher(nc, 5000), streams.flatMap((s) => s.subjects), replicas);
    (async () => {
      // nats.js sends the subscriptions again before it says 'reconnect'.
      for await (const s of nc.status()) {
        if (s.type !== 'disconnect' && s.type !== 'reconnect') continue;
        logger.warn(`nats ${s.type}`, { data: String(s.data) });
        for (const listener of bus.connectionListeners) listener(s.type === 'disconnect' ? 'lost' : 'back');
      }
    })().catch(() => undefined);
    return bus;
  }

  onConnection(listener: (state: 'lost' | 'back') => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  async publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<void> {
    // The publisher's trace goes along in the message's headers (tracing off: none).
    const trace = activeTraceCarrier();
    if (this.durableSubjects.some((p) => subjectMatches(p, subject))) {
      await this.jetStream.publish(subject, data, { msgId: options?.msgId, headers: trace });
    } else if (trace) {
      const h = natsHeaders();
      for (const [name, value] of Object.entries(trace)) h.set(name, value);
      this.nc.publish(subject, data, { headers: h });
    } else {
      this.nc.publish(subject, data);
    }
  }

  subscribe(subject: string, handler: (msg: BusMessage) => void): BusSubscription {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) handler({ subject: msg.subject, data: msg.data, trace: traceOf(msg.headers) });
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async history(stream: string, subject: string, since: Date, limit: number, each: (msg: BusMessage) => void): Promise<number> {
    this.jsm ??= this.nc.jetstreamManager();
    const jsm = await this.jsm.catch((err) => {
      this.jsm = undefined;
      throw err;
    });
    // One subject (a user's calls): its last message, one cheap request, says whether there is anything
    // to read at all. Most often there is not, and no consumer is made (a storm of resumes asks this
    // of every session).
    if (!/[*>]/.test(subject)) {
      const last = await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch((err: unknown) => {
        if (notFound(err) || /no message found/i.test(String((err as Error).message))) return null;
        throw err;
      });
      if (!last || last.time < since) return 0;
    }
    // Ephemeral consumers (in memory, no acks), one per batch: the first from `since`, each next one
    // from after the last message read. Each batch asks for what is there and does not wait for more
    // (no_wait): a consumer made from a start time may count a message or two before it among its
    // pending ones (seen in CI), and a fetch waiting for those would wait out its expiry. A consumer
    // made from a sequence counts exactly, so the read ends when the next one has nothing pending.
    let from: { deliver_policy: DeliverPolicy.StartTime; opt_start_time: string } | { deliver_policy: DeliverPolicy.StartSequence; opt_start_seq: number } = {
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: since.toISOString(),
    };
    let read = 0;
    for (;;) {
      const made = await jsm.consumers.add(stream, { ...from, ack_policy: AckPolicy.None, filter_subject: subject, mem_storage: true, num_replicas: 1, inactive_threshold: nanos(30_000) });
      try {
        if (made.num_pending === 0) return read;
        if (read >= limit) return read + made.num_pending;
        const before = read;
        const batch = this.nc.jetstream().fetch(stream, made.name, { batch: Math.min(limit - read, made.num_pending, historyBatch), no_wait: true, expires: 5000 });
        for await (const m of batch) {
          read++;
          from = { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: m.seq + 1 };
          each({ subject: m.subject, data: m.data, trace: traceOf(m.headers) });
        }
        // Nothing came of what was counted: it was counted before `since` (or is gone).
        if (read === before) return read;
      } finally {
        await jsm.consumers.delete(stream, made.name).catch(() => undefined); // else it lingers for its inactive threshold
      }
    }
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  /** For code that needs JetStream itself (consumers that catch up). */
  get connection(): NatsConnection {
    return this.nc;
  }
}

export interface NatsBusOptions {
  /**
   * How many servers of a JetStream cluster keep each stream (1, 3 or 5; at most the cluster's size).
   * With 3, a stream survives the loss of one server; with 5, of two.
   */
  replicas?: number;
}

/** The trace a message's headers carry (tracing on only: reading headers is not free). */
export function traceOf(headers: MsgHdrs | undefined): TraceCarrier | undefined {
  if (!headers || !tracingEnabled()) return undefined;
  const traceparent = headers.get('traceparent');
  if (!traceparent) return undefined;
  const tracestate = headers.get('tracestate');
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** A stream's settings as rtcroom defines it (streams.ts). */
function streamConfig(spec: StreamSpec, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    max_age: spec.maxAgeSeconds * 1e9,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: 120 * 1e9,
    num_replicas: replicas,
  };
}

const notFound = (err: unknown) => (err as { code?: string }).code === '404';

/** Creates the streams this service owns, or brings their settings up to date. */
async function ensureStreams(nc: NatsConnection, streams: StreamSpec[], replicas: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const spec of streams) {
    const config = streamConfig(spec, replicas);
    try {
      await jsm.streams.info(spec.name);
      await jsm.streams.update(spec.name, config);
    } catch (err) {
      if (!notFound(err)) throw err;
      await jsm.streams.add(config);
    }
  }
}

/**
 * Binds to a stream another service owns, leaving its settings as they are. Only when it does not
 * exist yet (its owner has never run) is it made, from the same definition the owner uses.
 */
export async function bindStream(jsm: JetStreamManager, spec: StreamSpec, replicas = 1): Promise<void> {
  try {
    await jsm.streams.info(spec.name);
    return;
  } catch (err) {
    if (!notFound(err)) throw err;
  }
  try {
    await jsm.streams.add(streamConfig(spec, replicas));
  } catch (err) {
    // Made meanwhile by its owner or another consumer: bound all the same.
    await jsm.streams.info(spec.name).catch(() => {
      throw err;
    });
  }
}
