// A client's session: which gateway holds its connection, and whether that connection is up or
// dropped (then it can be resumed until the grace period is over). Nothing here knows of gRPC or NATS.
export type SessionState = 'connected' | 'interrupted';

export interface Session {
  sessionId: string;
  identity: string;
  gatewayId: string;
  state: SessionState;
  openedAt: Date;
  interruptedAt: Date | null;
  /** When it was last opened or resumed (records written before it was kept: openedAt). */
  connectedAt: Date;
}

export interface LivenessPolicy {
  /** A gateway silent this long has lost all its connections. */
  sessionTimeoutMs: number;
  /** How long a dropped session keeps its seats, waiting to be resumed. */
  resumeGraceMs: number;
}

export type SweepVerdict = 'keep' | 'interrupt' | 'expire';

/**
 * What a sweep does with a session, given when its gateway was last heard from. `storeLastFailed`:
 * when the session store last refused a write here. While it refuses them (a NATS cluster electing a
 * new leader for the bucket takes seconds) no gateway's keepalive can be recorded, so a gateway's
 * silence counts only from the end of such an outage: else losing one NATS node would look like
 * every gateway dying, and every session in the deployment would be interrupted and then expired.
 */
export function judgeSession(s: Session, gatewayLastSeen: Date | undefined, now: Date, policy: LivenessPolicy, storeLastFailed?: Date): SweepVerdict {
  if (s.state === 'interrupted') {
    return s.interruptedAt && now.getTime() - s.interruptedAt.getTime() >= policy.resumeGraceMs ? 'expire' : 'keep';
  }
  const heard = Math.max(gatewayLastSeen?.getTime() ?? 0, s.openedAt.getTime(), storeLastFailed?.getTime() ?? 0);
  return now.getTime() - heard >= policy.sessionTimeoutMs ? 'interrupt' : 'keep';
}

export function interrupt(s: Session, now: Date): Session {
  return s.state === 'interrupted' ? s : { ...s, state: 'interrupted', interruptedAt: now };
}

/** Whether a session can still be resumed by this identity. */
export function canResume(s: Session | undefined, identity: string, now: Date, policy: LivenessPolicy): s is Session {
  if (!s || s.identity !== identity) return false;
  return judgeSession(s, undefined, now, { ...policy, sessionTimeoutMs: Number.POSITIVE_INFINITY }) !== 'expire';
}

export function resumeOn(s: Session, gatewayId: string, now: Date): Session {
  return { ...s, gatewayId, state: 'connected', interruptedAt: null, connectedAt: now };
}
