import { issueAccessToken, verifyAccessToken } from './access-token';
import { DomainError } from './errors';

const secret = 'a-test-secret-of-some-length';

describe('access tokens', () => {
  it('round-trips identity, expiry and grants', () => {
    const token = issueAccessToken(secret, { identity: 'alice', ttlSeconds: 60, grants: { roomJoin: true, room: 'demo' } });
    const claims = verifyAccessToken(secret, token);
    expect(claims.sub).toBe('alice');
    expect(claims.grants).toEqual({ roomJoin: true, room: 'demo' });
    expect(claims.exp - claims.iat).toBe(60);
  });

  it('refuses a token signed with another secret', () => {
    const token = issueAccessToken('another-secret-entirely', { identity: 'alice' });
    expect(() => verifyAccessToken(secret, token)).toThrow(expect.objectContaining({ reason: 'UNAUTHENTICATED' }));
  });

  it('refuses a token whose body was altered', () => {
    const [h, , s] = issueAccessToken(secret, { identity: 'alice' }).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', exp: 9e9, iat: 0, grants: {} })).toString('base64url');
    expect(() => verifyAccessToken(secret, `${h}.${forged}.${s}`)).toThrow(DomainError);
  });

  it('refuses an expired token with TOKEN_EXPIRED', () => {
    const token = issueAccessToken(secret, { identity: 'alice', ttlSeconds: 10, now: Date.now() - 60_000 });
    expect(() => verifyAccessToken(secret, token)).toThrow(expect.objectContaining({ reason: 'TOKEN_EXPIRED' }));
  });

  it.each(['', 'abc', 'a.b', 'a.b.c.d', 'x.y.z'])('refuses garbage %p', (garbage) => {
    expect(() => verifyAccessToken(secret, garbage)).toThrow(expect.objectContaining({ reason: 'UNAUTHENTICATED' }));
  });
});
