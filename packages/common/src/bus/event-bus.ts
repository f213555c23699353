// The event bus the services share: NATS (with JetStream for durable streams) in deployments, an
// in-process stand-in for the embedded default. Subjects follow NATS rules ('*' one token, '>' the rest).
import type { TraceCarrier } from '../tracing/spans';

export interface BusMessage {
  subject: string;
  data: Uint8Array;
  /** The trace the publisher was in (W3C headers), when tracing is on and it was in one. */
  trace?: TraceCarrier;
}

export interface BusSubscription {
  unsubscribe(): void;
}

export interface PublishOptions {
  /** De-duplication id: JetStream drops a second message with the same id (within its window). */
  msgId?: string;
}

export interface EventBus {
  /** Publishes durably where a stream covers the subject; resolves once the server has stored it. */
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<void>;
  /** Live messages on a subject (wildcards allowed), delivered in publish order. */
  subscribe(subject: string, handler: (msg: BusMessage) => void): BusSubscription;
  /** Resolves once everything subscribed so far is registered with the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Told when the connection to the server is lost ('lost': live messages published from now on do
   * not arrive) and when it is back ('back': the subscriptions are in place again). A bus that cannot
   * lose its connection (in memory) never tells. Returns how to stop listening.
   */
  onConnection?(listener: (state: 'lost' | 'back') => void): () => void;
  /**
   * Hands `each` what a stream kept of `subject` (wildcards allowed) from `since` on, in the stream's
   * order, at most `limit` messages (the oldest); resolves with how many there were in all (more
   * than `limit`: the newest were left). For a subscriber that lost its connection and reads back what it
   * missed. Undefined on a bus that keeps nothing (in memory, where nothing is ever missed).
   */
  history?(stream: string, subject: string, since: Date, limit: number, each: (msg: BusMessage) => void): Promise<number>;
}

/** A JetStream stream the bus makes sure exists. */
export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long messages are kept, in seconds. */
  maxAgeSeconds: number;
}

/** Whether a NATS subject pattern matches a concrete subject. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
