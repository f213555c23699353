// One service's Prometheus metrics: its own registry (every series labelled service="<name>"), served
// on its own listener (metrics-server.ts). The process's metrics (CPU, memory, GC, event-loop lag)
// live in one registry per process that every service's /metrics adds, since the services that share
// a process (npm run up) share those numbers too.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/** The process's own metrics (prom-client's default set), registered once however many services run. */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

/** Seconds buckets for calls and deliveries: 1 ms to 10 s. */
export const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How long a value read at scrape time (a query, a JetStream request) may take before it is skipped. */
export const collectTimeoutMs = 2000;

export class ServiceMetrics {
  readonly registry = new Registry();
  /** Apart, and written after the rest: a scrape's failures are counted in that same scrape. */
  private readonly failuresRegistry = new Registry();
  private readonly collectFailures: Counter<'metric'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    this.failuresRegistry.setDefaultLabels({ service });
    this.collectFailures = new Counter({
      name: 'rtcroom_metrics_collect_failures_total',
      help: 'Values read at scrape time that failed or timed out (that scrape has no series of a labelled one, NaN for one without labels)',
      labelNames: ['metric'],
      registers: [this.failuresRegistry],
    });
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], buckets = latencyBuckets): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /**
   * A gauge whose values are read when Prometheus scrapes: `read` returns them by label set. A read
   * that fails or takes longer than collectTimeoutMs counts a collect failure and leaves no stale
   * value and no stalled scrape: a labelled gauge has no series in that scrape, one without labels
   * reads NaN (prom-client always writes a gauge without labels; 0 would look like a real reading).
   */
  gaugeAtScrape<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<Array<{ labels?: Partial<Record<L, string>>; value: number }>> | Array<{ labels?: Partial<Record<L, string>>; value: number }>,
  ): Gauge<L> {
    const failures = this.collectFailures;
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const { labels, value } of await withTimeout(Promise.resolve(read()), collectTimeoutMs)) {
            if (labels) this.set(labels as Record<L, string>, value);
            else this.set(value);
          }
        } catch {
          this.reset();
          if (labelNames.length === 0) this.set(NaN);
          failures.inc({ metric: name });
        }
      },
    });
  }

  /** The text Prometheus scrapes: this service's metrics, then the process's. */
  async exposition(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${await this.failuresRegistry.metrics()}\n${proc}`;
  }

  /** Every metric registered, the collect failures too (for tests and the dashboard check). */
  registries(): Registry[] {
    return [this.registry, this.failuresRegistry];
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
