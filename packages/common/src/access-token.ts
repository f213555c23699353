// Access tokens: HS256-signed JWTs, as the anchors use. The subject is the identity; grants say what
// the holder may do. Issued by business backends (or `npm run token`), verified by the gateway.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors';

export interface Grants {
  /** May create rooms (explicitly, or by joining with create_if_missing). */
  roomCreate?: boolean;
  /** May join rooms: any room, or only `room` when set. */
  roomJoin?: boolean;
  /** The one room (name or id) the token acts in: it joins, creates, reads and manages no other. */
  room?: string;
  /** May list open rooms and read rooms one is not in (a lobby); with `room`, only that room. */
  roomList?: boolean;
  /** May update and close rooms and remove members: in `room` when set, in every room when not. */
  roomAdmin?: boolean;
  /** The service-desk teams (ids or names) the holder is an agent of. */
  agentTeams?: string[];
}

export interface AccessClaims {
  /** The identity: 1-128 characters of [A-Za-z0-9_.@-]. */
  sub: string;
  /** Expiry, UNIX seconds. */
  exp: number;
  iat: number;
  /** Display name to use when the client gives none. */
  name?: string;
  grants: Grants;
}

export const identityPattern = /^[A-Za-z0-9_.@-]{1,128}$/;
const b64url = (buf: Buffer) => buf.toString('base64url');
const header = b64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));

export interface IssueTokenOptions {
  identity: string;
  ttlSeconds?: number;
  name?: string;
  grants?: Grants;
  now?: number;
}

/** Create and join rooms. Listing rooms (roomList) is a grant of its own, for lobby apps that need it. */
export const defaultGrants: Grants = { roomCreate: true, roomJoin: true };

export function issueAccessToken(secret: string, opts: IssueTokenOptions): string {
  if (!identityPattern.test(opts.identity)) {
    throw new DomainError('INVALID_ARGUMENT', 'identity must be 1-128 characters of A-Z a-z 0-9 _ . @ -');
  }
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const claims: AccessClaims = {
    sub: opts.identity,
    iat,
    exp: iat + (opts.ttlSeconds ?? 6 * 3600),
    grants: opts.grants ?? defaultGrants,
    ...(opts.name ? { name: opts.name } : {}),
  };
  const body = `${header}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
  return `${body}.${b64url(createHmac('sha256', secret).update(body).digest())}`;
}

/** Verifies signature and expiry; throws UNAUTHENTICATED or TOKEN_EXPIRED. */
export function verifyAccessToken(secret: string, token: string, now = Date.now()): AccessClaims {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) throw new DomainError('UNAUTHENTICATED', 'access token is malformed');
  const [h, p, s] = parts;
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new DomainError('UNAUTHENTICATED', 'access token signature is invalid');
  }
  let claims: AccessClaims;
  try {
    const head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    if (head.alg !== 'HS256') throw new Error('alg');
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch (err) {
    throw new DomainError('UNAUTHENTICATED', 'access token is malformed', {}, { cause: err });
  }
  if (typeof claims.sub !== 'string' || !identityPattern.test(claims.sub) || typeof claims.exp !== 'number') {
    throw new DomainError('UNAUTHENTICATED', 'access token lacks a valid sub or exp');
  }
  if (claims.exp * 1000 <= now) throw new DomainError('TOKEN_EXPIRED', 'access token has expired');
  claims.grants = claims.grants && typeof claims.grants === 'object' ? claims.grants : {};
  return claims;
}
