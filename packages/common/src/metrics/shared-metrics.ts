// Metrics more than one service exports alike: its Postgres pool and its durable JetStream consumers.
import type { RunningEventConsumer } from '../bus/event-consumer';
import type { OpenDatabase } from '../db/database';
import { Counter } from 'prom-client';
import { ServiceMetrics } from './service-metrics';

/** rtcroom_db_pool_connections{state}: open, idle, waiting (queries waiting for a connection), max. Nothing for embedded PGlite. */
export function exportPoolUse(metrics: ServiceMetrics, database: Pick<OpenDatabase<unknown>, 'poolUse'>): void {
  const use = database.poolUse;
  if (!use) return;
  metrics.gaugeAtScrape('rtcroom_db_pool_connections', 'Postgres pool of this instance: connections open, idle, queries waiting for one, and the pool size', ['state'], () => {
    const u = use();
    return [
      { labels: { state: 'open' }, value: u.total },
      { labels: { state: 'idle' }, value: u.idle },
      { labels: { state: 'waiting' }, value: u.waiting },
      { labels: { state: 'max' }, value: u.max },
    ];
  });
}

/**
 * Per durable consumer: rtcroom_event_consumer_pending (JetStream's num_pending, asked at scrape with
 * a timeout: the lag) and rtcroom_event_consumer_events_total{outcome} (applied, retried, dead_lettered).
 */
export function exportConsumers(metrics: ServiceMetrics, consumers: () => RunningEventConsumer[]): void {
  metrics.gaugeAtScrape('rtcroom_event_consumer_pending', 'Messages a durable JetStream consumer has yet to receive (num_pending): its lag', ['consumer'], async () => {
    const out: Array<{ labels: { consumer: string }; value: number }> = [];
    for (const c of consumers()) {
      const pending = await c.pending();
      if (pending !== undefined) out.push({ labels: { consumer: c.name }, value: pending });
    }
    return out;
  });
  // Counted by the consumer itself (stats) and copied at scrape, so its hot path stays as it was.
  let seen = new Map<string, number>();
  new Counter({
    name: 'rtcroom_event_consumer_events_total',
    help: 'Events a durable consumer applied, tried again, or gave up on (dead letters)',
    labelNames: ['consumer', 'outcome'] as const,
    registers: [metrics.registry],
    collect() {
      const now = new Map<string, number>();
      for (const c of consumers()) {
        for (const [outcome, value] of [['applied', c.stats.applied], ['retried', c.stats.retried], ['dead_lettered', c.stats.deadLettered]] as const) {
          const key = `${c.name}\0${outcome}`;
          const delta = value - (seen.get(key) ?? 0);
          if (delta > 0) this.inc({ consumer: c.name, outcome }, delta);
          now.set(key, value);
        }
      }
      seen = now;
    },
  });
}
