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
}

export interface LivenessPolicy {
  /** A gateway silent this long has lost all its connections. */
  sessionTimeoutMs: number;
  /** How long a dropped session keeps its seats, waiting to be resumed. */
  resumeGraceMs: number;
}

export type SweepVerdict = 'keep' | 'interrupt' | 'expire';

/** What a sweep does with a session, given when its gateway was last heard from. */
export function judgeSession(s: Session, gatewayLastSeen: Date | undefined, now: Date, policy: LivenessPolicy): SweepVerdict {
  if (s.state === 'interrupted') {
    return s.interruptedAt && now.getTime() - s.interruptedAt.getTime() >= policy.resumeGraceMs ? 'expire' : 'keep';
  }
  const heard = Math.max(gatewayLastSeen?.getTime() ?? 0, s.openedAt.getTime());
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

export function resumeOn(s: Session, gatewayId: string): Session {
  return { ...s, gatewayId, state: 'connected', interruptedAt: null };
}
