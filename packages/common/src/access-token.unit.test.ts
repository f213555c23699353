import { AccessTokenKeys, issueAccessToken, signAccessToken, verifyAccessToken } from './access-token';
import { loadAccessTokenKeys } from './config';

const secret = 'a-test-secret-of-some-length';
const refusedWith = (reason: string, message?: RegExp) => expect.objectContaining({ reason, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('access tokens', () => {
  it('round-trips identity, expiry and grants, with iss, aud and nbf', async () => {
    const token = issueAccessToken(secret, { identity: 'alice', ttlSeconds: 60, grants: { roomJoin: true, room: 'demo' } });
    const claims = await verifyAccessToken(secret, token);
    expect(claims.sub).toBe('alice');
    expect(claims.grants).toEqual({ roomJoin: true, room: 'demo' });
    expect(claims.exp - claims.iat).toBe(60);
    expect(claims).toMatchObject({ iss: 'rtcroom', aud: 'rtcroom', nbf: claims.iat });
  });

  it('jose signs the same token the synchronous issuer makes, byte for byte', async () => {
    const keys: AccessTokenKeys = { keys: [{ kid: 'k2', secret }, { kid: 'k1', secret: 'x'.repeat(32) }], issuer: 'acme', audience: 'acme-rooms' };
    const opts = { identity: 'alice', name: 'Alice', ttlSeconds: 600, grants: { roomAdmin: true }, now: 1_800_000_000_000 };
    expect(await signAccessToken(keys, opts)).toBe(issueAccessToken(keys, opts));
    expect(await signAccessToken(secret, opts)).toBe(issueAccessToken(secret, opts));
    const header = JSON.parse(Buffer.from(issueAccessToken(keys, opts).split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'k2' });
  });

  it('refuses a token signed with another secret', async () => {
    const token = issueAccessToken('another-secret-entirely', { identity: 'alice' });
    await expect(verifyAccessToken(secret, token)).rejects.toEqual(refusedWith('UNAUTHENTICATED', /signature/));
  });

  it('refuses a token whose body was altered', async () => {
    const [h, , s] = issueAccessToken(secret, { identity: 'alice' }).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', exp: 9e9, iat: 0, iss: 'rtcroom', aud: 'rtcroom', grants: {} })).toString('base64url');
    await expect(verifyAccessToken(secret, `${h}.${forged}.${s}`)).rejects.toEqual(refusedWith('UNAUTHENTICATED'));
  });

  it('refuses alg none and other algorithms', async () => {
    const [, body] = issueAccessToken(secret, { identity: 'alice' }).split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expect(verifyAccessToken(secret, `${none}.${body}.`)).rejects.toEqual(refusedWith('UNAUTHENTICATED'));
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const token = issueAccessToken(secret, { identity: 'alice', ttlSeconds: 10, now: Date.now() - 60_000 });
    await expect(verifyAccessToken(secret, token)).rejects.toEqual(refusedWith('TOKEN_EXPIRED'));
  });

  it('refuses a token not valid yet (nbf in the future)', async () => {
    const token = issueAccessToken(secret, { identity: 'alice', ttlSeconds: 600, now: Date.now() + 120_000 });
    await expect(verifyAccessToken(secret, token)).rejects.toEqual(refusedWith('UNAUTHENTICATED', /not valid yet \(nbf\)/));
  });

  it('refuses a token for another issuer or audience', async () => {
    const ours: AccessTokenKeys = { keys: [{ secret }], issuer: 'acme', audience: 'acme-rooms' };
    const otherIssuer = issueAccessToken({ ...ours, issuer: 'evil' }, { identity: 'alice' });
    const otherAudience = issueAccessToken({ ...ours, audience: 'acme-billing' }, { identity: 'alice' });
    await expect(verifyAccessToken(ours, otherIssuer)).rejects.toEqual(refusedWith('UNAUTHENTICATED', /another issuer \(iss\)/));
    await expect(verifyAccessToken(ours, otherAudience)).rejects.toEqual(refusedWith('UNAUTHENTICATED', /another audience \(aud\)/));
    await expect(verifyAccessToken(ours, issueAccessToken(secret, { identity: 'alice' }))).rejects.toEqual(refusedWith('UNAUTHENTICATED', /issuer/));
    await expect(verifyAccessToken(ours, issueAccessToken(ours, { identity: 'alice' }))).resolves.toMatchObject({ sub: 'alice' });
  });

  it('rotates keys: a token of the old key verifies while it is listed, and is refused once removed', async () => {
    const old = 'o'.repeat(40);
    const fresh = 'n'.repeat(40);
    const before = loadAccessTokenKeys({ ACCESS_TOKEN_KEYS: `2026-01:${old}` });
    const during = loadAccessTokenKeys({ ACCESS_TOKEN_KEYS: `2026-06:${fresh},2026-01:${old}` });
    const after = loadAccessTokenKeys({ ACCESS_TOKEN_KEYS: `2026-06:${fresh}` });
    const oldToken = issueAccessToken(before, { identity: 'alice' });
    const newToken = await signAccessToken(during, { identity: 'bob' });
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid).toBe('2026-06');
    await expect(verifyAccessToken(during, oldToken)).resolves.toMatchObject({ sub: 'alice' });
    await expect(verifyAccessToken(after, newToken)).resolves.toMatchObject({ sub: 'bob' });
    await expect(verifyAccessToken(after, oldToken)).rejects.toEqual(refusedWith('UNAUTHENTICATED', /key this gateway does not hold/));
    // A token without a kid (a lone ACCESS_TOKEN_SECRET's) is checked against each listed key.
    const lone = issueAccessToken(old, { identity: 'carol' });
    await expect(verifyAccessToken(during, lone)).resolves.toMatchObject({ sub: 'carol' });
    await expect(verifyAccessToken(after, lone)).rejects.toEqual(refusedWith('UNAUTHENTICATED', /signature/));
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', 'x.y.z', '..', 'eyJhbGciOiJIUzI1NiJ9..'])('refuses garbage %p', async (garbage) => {
    await expect(verifyAccessToken(secret, garbage)).rejects.toEqual(refusedWith('UNAUTHENTICATED'));
  });
});

describe('loadAccessTokenKeys', () => {
  const strong = (c: string) => c.repeat(32);
  const refusal = (env: Record<string, string>) => {
    try {
      loadAccessTokenKeys(env);
    } catch (err) {
      return err as { variable: string; message: string };
    }
    throw new Error('accepted');
  };

  it('takes ACCESS_TOKEN_SECRET as one key without a kid, and ACCESS_TOKEN_KEYS as several, the first current', () => {
    expect(loadAccessTokenKeys({ ACCESS_TOKEN_SECRET: strong('a') })).toEqual({ keys: [{ secret: strong('a') }], issuer: 'rtcroom', audience: 'rtcroom' });
    expect(loadAccessTokenKeys({ ACCESS_TOKEN_KEYS: `b:${strong('b')},a:${strong('a')}`, ACCESS_TOKEN_ISSUER: 'acme', ACCESS_TOKEN_AUDIENCE: 'rooms' })).toEqual({
      keys: [{ kid: 'b', secret: strong('b') }, { kid: 'a', secret: strong('a') }],
      issuer: 'acme',
      audience: 'rooms',
    });
  });

  it('holds every key to the secure start rules, naming the variable and the key', () => {
    expect(refusal({ ACCESS_TOKEN_KEYS: `new:${strong('b')},old:short` })).toMatchObject({ variable: 'ACCESS_TOKEN_KEYS', message: expect.stringMatching(/key "old" must be at least 32 bytes/) });
    expect(refusal({ ACCESS_TOKEN_KEYS: 'k:rtcroom-dev-secret-do-not-use-in-production' })).toMatchObject({ variable: 'ACCESS_TOKEN_KEYS', message: expect.stringMatching(/published/) });
    expect(refusal({ ACCESS_TOKEN_KEYS: strong('b') })).toMatchObject({ variable: 'ACCESS_TOKEN_KEYS', message: expect.stringMatching(/kid:secret/) });
    expect(refusal({ ACCESS_TOKEN_KEYS: `a:${strong('b')},a:${strong('c')}` })).toMatchObject({ variable: 'ACCESS_TOKEN_KEYS', message: expect.stringMatching(/twice/) });
    expect(refusal({ ACCESS_TOKEN_KEYS: `a:${strong('b')}`, ACCESS_TOKEN_SECRET: strong('c') })).toMatchObject({ variable: 'ACCESS_TOKEN_KEYS' });
    expect(refusal({})).toMatchObject({ variable: 'ACCESS_TOKEN_SECRET' });
  });
});
