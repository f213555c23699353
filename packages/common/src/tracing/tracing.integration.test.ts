// The tracing hooks with the SDK on and spans kept in memory: a gRPC call (over the mux and unary) and
// a bus message continue the caller's trace, Postgres statements are spans of the trace they run in,
// and with tracing off nothing is made at all.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { presencev1 } from '@rtcroom/proto';
import { InMemoryEventBus } from '../bus/in-memory-event-bus';
import { loadTracingConfig } from '../config';
import { openDatabase } from '../db/database';
import { DomainError } from '../errors';
import { createClient } from '../grpc/client';
import { bindService, RunningGrpcServer, startGrpcServer } from '../grpc/server';
import { createLogger } from '../logger';
import { createTestDatabase, TestDatabase } from '../testing';
import { tracedBinding } from './grpc-tracing';
import { activeTraceparent, inSpan, setTracingEnabled, SpanKind, storedTrace, subjectTemplate } from './spans';

const logger = createLogger({ service: 'tracing-test' }, 'silent');
type Presence = typeof presencev1.PresenceServiceService;

const binding = () =>
  bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      listOnline: async (req: presencev1.ListOnlineRequest) => {
        if (req.identities[0] === 'refuse') throw new DomainError('NOT_FOUND', 'no such thing');
        // What the handler itself sees as its trace (the outbox stores this).
        return { onlineIdentities: [activeTraceparent() ?? 'none'] };
      },
    } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );

/** Which OpenTelemetry SDK modules a fresh process has loaded after startTracing with `env` (the built package). */
function sdkLoadedWith(env: Record<string, string>): boolean {
  const script = `
    const common = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'index.js'))});
    common.startTracing('probe', common.loadTracingConfig(${JSON.stringify(env)}), common.createLogger({}, 'silent')).then(async (t) => {
      const loaded = Object.keys(require.cache).some((path) => /@opentelemetry[\\/](sdk-trace|exporter|resources)/.test(path));
      await t.shutdown();
      process.stdout.write(String(loaded));
    });`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }) === 'true';
}

describe('a collector that is away', () => {
  it('costs dropped spans and a warning without a stack, and holds up a stop for 2 s at most', () => {
    const script = `
      const common = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'index.js'))});
      const lines = [];
      const logger = common.createLogger({}, 'info', (line) => lines.push(JSON.parse(line)));
      (async () => {
        const config = common.loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '10' });
        const tracing = await common.startTracing('probe', config, logger);
        const answers = [];
        for (let i = 0; i < 3; i++) answers.push(await common.inSpan('work', {}, async () => i));
        const stopping = Date.now();
        await tracing.shutdown();
        process.stdout.write(JSON.stringify({ answers, stopMs: Date.now() - stopping, warnings: lines.filter((l) => l.level === 'warn') }));
        process.exit(0);
      })();`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }));
    expect(out.answers).toEqual([0, 1, 2]);
    expect(out.stopMs).toBeLessThan(4000);
    expect(out.warnings.length).toBeGreaterThan(0);
    expect(JSON.stringify(out.warnings)).not.toContain('    at ');
  });
});

