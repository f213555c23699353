// The secure-start rules of the shared config helpers: outside development (RTCROOM_DEV) no
// published or short secrets, no silent in-memory store or bus, no gRPC without TLS unless asked for
// by name; every refusal names the variable. (Certificate file checks: packages/dev/src/tls-config.integration.test.ts.)
import { ConfigError, envSecret, envServerUrl, envThirdPartyKey, loadGrpcClientTls, loadGrpcMuxLimits, loadGrpcSecurity } from './config';
import { devSecrets } from './published-secrets';

const strong = 'f3a1c9e0b7d2465e8a0c1b2d3e4f5a6b7c8d9e0f'; // 40 bytes, not published

function refusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('envSecret', () => {
  it('outside development: required, 32 bytes or more, never a value published in the repository', () => {
    expect(refusal(() => envSecret({}, 'ACCESS_TOKEN_SECRET', devSecrets.accessToken)).message).toMatch(/ACCESS_TOKEN_SECRET is required/);
    expect(refusal(() => envSecret({ ACCESS_TOKEN_SECRET: 'x'.repeat(31) }, 'ACCESS_TOKEN_SECRET')).message).toMatch(/at least 32 bytes/);
    // The old compose default and the dev default are long enough, and still refused.
    for (const published of ['change-me-access-token-secret', devSecrets.accessToken, devSecrets.mediaSigningKey]) {
      const err = refusal(() => envSecret({ MEDIA_SIGNING_KEY: published }, 'MEDIA_SIGNING_KEY'));
      expect([err.variable, err.message]).toEqual(['MEDIA_SIGNING_KEY', expect.stringMatching(/published in the rtcroom repository/)]);
    }
    expect(envSecret({ STREAM_ID_KEY: strong }, 'STREAM_ID_KEY')).toBe(strong);
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(envSecret({ STREAM_ID_KEY: '密'.repeat(11) }, 'STREAM_ID_KEY')).toBe('密'.repeat(11));
  });

  it('in development: the default stands in, and 16 characters do', () => {
    expect(envSecret({ RTCROOM_DEV: 'true' }, 'ACCESS_TOKEN_SECRET', devSecrets.accessToken)).toBe(devSecrets.accessToken);
    expect(envSecret({ RTCROOM_DEV: 'true', ACCESS_TOKEN_SECRET: 'sixteen-chars-ok' }, 'ACCESS_TOKEN_SECRET')).toBe('sixteen-chars-ok');
    expect(refusal(() => envSecret({ RTCROOM_DEV: 'true', ACCESS_TOKEN_SECRET: 'short' }, 'ACCESS_TOKEN_SECRET')).variable).toBe('ACCESS_TOKEN_SECRET');
  });
});

describe('envThirdPartyKey', () => {
  it('takes any length the provider chose, but not a published value outside development', () => {
    expect(envThirdPartyKey({ TENCENT_PUSH_KEY: 'k' }, 'TENCENT_PUSH_KEY', true)).toBe('k');
    expect(refusal(() => envThirdPartyKey({}, 'TENCENT_PUSH_KEY', true)).variable).toBe('TENCENT_PUSH_KEY');
    expect(envThirdPartyKey({}, 'TENCENT_CALLBACK_KEY', false)).toBeUndefined();
    expect(refusal(() => envThirdPartyKey({ TENCENT_CALLBACK_KEY: 'change-me-stream-id-key' }, 'TENCENT_CALLBACK_KEY', false)).variable).toBe('TENCENT_CALLBACK_KEY');
  });
});

describe('envServerUrl', () => {
  it('requires DATABASE_URL and NATS_URL outside development unless RTCROOM_EMBEDDED=true asks for the embedded ones', () => {
    for (const name of ['DATABASE_URL', 'NATS_URL'] as const) {
      const err = refusal(() => envServerUrl({}, name));
      expect([err.variable, err.message]).toEqual([name, expect.stringMatching(/RTCROOM_EMBEDDED=true/)]);
      expect(envServerUrl({ RTCROOM_EMBEDDED: 'true' }, name)).toBeUndefined();
      expect(envServerUrl({ RTCROOM_DEV: 'true' }, name)).toBeUndefined();
      expect(envServerUrl({ [name]: 'x://server' }, name)).toBe('x://server');
    }
    expect(refusal(() => envServerUrl({ RTCROOM_EMBEDDED: 'maybe' }, 'NATS_URL')).variable).toBe('RTCROOM_EMBEDDED');
  });
});

