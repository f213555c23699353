// Resume tokens: "<session id>.<signature>", the signature an HMAC over the session and its identity
// with the gateway's current access token key, so any gateway of the deployment accepts it (with any
// key it lists: a rotation does not end resumable sessions) and only for that identity.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { accessTokenSecrets, AccessTokenKeySet } from '@rtcroom/common';

const sign = (secret: string, sessionId: string, identity: string) =>
  createHmac('sha256', secret).update(`resume\n${sessionId}\n${identity}`).digest('base64url');

export function issueResumeToken(keys: AccessTokenKeySet, sessionId: string, identity: string): string {
  return `${sessionId}.${sign(accessTokenSecrets(keys).current, sessionId, identity)}`;
}

/** The session id, when the token is one this deployment issued to this identity; else null. */
export function verifyResumeToken(keys: AccessTokenKeySet, token: string, identity: string): string | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const sessionId = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const matches = (secret: string) => {
    const expected = Buffer.from(sign(secret, sessionId, identity), 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return accessTokenSecrets(keys).all.some(matches) ? sessionId : null;
}