describe('tracing off', () => {
  it('loads no SDK without an endpoint (the built package, in a process of its own)', () => {
    expect(sdkLoadedWith({})).toBe(false);
    expect(sdkLoadedWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBe(true);
  });

  it('makes no span, carries nothing and wraps nothing', async () => {
    let seen: unknown = 'not called';
    await inSpan('x', {}, async (span) => void (seen = span));
    expect(seen).toBeUndefined();
    expect(activeTraceparent()).toBeNull();
    const b = binding();
    expect(tracedBinding(b)).toBe(b);
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: RunningGrpcServer;
  let database: TestDatabase;

  beforeAll(async () => {
    provider.register();
    setTracingEnabled(true);
    server = await startGrpcServer('127.0.0.1:0', [binding()], logger);
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop(500);
    await database?.drop();
    setTracingEnabled(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  it.each([true, false])('continues the caller trace in the server span (mux %s), and the handler sees it', async (mux) => {
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000, { mux });
    try {
      const answer = await inSpan('caller', {}, () => client.listOnline({ identities: ['a'] }));
      const [serverSpan] = spans().filter((s) => s.kind === SpanKind.SERVER);
      const [clientSpan] = spans().filter((s) => s.kind === SpanKind.CLIENT);
      const caller = spans().find((s) => s.name === 'caller')!;
      expect(clientSpan.name).toBe('rtcroom.presence.v1.PresenceService/ListOnline');
      expect(parentOf(clientSpan)).toBe(caller.spanContext().spanId);
      expect(parentOf(serverSpan)).toBe(clientSpan.spanContext().spanId);
      expect(serverSpan.spanContext().traceId).toBe(caller.spanContext().traceId);
      expect(serverSpan.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.method': 'ListOnline' });
      expect(answer.onlineIdentities[0]).toBe(`00-${serverSpan.spanContext().traceId}-${serverSpan.spanContext().spanId}-01`);
    } finally {
      client.close();
    }
  });

  it('marks a failed call on both ends with its reason', async () => {
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000);
    try {
      await expect(inSpan('caller', {}, () => client.listOnline({ identities: ['refuse'] }))).rejects.toMatchObject({ reason: 'NOT_FOUND' });
      for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
        const span = spans().find((s) => s.kind === kind)!;
        expect(span.status.code).toBe(2); // ERROR
        expect(span.attributes['rtcroom.error.reason']).toBe('NOT_FOUND');
      }
    } finally {
      client.close();
    }
  });

  it('traces calls and statements made outside any trace (timers) only from the server on', async () => {
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000);
    const open = await openDatabase<any>({ url: database.url }, logger);
    try {
      await client.listOnline({ identities: ['a'] });
      await open.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      expect(spans().map((s) => [s.kind, s.parentSpanContext === undefined])).toEqual([[SpanKind.SERVER, true]]);
    } finally {
      client.close();
      await open.close();
    }
  });

  it('carries the trace through the bus, and continues a stored traceparent', async () => {
    const bus = new InMemoryEventBus();
    const got = new Promise<string | undefined>((resolve) => bus.subscribe('t.>', (msg) => resolve(msg.trace?.traceparent)));
    let stored: string | null = null;
    await inSpan('writer', {}, async () => {
      stored = activeTraceparent();
      await bus.publish('t.x', new Uint8Array([1]));
    });
    expect(await got).toBe(stored);
    await inSpan('relay publish', { kind: SpanKind.PRODUCER, parent: storedTrace(stored) }, async () => undefined);
    const writer = spans().find((s) => s.name === 'writer')!;
    const relay = spans().find((s) => s.name === 'relay publish')!;
    expect(relay.spanContext().traceId).toBe(writer.spanContext().traceId);
    expect(parentOf(relay)).toBe(writer.spanContext().spanId);
    await bus.close();
  });

  it('makes a span of each Postgres statement, in the trace it runs in', async () => {
    const open = await openDatabase<any>({ url: database.url }, logger);
    try {
      await inSpan('work', {}, () => open.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute());
      const work = spans().find((s) => s.name === 'work')!;
      const statement = spans().find((s) => s.name === 'SELECT')!;
      expect(parentOf(statement)).toBe(work.spanContext().spanId);
      expect(statement.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.query.text': 'select 1 as "one"' });
    } finally {
      await open.close();
    }
  });
});

it('names spans by the shape of a subject, not its room or user', () => {
  expect(subjectTemplate('rtcroom.room.r_1.member.joined')).toBe('rtcroom.room.*.member.joined');
  expect(subjectTemplate('rtcroom.user.YWxpY2U.call')).toBe('rtcroom.user.*.call');
  expect(subjectTemplate('elsewhere.a.b.c')).toBe('elsewhere.a.b.c');
});

describe('loadTracingConfig', () => {
  it('is off without an endpoint, and when disabled', () => {
    expect(loadTracingConfig({}).tracesUrl).toBeUndefined();
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracesUrl).toBeUndefined();
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracesUrl).toBeUndefined();
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as it is', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).tracesUrl).toBe('http://c:4318/v1/traces');
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t/x' }).tracesUrl).toBe('https://t/x');
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,x=1' }).headers).toEqual({ 'api-key': 'a b', x: '1' });
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'ftp://c/x'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'novalue'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_TRACES_SAMPLER_ARG', 'half'],
    ['OTEL_BSP_SCHEDULE_DELAY', 'soon'],
    ['OTEL_SDK_DISABLED', 'maybe'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadTracingConfig({ [name]: value })).toThrow(name);
  });
});
