// Runs the design floor's store (store.ts) as its own process: FLOOR_STORE_ADDRESS (host:port),
// DATABASE_URL, NATS_URL and FLOOR_SUBJECT_PREFIX (the run's subjects and stream).
import { envAddress, readCommandLine } from '@rtcroom/common';
import { FloorStore } from './store';

const usage = `usage: FLOOR_STORE_ADDRESS=127.0.0.1:7901 DATABASE_URL=postgres://... [NATS_URL=nats://127.0.0.1:4222] [FLOOR_SUBJECT_PREFIX=floor] node bench/dist/floor/store-main.js
The design floor's store: writes each room change to Postgres and publishes it to JetStream, nothing else.
`;
readCommandLine(usage, { options: { help: { type: 'boolean', short: 'h' } } });

async function main(): Promise<void> {
  const env = process.env;
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const store = new FloorStore({
    address: envAddress(env, 'FLOOR_STORE_ADDRESS', '127.0.0.1:7901'),
    databaseUrl,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    prefix: env.FLOOR_SUBJECT_PREFIX ?? 'floor',
  });
  await store.start();
  process.stdout.write('floor-store: ready\n');
  const shutdown = () => {
    void store.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`floor-store: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
