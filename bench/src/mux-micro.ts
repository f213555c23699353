// A micro-benchmark of rtcroom's internal gRPC calls alone: one client process calls one server
// process on loopback (ListOnline, a handler that does nothing), muxed or unary, and reports calls/s
// and the CPU each process spent per call. The whole-system bench (run.ts) loads both cores for
// minutes; this one takes seconds and isolates the call path, so A/B runs of a change to the mux can
// alternate quickly. `--common <dir>` loads another build of @rtcroom/common (e.g. the code before a
// change, copied into this checkout so that it resolves the same dependencies).
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { readCommandLine, usageFailed } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { ask } from './child-ask';

type Common = typeof import('@rtcroom/common');

const usage = `usage: node bench/dist/mux-micro.js [--mode mux|unary] [--calls 20000] [--concurrency 16 | --rate <calls/s>] [--metadata] [--common <dir of a @rtcroom/common build>]
`;

const { values } = readCommandLine(usage, {
  options: {
    mode: { type: 'string', default: 'mux' },
    calls: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string' },
    metadata: { type: 'boolean', default: false },
    common: { type: 'string' },
    serve: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.mode !== 'mux' && values.mode !== 'unary') usageFailed(usage, `--mode must be mux or unary, got ${values.mode}`);
for (const name of ['calls', 'concurrency', 'rate'] as const) {
  const raw = values[name];
  if (raw !== undefined && !(Number.isInteger(Number(raw)) && Number(raw) > 0)) usageFailed(usage, `--${name} must be a positive whole number, got ${raw}`);
}

function loadCommon(): Common {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return values.common ? require(resolve(values.common)) : require('@rtcroom/common');
}

async function serve(): Promise<void> {
  const common = loadCommon();
  const logger = common.createLogger({ service: 'mux-micro' }, 'silent');
  const binding = common.bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    { listOnline: async (req: presencev1.ListOnlineRequest) => ({ onlineIdentities: req.identities }) } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );
  const server = await common.startGrpcServer('127.0.0.1:0', [binding], logger);
  process.on('message', (msg: string) => {
    if (msg === 'cpu') process.send!({ cpu: process.cpuUsage() });
    if (msg === 'stop') void server.stop(500).then(() => process.exit(0));
  });
  process.send!({ port: server.port });
}

async function drive(): Promise<void> {
  const common = loadCommon();
  const calls = Number(values.calls);
  const concurrency = Number(values.concurrency);
  const mux = values.mode === 'mux';
  const child = fork(__filename, ['--serve', ...(values.common ? ['--common', values.common] : [])], { stdio: 'inherit' });
  const port = await ask<number>(child, '', 'port');
  const client = common.createClient(presencev1.PresenceServiceService, `127.0.0.1:${port}`, 5000, { mux });
  const request = { identities: ['alice', 'bob'] };
  // --metadata: every call carries a W3C traceparent, as calls will once tracing is on.
  const options = values.metadata ? { metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } } : undefined;
  // Closed loop (`concurrency` calls always in flight: the most a stream carries) or open loop at a
  // steady rate (how services call each other under load: few calls at a time, each one a wake-up).
  const rate = values.rate ? Number(values.rate) : undefined;
  const paced = (n: number) =>
    new Promise<void>((done, fail) => {
      let sent = 0;
      let answered = 0;
      const started = performance.now();
      const tick = setInterval(() => {
        const due = Math.min(n, Math.floor(((performance.now() - started) * rate!) / 1000));
        for (; sent < due; sent++) {
          client.listOnline(request, options).then(() => {
            if (++answered === n) done();
          }, fail);
        }
        if (sent === n) clearInterval(tick);
      }, 1);
    });
  const run = async (n: number) => {
    if (rate) return paced(n);
    let next = 0;
    const worker = async () => {
      while (next++ < n) await client.listOnline(request, options);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  await run(Math.min(rate ?? 5000, calls)); // warm-up: JIT, the stream, connection windows
  const serverBefore = await ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu');
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run(calls);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const clientCpu = process.cpuUsage(clientBefore);
  const serverAfter = await ask<NodeJS.CpuUsage>(child, 'cpu', 'cpu');
  const perCall = (u: NodeJS.CpuUsage) => ((u.user + u.system) / calls).toFixed(1);
  const serverCpu = { user: serverAfter.user - serverBefore.user, system: serverAfter.system - serverBefore.system };
  console.log(
    JSON.stringify({
      mode: values.mode,
      build: values.common ?? '@rtcroom/common',
      calls,
      concurrency: rate ? undefined : concurrency,
      rate,
      metadata: values.metadata || undefined,
      callsPerSecond: Math.round(calls / seconds),
      clientCpuUsPerCall: Number(perCall(clientCpu)),
      serverCpuUsPerCall: Number(perCall(serverCpu)),
    }),
  );
  client.close();
  child.send('stop');
}

void (values.serve ? serve() : drive()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