describe('loadGrpcSecurity', () => {
  it('requires TLS outside development unless RTCROOM_GRPC_INSECURE=true, which is then flagged for a warning', () => {
    const err = refusal(() => loadGrpcSecurity({}, 'room'));
    expect([err.variable, err.message]).toEqual(['GRPC_TLS_CA', expect.stringMatching(/RTCROOM_GRPC_INSECURE=true/)]);
    expect(loadGrpcSecurity({ RTCROOM_GRPC_INSECURE: 'true' }, 'room')).toEqual({ insecure: true });
    expect(loadGrpcSecurity({ RTCROOM_DEV: 'true' }, 'room')).toEqual({ insecure: false });
  });

  it('wants the three files together, and not with RTCROOM_GRPC_INSECURE', () => {
    expect(refusal(() => loadGrpcSecurity({ GRPC_TLS_CA: '/x/ca.crt' }, 'room')).variable).toBe('GRPC_TLS_CERT');
    expect(refusal(() => loadGrpcSecurity({ GRPC_TLS_CA: '/x/ca.crt', GRPC_TLS_CERT: '/x/room.crt' }, 'room')).variable).toBe('GRPC_TLS_KEY');
    expect(refusal(() => loadGrpcSecurity({ GRPC_TLS_CERT: '/x/room.crt', GRPC_TLS_KEY: '/x/room.key' }, 'room')).variable).toBe('GRPC_TLS_CA');
    const all = { GRPC_TLS_CA: '/x/ca.crt', GRPC_TLS_CERT: '/x/room.crt', GRPC_TLS_KEY: '/x/room.key' };
    expect(refusal(() => loadGrpcSecurity({ ...all, RTCROOM_GRPC_INSECURE: 'true' }, 'room')).variable).toBe('RTCROOM_GRPC_INSECURE');
    const missing = refusal(() => loadGrpcSecurity(all, 'room'));
    expect([missing.variable, missing.message]).toEqual(['GRPC_TLS_CA', expect.stringMatching(/cannot be read: \/x\/ca.crt \(ENOENT\)/)]);
  });

  it('a tool may present no certificate, but needs the CA with one', () => {
    expect(loadGrpcClientTls({})).toBeUndefined();
    expect(loadGrpcClientTls({ GRPC_TLS_CA: '/x/ca.crt' })).toEqual({ caFile: '/x/ca.crt' });
    expect(refusal(() => loadGrpcClientTls({ GRPC_TLS_CERT: '/x/i.crt', GRPC_TLS_KEY: '/x/i.key' })).variable).toBe('GRPC_TLS_CA');
    expect(refusal(() => loadGrpcClientTls({ GRPC_TLS_CA: '/x/ca.crt', GRPC_TLS_CERT: '/x/i.crt' })).variable).toBe('GRPC_TLS_KEY');
  });
});

describe('loadGrpcMuxLimits', () => {
  it('has defaults, takes whole numbers in range, and names the variable it refuses', () => {
    expect(loadGrpcMuxLimits({})).toEqual({ maxInFlight: 5000, defaultDeadlineMs: 30_000 });
    expect(loadGrpcMuxLimits({ RTCROOM_GRPC_MUX_MAX_IN_FLIGHT: '64', RTCROOM_GRPC_MUX_DEFAULT_DEADLINE_MS: '2500' })).toEqual({ maxInFlight: 64, defaultDeadlineMs: 2500 });
    expect(refusal(() => loadGrpcMuxLimits({ RTCROOM_GRPC_MUX_MAX_IN_FLIGHT: '0' })).variable).toBe('RTCROOM_GRPC_MUX_MAX_IN_FLIGHT');
    expect(refusal(() => loadGrpcMuxLimits({ RTCROOM_GRPC_MUX_MAX_IN_FLIGHT: 'lots' })).variable).toBe('RTCROOM_GRPC_MUX_MAX_IN_FLIGHT');
    expect(refusal(() => loadGrpcMuxLimits({ RTCROOM_GRPC_MUX_DEFAULT_DEADLINE_MS: '10' })).variable).toBe('RTCROOM_GRPC_MUX_DEFAULT_DEADLINE_MS');
  });
});
