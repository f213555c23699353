// The one start command: starts the whole system in this process and says how to try it.
import { readCommandLine } from '@rtcroom/common';
import { demoCommand } from './demo-command';
import { portTakenMessage } from './port-taken';
import { lanUrlLines } from './lan-urls';
import { builtConsoleDir, RunningSystem, startAll } from './start-all';

const usage = `usage: npm run up   (installs and builds what changed first; npm start runs what is built)
Starts the gateway, room, presence and url-issuer in this process, in development mode, configured by
the environment (README "Configuration"): without DATABASE_URL embedded stores in .rtcroom-data/,
without NATS_URL an in-process bus; RTCROOM_CERTS_DIR for mutual TLS between the services (npm run
certs); an address with port 0 listens on any free port (the banner says which). Ctrl-C stops everything.
`;
readCommandLine(usage, { options: { help: { type: 'boolean', short: 'h' } } });

async function main() {
  // The embedded stores keep their data between starts unless told otherwise (an empty one in memory
  // costs the url-issuer 5 s of initdb on every start); the web console is served from its build unless
  // GATEWAY_CONSOLE_DIR says otherwise.
  const env = {
    EMBEDDED_DATA_DIR: '.rtcroom-data/pglite',
    URL_ISSUER_EMBEDDED_DATA_DIR: '.rtcroom-data/url-issuer',
    GATEWAY_CONSOLE_DIR: builtConsoleDir(),
    ...process.env,
  };
  const system = await startAll({ env });
  const http = system.gatewayUrl.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '');
  process.stdout.write(
    [
      '',
      'rtcroom is up.',
      `  gateway (WebSocket): ${system.gatewayUrl}`,
      ...lanUrlLines(system.gatewayAddress, env),
      `  store:  ${system.embeddedDatabase ? `embedded PGlite in ${env.EMBEDDED_DATA_DIR} (set DATABASE_URL for a real Postgres)` : 'Postgres at DATABASE_URL'}`,
      `  events: ${system.embeddedBus ? 'in-process bus (set NATS_URL for a real NATS)' : 'NATS at NATS_URL'}`,
      `  gRPC:   room ${system.roomGrpcAddress} (npm run desk), TokenService ${system.gatewayGrpcAddress};`,
      `          ${system.certsDir ? `mutual TLS with the certificates in ${system.certsDir}` : 'plain, every caller trusted (npm run certs, then RTCROOM_CERTS_DIR, for mutual TLS)'}`,
      `  metrics: ${metricsLine(system.metricsAddresses)}`,
      `  dev token: ${http}/dev/token?identity=alice`,
      `  web console: ${system.consoleUrl ?? 'not built (npm run build makes packages/console/dist)'}`,
      '',
      'Try the thin path with two demo clients, in another terminal:',
      `  ${demoCommand(system.gatewayUrl)}`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const stop = () => system.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(portTakenMessage(err, process.env) ?? `rtcroom failed to start: ${err?.stack ?? err}\n`);
  process.exit(err?.name === 'ConfigError' ? 2 : 1);
});

/** Where each service's /metrics is, as the README's Metrics section names them. */
function metricsLine(addresses: RunningSystem['metricsAddresses']): string {
  const at = (name: string, address: string | undefined) => `${name} ${address ? `http://${address}/metrics` : 'off'}`;
  return [at('gateway', addresses.gateway), at('room', addresses.room), at('presence', addresses.presence), at('url-issuer', addresses.urlIssuer)].join(', ');
}
