// Access tokens: HS256-signed JWTs (jose verifies them, and the gateway signs with it). The subject is
// the identity; grants say what the holder may do. Issued by business backends (or `npm run token`,
// or the gateway's TokenService), verified by the gateway.
//
// Keys rotate: the gateway holds several keys by id (kid), signs with the first (the current one) and
// accepts a token signed by any key still listed. A token names its key in its header's kid; one
// without a kid (from a single ACCESS_TOKEN_SECRET, or a backend that sets none) is checked against
// each listed key. Every token carries iss and aud, and nbf: the gateway refuses a token for another
// issuer or audience and one not valid yet.
import { createHmac, createSecretKey, KeyObject } from 'node:crypto';
import { errors as joseErrors, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { DomainError } from './errors';
import { type Grants, identityPattern } from './grants';

export type { Grants };
export { identityPattern };

export interface AccessClaims {
  /** The identity: 1-128 characters of [A-Za-z0-9_.@-]. */
  sub: string;
  /** Expiry, UNIX seconds. */
  exp: number;
  iat: number;
  /** Not valid before, UNIX seconds (tokens from before key rotation may lack it). */
  nbf?: number;
  iss: string;
  aud: string | string[];
  /** Display name to use when the client gives none. */
  name?: string;
  grants: Grants;
}

/** One HS256 key; `kid` names it in the tokens it signs (none for a lone ACCESS_TOKEN_SECRET). */
export interface AccessTokenKey {
  kid?: string;
  secret: string;
}

/**
 * The keys tokens are signed and checked with: keys[0] signs, every key listed verifies. `issuer` and
 * `audience` go into the tokens and are required of them (default: both "rtcroom").
 */
export interface AccessTokenKeys {
  keys: readonly AccessTokenKey[];
  issuer?: string;
  audience?: string;
}

/** A lone secret (no kid, default issuer and audience) or a key set. */
export type AccessTokenKeySet = string | AccessTokenKeys;

export const defaultTokenIssuer = 'rtcroom';
export const defaultTokenAudience = 'rtcroom';
export const kidPattern = /^[A-Za-z0-9_.-]{1,64}$/;

export interface IssueTokenOptions {
  identity: string;
  ttlSeconds?: number;
  name?: string;
  grants?: Grants;
  now?: number;
}

/** Create and join rooms. Listing rooms (roomList) is a grant of its own, for lobby apps that need it. */
export const defaultGrants: Grants = { roomCreate: true, roomJoin: true };

interface Prepared {
  current: { kid?: string; key: KeyObject; secret: string };
  byKid: Map<string, KeyObject>;
  all: KeyObject[];
  issuer: string;
  audience: string;
}

// Keys are made into KeyObjects once per key set (the gateway's lives as long as the process).
const preparedSets = new WeakMap<AccessTokenKeys, Prepared>();
const preparedSecrets = new Map<string, Prepared>();

function prepare(keySet: AccessTokenKeySet): Prepared {
  if (typeof keySet === 'string') {
    let p = preparedSecrets.get(keySet);
    if (!p) {
      if (preparedSecrets.size > 100) preparedSecrets.clear(); // tests sign with many secrets
      p = prepareKeys({ keys: [{ secret: keySet }] });
      preparedSecrets.set(keySet, p);
    }
    return p;
  }
  let p = preparedSets.get(keySet);
  if (!p) {
    p = prepareKeys(keySet);
    preparedSets.set(keySet, p);
  }
  return p;
}

function prepareKeys(set: AccessTokenKeys): Prepared {
  const [first] = set.keys;
  if (!first) throw new DomainError('INTERNAL', 'no access token key');
  const byKid = new Map<string, KeyObject>();
  const all = set.keys.map((k) => {
    const key = createSecretKey(Buffer.from(k.secret, 'utf8'));
    if (k.kid !== undefined) byKid.set(k.kid, key);
    return key;
  });
  return {
    current: { kid: first.kid, key: all[0]!, secret: first.secret },
    byKid,
    all,
    issuer: set.issuer ?? defaultTokenIssuer,
    audience: set.audience ?? defaultTokenAudience,
  };
}

function claimsFor(p: Prepared, opts: IssueTokenOptions): AccessClaims {
  if (!identityPattern.test(opts.identity)) {
    throw new DomainError('INVALID_ARGUMENT', 'identity must be 1-128 characters of A-Z a-z 0-9 _ . @ -');
  }
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  return {
    sub: opts.identity,
    iss: p.issuer,
    aud: p.audience,
    iat,
    nbf: iat,
    exp: iat + (opts.ttlSeconds ?? 6 * 3600),
    grants: opts.grants ?? defaultGrants,
    ...(opts.name ? { name: opts.name } : {}),
  };
}

const headerOf = (kid: string | undefined) => (kid === undefined ? { alg: 'HS256', typ: 'JWT' } : { alg: 'HS256', typ: 'JWT', kid });

/** Signs a token with the current key, through jose (the gateway's TokenService and /dev/token). */
export async function signAccessToken(keySet: AccessTokenKeySet, opts: IssueTokenOptions): Promise<string> {
  const p = prepare(keySet);
  const claims = claimsFor(p, opts);
  return new SignJWT(claims as unknown as JWTPayload).setProtectedHeader(headerOf(p.current.kid)).sign(p.current.key);
}

/**
 * The same token as signAccessToken, byte for byte (a test holds them to it), made synchronously: for
 * tools and tests that mint tokens where no await fits. HS256 signing is one HMAC; the checks that
 * matter are verifyAccessToken's, which jose makes.
 */
export function issueAccessToken(keySet: AccessTokenKeySet, opts: IssueTokenOptions): string {
  const p = prepare(keySet);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${b64(headerOf(p.current.kid))}.${b64(claimsFor(p, opts))}`;
  return `${body}.${createHmac('sha256', p.current.secret).update(body).digest('base64url')}`;
}

/**
 * Verifies signature (HS256 only, by a listed key), expiry, nbf, issuer and audience, and the claims
 * rtcroom needs. Throws DomainError TOKEN_EXPIRED for an expired token and UNAUTHENTICATED for
 * anything else.
 */
export async function verifyAccessToken(keySet: AccessTokenKeySet, token: string, now = Date.now()): Promise<AccessClaims> {
  const p = prepare(keySet);
  if (typeof token !== 'string' || token.split('.').length !== 3) throw new DomainError('UNAUTHENTICATED', 'access token is malformed');
  const options = { algorithms: ['HS256'], issuer: p.issuer, audience: p.audience, currentDate: new Date(now), requiredClaims: ['sub', 'exp'] };
  let kid: unknown;
  try {
    kid = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'))?.kid;
  } catch (err) {
    throw new DomainError('UNAUTHENTICATED', 'access token is malformed', {}, { cause: err });
  }
  let candidates: KeyObject[];
  if (kid === undefined) candidates = p.all;
  else {
    const key = typeof kid === 'string' ? p.byKid.get(kid) : undefined;
    if (!key) throw new DomainError('UNAUTHENTICATED', 'access token is signed with a key this gateway does not hold (kid)');
    candidates = [key];
  }
  let payload: JWTPayload | undefined;
  let failure: unknown;
  for (const key of candidates) {
    try {
      payload = (await jwtVerify(token, key, options)).payload;
      break;
    } catch (err) {
      failure = err;
      if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) break; // another key would not help
    }
  }
  if (!payload) throw refusal(failure);
  const claims = payload as unknown as AccessClaims;
  if (typeof claims.sub !== 'string' || !identityPattern.test(claims.sub)) {
    throw new DomainError('UNAUTHENTICATED', 'access token lacks a valid sub');
  }
  claims.grants = claims.grants && typeof claims.grants === 'object' ? claims.grants : {};
  return claims;
}

function refusal(err: unknown): DomainError {
  const options = { cause: err };
  if (err instanceof joseErrors.JWTExpired) return new DomainError('TOKEN_EXPIRED', 'access token has expired', {}, options);
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new DomainError('UNAUTHENTICATED', 'access token signature is invalid', {}, options);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const why: Record<string, string> = { nbf: 'is not valid yet (nbf)', iss: 'is for another issuer (iss)', aud: 'is for another audience (aud)' };
    return new DomainError('UNAUTHENTICATED', `access token ${why[err.claim] ?? `has an invalid ${err.claim} claim`}`, {}, options);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new DomainError('UNAUTHENTICATED', 'access token must be signed with HS256', {}, options);
  return new DomainError('UNAUTHENTICATED', 'access token is malformed', {}, options);
}

/** Signs and checks resume tokens and the like with the access token keys: the current one signs, any listed one verifies. */
export function accessTokenSecrets(keySet: AccessTokenKeySet): { current: string; all: string[] } {
  if (typeof keySet === 'string') return { current: keySet, all: [keySet] };
  return { current: keySet.keys[0]!.secret, all: keySet.keys.map((k) => k.secret) };
}
