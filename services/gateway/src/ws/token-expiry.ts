// A connection lasts as long as its access token, not only until it is accepted: the client is told
// ahead of the token's expiry (tokenExpiring), may send a fresh token over the socket (refreshToken),
// and is cut off when the token runs out without one (error TOKEN_EXPIRED, close 4001).
//
// Expiry is checked in the gateway's liveness sweep (every 250 ms at most, over every connection)
// rather than with a timer per connection: a comparison or two per connection and sweep, where a timer
// each would cost its own object (20,000 idle connections is a bench target) and a re-arm on every
// refresh. A connection is cut off within one sweep of its token's exp.
import { AccessTokenKeySet, Logger, verifyAccessToken } from '@rtcroom/common';
import { gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { closeCodes, Connection } from './connection';

export class TokenExpiry {
  constructor(
    private readonly keys: AccessTokenKeySet,
    /** How long before exp the client is told (GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS). */
    private readonly noticeMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Tells a connection its token is about to expire, or ends it when it has: true when it was closed
   * (its session stays resumable, like any drop: the client may come back with a fresh token).
   */
  check(conn: Connection, now: number): boolean {
    const { exp } = conn.claims;
    const left = exp * 1000 - now;
    if (left <= 0) {
      this.logger.info('access token expired; connection closed', { sessionId: conn.sessionId, identity: conn.identity });
      conn.send({ requestId: '', message: { $case: 'error', value: { code: 'TOKEN_EXPIRED', message: 'the access token expired; reconnect with a fresh one (and the resume token)' } } });
      conn.close(closeCodes.unauthenticated, 'TOKEN_EXPIRED');
      return true;
    }
    // Not before the welcome (sent in the same turn as the session id is set): it must come first.
    if (left <= this.noticeMs && conn.expiryNoticeSentFor !== exp && conn.sessionId) {
      conn.expiryNoticeSentFor = exp;
      conn.send({ requestId: '', message: { $case: 'tokenExpiring', value: { expireTime: new Date(exp * 1000) } } });
    }
    return false;
  }

  /**
   * refreshToken: the fresh token replaces the connection's claims (grants and exp) if it verifies and
   * names the same identity; otherwise nothing changes and the old token keeps counting down.
   */
  async refresh(conn: Connection, req: gatewayv1.RefreshTokenRequest): Promise<gatewayv1.RefreshTokenResponse> {
    if (!req.accessToken) throw new GatewayError('UNAUTHENTICATED', 'refreshToken needs an accessToken');
    const claims = await verifyAccessToken(this.keys, req.accessToken); // UNAUTHENTICATED or TOKEN_EXPIRED
    if (claims.sub !== conn.identity) {
      throw new GatewayError('PERMISSION_DENIED', `the token is for another identity than this connection's (${conn.identity})`);
    }
    conn.claims = claims;
    return { expireTime: new Date(claims.exp * 1000) };
  }
}
