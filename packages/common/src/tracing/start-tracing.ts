// Turns tracing on for this process when an OTLP endpoint is configured: the OpenTelemetry SDK is
// loaded here and only here (a dynamic import), so a service without an endpoint never loads it and
// the hooks in spans.ts stay a flag check (README "Tracing").
//
// Manual spans rather than auto-instrumentation: the require hooks of @opentelemetry/instrumentation-*
// patch modules as they are loaded, which misses what was loaded before the SDK (everything, here: the
// SDK is started from runMain after the config is read), cannot see the calls rtcroom multiplexes on
// one stream (mux-client.ts: grpc-js sees a single long-lived call, not the calls in it), nor the trace
// context the outbox carries from the writing transaction to the relay. Spans made where rtcroom does
// the work name what a reader of the trace wants to see.
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { TracingConfig } from '../config';
import type { Logger } from '../logger';
import { setTracingEnabled } from './spans';

export interface RunningTracing {
  /** Exports what is left and stops; tracing is off afterwards. */
  shutdown(): Promise<void>;
}

const off: RunningTracing = { shutdown: async () => undefined };

/** How long a stop waits for the last spans to go out. */
const shutdownExportMs = 2000;

/** Registers the SDK (W3C trace context, batch export over OTLP/HTTP) when `config` has an endpoint. */
export async function startTracing(service: string, config: TracingConfig, logger: Logger): Promise<RunningTracing> {
  if (!config.tracesUrl) return off;
  const [sdk, { resourceFromAttributes }, { ATTR_SERVICE_NAME }, exporterModule] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    config.protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  // The SDK reports a failed export through diag: a warning in our log rather than silence, without
  // the error's stack, and at most one a minute while the collector stays away.
  const warn = exportWarnings(logger);
  diag.setLogger(
    {
      error: (message, ...args) => warn(message, args),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true },
  );
  const exporter = new exporterModule.OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers });
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName ?? service }),
    sampler: sampler(sdk, config),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: config.exportDelayMs })],
  });
  // The async-hooks context manager and the W3C trace-context and baggage propagators.
  provider.register();
  setTracingEnabled(true);
  logger.info('tracing on', { exporter: config.tracesUrl, protocol: config.protocol, serviceName: config.serviceName ?? service, sampler: config.sampler });
  return {
    async shutdown() {
      setTracingEnabled(false);
      // Bounded: a collector that is away (the exporter retries for up to 30 s) must not hold up a
      // stop past its grace period; what is not out by then is dropped.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), shutdownExportMs)));
      const outcome = await Promise.race([provider.shutdown().then(() => 'done' as const, (err: unknown) => err), late]);
      clearTimeout(timer);
      if (outcome === 'late') logger.warn('tracing: the last spans were not exported in time; dropped', { waitedMs: shutdownExportMs });
      else if (outcome !== 'done') logger.warn('tracing: the last spans could not be exported', { problem: (outcome as Error)?.message ?? String(outcome) });
    },
  };
}

/** What the SDK reports (an exception it serialized as JSON, or text), as one warning a minute at most. */
function exportWarnings(logger: Logger): (message: string, args: unknown[]) => void {
  let lastAt = -Infinity;
  let suppressed = 0;
  return (message, args) => {
    const now = Date.now();
    if (now - lastAt < 60_000) {
      suppressed++;
      return;
    }
    lastAt = now;
    let problem = message;
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === 'string') problem = parsed.message;
    } catch {
      // plain text already
    }
    const detail = args.filter((a) => typeof a === 'string' || typeof a === 'number').join(' ');
    logger.warn('tracing: spans could not be exported (they are dropped; calls are not affected)', { problem, ...(detail ? { detail } : {}), suppressedSinceLast: suppressed });
    suppressed = 0;
  };
}

type Sdk = typeof import('@opentelemetry/sdk-trace-node');

function sampler(sdk: Sdk, config: TracingConfig) {
  const ratio = new sdk.TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: ratio });
  }
}
