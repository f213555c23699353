// Runs the floor hub as its own process, configured like the gateway: FLOOR_ADDRESS (host:port) and
// ACCESS_TOKEN_SECRET (a dev default when RTCROOM_DEV=true). With FLOOR_STORE_ADDRESS it is the design
// floor's hub: each change through that store (store-main.js), each notice from NATS_URL.
import { envAddress, envBool, envSecret, readCommandLine } from '@rtcroom/common';
import { connectDesignPath } from './design-path';
import { FloorHub } from './hub';

const usage = `usage: [FLOOR_ADDRESS=127.0.0.1:7900] [ACCESS_TOKEN_SECRET=... | RTCROOM_DEV=true]
       [FLOOR_STORE_ADDRESS=127.0.0.1:7901 NATS_URL=nats://127.0.0.1:4222 FLOOR_SUBJECT_PREFIX=floor]
       node bench/dist/floor/main.js
The bench's floor: a bare WebSocket hub that answers the gateway's protocol with no services behind it;
with a store's address, the design floor: every change committed through the store, told from NATS.
`;
readCommandLine(usage, { options: { help: { type: 'boolean', short: 'h' } } });

const DEV_SECRET = 'rtcroom-floor-dev-secret';

async function main(): Promise<void> {
  const env = process.env;
  const [host, port] = envAddress(env, 'FLOOR_ADDRESS', '127.0.0.1:7900').split(':');
  const secret = envSecret(env, 'ACCESS_TOKEN_SECRET', envBool(env, 'RTCROOM_DEV', false) ? DEV_SECRET : undefined);
  const design = env.FLOOR_STORE_ADDRESS
    ? await connectDesignPath({
        storeAddress: envAddress(env, 'FLOOR_STORE_ADDRESS', '127.0.0.1:7901'),
        natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
        prefix: env.FLOOR_SUBJECT_PREFIX ?? 'floor',
      })
    : undefined;
  const hub = new FloorHub({ host, port: Number(port), secret, design: design?.path });
  const address = await hub.start();
  process.stdout.write(`floor: listening on ws://${address}/v1/ws\n`);
  const shutdown = () => {
    void hub.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`floor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
