// Resume tokens: "<session id>.<signature>", the signature an HMAC over the session and its identity
// with the gateway's secret, so any gateway of the deployment accepts it and only for that identity.
import { createHmac, timingSafeEqual } from 'node:crypto';

const sign = (secret: string, sessionId: string, identity: string) =>
  createHmac('sha256', secret).update(`resume\n${sessionId}\n${identity}`).digest('base64url');

export function issueResumeToken(secret: string, sessionId: string, identity: string): string {
  return `${sessionId}.${sign(secret, sessionId, identity)}`;
}

/** The session id, when the token is one this deployment issued to this identity; else null. */
export function verifyResumeToken(secret: string, token: string, identity: string): string | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const sessionId = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(secret, sessionId, identity), 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? sessionId : null;
}
