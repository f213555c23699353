// A micro-benchmark of calls between services sharing a process: one process serves ListOnline (a
// handler that does nothing) and calls it, in-process (InProcessHub), on the mux stream or unary over
// loopback, and reports calls/s and the process's CPU per call (client and server together, as in
// `npm start`). Alternate the modes for paired figures:
//   node bench/dist/inproc-micro.js --mode inproc|mux|unary [--calls 20000] [--concurrency 16]
import { createClient, createLogger, InProcessHub, readCommandLine, startGrpcServer, bindService, usageFailed } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';

const usage = `usage: node bench/dist/inproc-micro.js [--mode inproc|mux|unary] [--calls 20000] [--concurrency 16]
`;
const { values } = readCommandLine(usage, {
  options: {
    mode: { type: 'string', default: 'inproc' },
    calls: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const mode = values.mode!;
if (!['inproc', 'mux', 'unary'].includes(mode)) usageFailed(usage, `--mode must be inproc, mux or unary, got ${mode}`);
const calls = Number(values.calls);
const concurrency = Number(values.concurrency);

async function main(): Promise<void> {
  const hub = new InProcessHub();
  const binding = bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    { listOnline: async (req: presencev1.ListOnlineRequest) => ({ onlineIdentities: req.identities.slice(0, 1) }) } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );
  const server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({}, 'silent'), { insecure: false }, undefined, undefined, mode === 'inproc' ? hub : undefined);
  const client = createClient(presencev1.PresenceServiceService, server.address, 5000, { mux: mode !== 'unary', inproc: mode === 'inproc' ? hub : undefined });
  const request = { identities: ['alice@example.com', 'bob@example.com', 'carol@example.com'] };
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < n) await client.listOnline(request);
      }),
    );
  };
  await run(Math.min(2000, calls)); // warm: JIT, the stream
  const cpu = process.cpuUsage();
  const began = performance.now();
  await run(calls);
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / calls;
  process.stdout.write(`${JSON.stringify({ mode, calls, concurrency, callsPerSecond: Math.round(calls / seconds), cpuMicrosPerCall: Number(cpuUs.toFixed(1)) })}\n`);
  client.close();
  await server.stop(500);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`inproc-micro: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
