// Opening a client's session: a new one, or, with a valid resume token, the session the client had
// before its connection dropped (on this gateway or another), seats and all.
import { AccessClaims, AccessTokenKeySet, isDomainError, Logger, newId } from '@rtcroom/common';
import { gatewayv1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import type { PresenceBatch } from './presence-batch';
import { issueResumeToken, verifyResumeToken } from './resume-token';

export interface OpenedSession {
  sessionId: string;
  welcome: gatewayv1.Welcome;
}

export async function openSession(
  backends: Backends,
  sessions: PresenceBatch,
  claims: AccessClaims,
  resumeToken: string | null,
  opts: {
    gatewayId: string;
    keys: AccessTokenKeySet;
    pingIntervalMs: number;
    logger: Logger;
    /** Runs before presence is asked to resume the session (the gateway orders it after a close of it under way here). */
    beforeResume?: (sessionId: string) => Promise<void>;
  },
): Promise<OpenedSession> {
  const identity = claims.sub;
  const base = { identity, pingIntervalMs: opts.pingIntervalMs, serverTime: new Date() };
  const resumeId = resumeToken ? verifyResumeToken(opts.keys, resumeToken, identity) : null;
  if (resumeId) {
    await opts.beforeResume?.(resumeId);
    try {
      const res = await backends.presence.resumeSession({ sessionId: resumeId, identity, gatewayId: opts.gatewayId });
      // Each seat's room's seq as the room service gave it with the seats; where it did not (an older
      // one), read as the gateway, not as a principal: the session's own seats, as presence holds them.
      const seq = async (roomId: string) => res.roomSeqs[roomId] ?? (await backends.room.getRoom({ roomId, name: '', principal: undefined })).seq;
      const seats = await Promise.all(res.seats.map(async (m) => ({ roomId: m.roomId, memberId: m.memberId, seq: await seq(m.roomId), role: m.role })));
      return {
        sessionId: resumeId,
        welcome: { ...base, sessionId: resumeId, resumeToken: issueResumeToken(opts.keys, resumeId, identity), resumeGraceMs: res.resumeGraceMs, resumed: true, seats },
      };
    } catch (err) {
      if (!isDomainError(err, 'SESSION_NOT_FOUND')) throw err;
      opts.logger.info('resume refused; a new session starts', { sessionId: resumeId, identity });
    }
  }
  const sessionId = newId('sess');
  const res = await sessions.open(sessionId, identity);
  return {
    sessionId,
    welcome: { ...base, sessionId, resumeToken: issueResumeToken(opts.keys, sessionId, identity), resumeGraceMs: res.resumeGraceMs, resumed: false, seats: [] },
  };
}
