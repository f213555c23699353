// LOG_LEVEL is read the same way by every service (envLogLevel): a mistyped level stops the start
// naming the variable, where three services used to take it quietly for info.
import { ConfigError, Env } from '@rtcroom/common';
import { loadGatewayConfig } from '@rtcroom/gateway';
import { loadPresenceConfig } from '@rtcroom/presence';
import { loadRoomConfig } from '@rtcroom/room';
import { loadUrlIssuerConfig } from '@rtcroom/url-issuer';

const loaders: Array<[string, (env: Env) => { logLevel: string }]> = [
  ['gateway', loadGatewayConfig],
  ['presence', loadPresenceConfig],
  ['room', loadRoomConfig],
  ['url-issuer', loadUrlIssuerConfig],
];

it.each(loaders)('%s refuses a mistyped LOG_LEVEL, naming it, and takes the five levels', (_service, load) => {
  const dev = { RTCROOM_DEV: 'true' };
  let refusal: unknown;
  try {
    load({ ...dev, LOG_LEVEL: 'INFO ' });
  } catch (err) {
    refusal = err;
  }
  expect(refusal).toBeInstanceOf(ConfigError);
  expect(refusal).toMatchObject({ variable: 'LOG_LEVEL', message: expect.stringContaining('LOG_LEVEL must be one of debug, info, warn, error, silent') });
  for (const level of ['debug', 'info', 'warn', 'error', 'silent']) expect(load({ ...dev, LOG_LEVEL: level }).logLevel).toBe(level);
  expect(load(dev).logLevel).toBe('info');
});
