// A micro-benchmark of durable publishes alone: one process publishes to JetStream through
// NatsEventBus (as the room service's outbox relay does; presence's key-value writes take the same
// path) with a number in flight, and reports publishes/s and the CPU microseconds it spent per
// publish. Seconds, not minutes, so A/B runs of a change to the bus can alternate quickly; `--common
// <dir>` loads another build of @rtcroom/common (copied into this checkout's node_modules, so that it
// resolves the same nats), each run is a process of its own (a build may change nats.js process-wide).
import { resolve } from 'node:path';
import { readCommandLine, usageFailed } from '@rtcroom/common';

type Common = typeof import('@rtcroom/common');

const usage = `usage: node bench/dist/bus-publish-micro.js [--publishes 20000] [--concurrency 64] [--nats URL] [--common DIR]
  --publishes N     publishes measured (after a warm-up of a quarter as many)
  --concurrency N   publishes in flight at once
  --nats URL        NATS with JetStream (default nats://127.0.0.1:4222)
  --common DIR      a build of @rtcroom/common to load instead of this checkout's (for A/B runs)
`;

function options() {
  const { values } = readCommandLine(usage, {
    options: {
      publishes: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '64' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      common: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const count = (name: 'publishes' | 'concurrency') => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) usageFailed(usage, `--${name} must be a positive whole number, got ${values[name]}`);
    return n;
  };
  return { publishes: count('publishes'), concurrency: count('concurrency'), nats: values.nats, common: values.common };
}

async function main(): Promise<void> {
  const o = options();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const common: Common = o.common ? require(resolve(o.common)) : require('@rtcroom/common');
  const name = `BUS_MICRO_${process.pid}`;
  const spec = { name, subjects: [`busmicro${process.pid}.>`], maxAgeSeconds: 300 };
  const bus = await common.NatsEventBus.connect(o.nats, 'bus-publish-micro', [spec], common.createLogger({ service: 'bus-micro' }, 'silent'));
  const payload = new Uint8Array(200); // about a room event's size
  let id = 0;
  const run = async (n: number) => {
    let left = n;
    const worker = async () => {
      while (left-- > 0) await bus.publish(`busmicro${process.pid}.room.r1.member.joined`, payload, { msgId: `m${id++}` });
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  };
  try {
    await run(Math.ceil(o.publishes / 4)); // warm-up: JIT, the stream, buffers
    const before = process.cpuUsage();
    const started = process.hrtime.bigint();
    await run(o.publishes);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(before);
    console.log(
      JSON.stringify({
        build: o.common ?? '@rtcroom/common',
        publishes: o.publishes,
        concurrency: o.concurrency,
        publishesPerSecond: Math.round(o.publishes / seconds),
        cpuUsPerPublish: Number(((cpu.user + cpu.system) / o.publishes).toFixed(2)),
      }),
    );
  } finally {
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(name).catch(() => undefined);
    await bus.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bus-publish-micro: ${(err as Error)?.message ?? err}\n`);
  process.exit(1);
});
