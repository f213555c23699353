// Each service's configuration outside development mode (no RTCROOM_DEV): it refuses to start until
// every secret is real, the store and bus are real (or the embedded ones are asked for by name), and
// gRPC is mutual TLS (or plain by name), and each refusal names the variable to set.
import { randomBytes } from 'node:crypto';
import { ConfigError, Env } from '@rtcroom/common';
import { loadGatewayConfig } from '@rtcroom/gateway';
import { loadPresenceConfig } from '@rtcroom/presence';
import { loadRoomConfig } from '@rtcroom/room';
import { loadUrlIssuerConfig } from '@rtcroom/url-issuer';

const secret = () => randomBytes(32).toString('hex');

/** Adds what each refusal asks for, one variable at a time, and lists the variables named on the way. */
function refusalsUntilStart(load: (env: Env) => unknown, answers: Env): string[] {
  const env: Env = {};
  const named: string[] = [];
  for (;;) {
    try {
      load(env);
      return named;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      expect(err.message).toContain(err.variable);
      if (named.includes(err.variable) || answers[err.variable] === undefined) throw err;
      named.push(err.variable);
      env[err.variable] = answers[err.variable];
    }
  }
}

const answers: Env = {
  ACCESS_TOKEN_SECRET: secret(),
  STREAM_ID_KEY: secret(),
  MEDIA_SIGNING_KEY: secret(),
  DATABASE_URL: 'postgres://rtcroom@db/rtcroom',
  NATS_URL: 'nats://nats:4222',
  // Stands for the three GRPC_TLS_* files here (their checks: tls-config.integration.test.ts).
  GRPC_TLS_CA: undefined,
};

describe('a service started outside development mode', () => {
  it('names every variable it needs before it starts', () => {
    const plainGrpc = { ...answers, RTCROOM_GRPC_INSECURE: 'true' };
    const withInsecure = (load: (env: Env) => unknown) => (env: Env) => load({ RTCROOM_GRPC_INSECURE: 'true', ...env });
    expect(refusalsUntilStart(withInsecure(loadRoomConfig), plainGrpc)).toEqual(['DATABASE_URL', 'NATS_URL']);
    expect(refusalsUntilStart(withInsecure(loadPresenceConfig), plainGrpc)).toEqual(['NATS_URL']);
    expect(refusalsUntilStart(withInsecure(loadGatewayConfig), plainGrpc)).toEqual(['ACCESS_TOKEN_SECRET', 'NATS_URL']);
    expect(refusalsUntilStart(withInsecure(loadUrlIssuerConfig), plainGrpc)).toEqual(['STREAM_ID_KEY', 'MEDIA_SIGNING_KEY', 'NATS_URL', 'DATABASE_URL']);
  });

  it('does not speak plain gRPC unless RTCROOM_GRPC_INSECURE=true says so', () => {
    const ready = { ...answers };
    for (const load of [loadRoomConfig, loadPresenceConfig, loadGatewayConfig, loadUrlIssuerConfig] as Array<(env: Env) => { grpcSecurity: unknown }>) {
      expect(() => load(ready)).toThrow(expect.objectContaining({ variable: 'GRPC_TLS_CA' }));
      expect(load({ ...ready, RTCROOM_GRPC_INSECURE: 'true' }).grpcSecurity).toEqual({ insecure: true });
    }
  });

  it('refuses the secrets the compose file and the development mode published', () => {
    const ready = { ...answers, RTCROOM_GRPC_INSECURE: 'true' };
    expect(() => loadGatewayConfig({ ...ready, ACCESS_TOKEN_SECRET: 'change-me-access-token-secret' })).toThrow(expect.objectContaining({ variable: 'ACCESS_TOKEN_SECRET' }));
    expect(() => loadGatewayConfig({ ...ready, ACCESS_TOKEN_SECRET: 'rtcroom-dev-secret-do-not-use-in-production' })).toThrow(expect.objectContaining({ variable: 'ACCESS_TOKEN_SECRET' }));
    expect(() => loadUrlIssuerConfig({ ...ready, STREAM_ID_KEY: 'change-me-stream-id-key' })).toThrow(expect.objectContaining({ variable: 'STREAM_ID_KEY' }));
    expect(() => loadUrlIssuerConfig({ ...ready, MEDIA_SIGNING_KEY: 'change-me-media-signing-key' })).toThrow(expect.objectContaining({ variable: 'MEDIA_SIGNING_KEY' }));
  });

  it('runs on the embedded store and bus when RTCROOM_EMBEDDED=true asks for them', () => {
    const embedded = { RTCROOM_EMBEDDED: 'true', RTCROOM_GRPC_INSECURE: 'true', ACCESS_TOKEN_SECRET: secret(), STREAM_ID_KEY: secret(), MEDIA_SIGNING_KEY: secret() };
    expect(loadRoomConfig(embedded)).toMatchObject({ databaseUrl: undefined, natsUrl: undefined });
    expect(loadPresenceConfig(embedded).natsUrl).toBeUndefined();
    expect(loadGatewayConfig(embedded).natsUrl).toBeUndefined();
    expect(loadUrlIssuerConfig(embedded)).toMatchObject({ databaseUrl: undefined, natsUrl: undefined });
  });
});
