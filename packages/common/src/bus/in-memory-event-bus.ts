// The embedded default's event bus: every service in one process shares it. It keeps nothing, like core
// NATS; it de-duplicates by message id within a window, like JetStream.
import { activeTraceCarrier } from '../tracing/spans';
import { BusMessage, BusSubscription, EventBus, PublishOptions, subjectMatches } from './event-bus';

export class InMemoryEventBus implements EventBus {
  private readonly subs = new Set<{ pattern: string; handler: (msg: BusMessage) => void }>();
  private readonly seenIds = new Map<string, number>();
  private closed = false;

  constructor(private readonly dedupWindowMs = 120_000) {}

  async publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    if (options?.msgId) {
      const now = Date.now();
      const seen = this.seenIds.get(options.msgId);
      if (seen !== undefined && now - seen < this.dedupWindowMs) return;
      this.seenIds.set(options.msgId, now);
      if (this.seenIds.size > 100_000) this.forgetOld(now);
    }
    const trace = activeTraceCarrier();
    for (const sub of [...this.subs]) {
      if (!subjectMatches(sub.pattern, subject)) continue;
      // Asynchronous like a real bus, but in order: microtasks run first-in first-out.
      queueMicrotask(() => sub.handler({ subject, data, trace }));
    }
  }

  subscribe(subject: string, handler: (msg: BusMessage) => void): BusSubscription {
    const sub = { pattern: subject, handler };
    this.subs.add(sub);
    return { unsubscribe: () => this.subs.delete(sub) };
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.subs.clear();
  }

  private forgetOld(now: number) {
    for (const [id, t] of this.seenIds) if (now - t >= this.dedupWindowMs) this.seenIds.delete(id);
  }
}
