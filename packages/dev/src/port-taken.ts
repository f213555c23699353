// What the start command says when one of its addresses is taken (most often: `npm run up` is already
// running in another terminal) instead of grpc-js's or net's stack trace.
import { addressInUse, type Env } from '@rtcroom/common';

/** Each address the one-process start listens on, with its default (as start-all.ts and the services' config.ts have them). */
const listenAddresses: Record<string, string> = {
  GATEWAY_ADDRESS: '127.0.0.1:8787',
  GATEWAY_GRPC_ADDRESS: '127.0.0.1:50054',
  ROOM_GRPC_ADDRESS: '127.0.0.1:50051',
  PRESENCE_GRPC_ADDRESS: '127.0.0.1:50052',
  URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:50053',
  URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:8790',
  ROOM_METRICS_ADDRESS: '127.0.0.1:9461',
  PRESENCE_METRICS_ADDRESS: '127.0.0.1:9462',
  URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:9463',
  GATEWAY_METRICS_ADDRESS: '127.0.0.1:9464',
};

/** The line to print when a start failed on an address in use, naming it and its variable; undefined for any other failure. */
export function portTakenMessage(err: unknown, env: Env): string | undefined {
  const taken = addressInUse(err);
  if (!taken) return undefined;
  const variable = Object.keys(listenAddresses).find((name) => (env[name] ?? listenAddresses[name]) === taken);
  const change = variable ? `, or set ${variable} to another address (port 0: any free one)` : '';
  return `rtcroom failed to start: ${taken}${variable ? ` (${variable})` : ''} is in use: is \`npm run up\` already running? Stop it${change}\n`;
}
