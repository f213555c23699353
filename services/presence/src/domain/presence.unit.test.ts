import { judgePusherCode } from '@rtcroom/common';
import { canResume, interrupt, judgeSession, resumeOn, Session } from './session';

const policy = { sessionTimeoutMs: 5000, resumeGraceMs: 20_000 };
const t = (ms: number) => new Date(ms);
const session = (over: Partial<Session> = {}): Session => ({
  sessionId: 's1', identity: 'alice', gatewayId: 'g1', state: 'connected', openedAt: t(0), interruptedAt: null, connectedAt: t(0), ...over,
});

describe('judgeSession', () => {
  it('keeps a session whose gateway was heard from within the timeout', () => {
    expect(judgeSession(session(), t(4000), t(8000), policy)).toBe('keep');
  });
  it('interrupts a session whose gateway went silent for the timeout', () => {
    expect(judgeSession(session(), t(1000), t(6000), policy)).toBe('interrupt');
  });
  it('gives a new session the timeout from its opening even before its gateway is heard from', () => {
    expect(judgeSession(session({ openedAt: t(10_000) }), undefined, t(12_000), policy)).toBe('keep');
  });
  it('counts a gateway silent only from the end of a store outage (its keepalives could not be written)', () => {
    expect(judgeSession(session(), t(1000), t(6000), policy, t(2000))).toBe('keep');
    expect(judgeSession(session(), t(1000), t(7000), policy, t(2000))).toBe('interrupt');
  });
  it('expires an interrupted session after the grace period', () => {
    const s = interrupt(session(), t(1000));
    expect(judgeSession(s, undefined, t(20_999), policy)).toBe('keep');
    expect(judgeSession(s, undefined, t(21_000), policy)).toBe('expire');
  });
});

describe('resuming', () => {
  it('lets the same identity resume within the grace period, on another gateway', () => {
    const s = interrupt(session(), t(1000));
    expect(canResume(s, 'alice', t(5000), policy)).toBe(true);
    expect(resumeOn(s, 'g2', t(5000))).toMatchObject({ gatewayId: 'g2', state: 'connected', interruptedAt: null, connectedAt: t(5000), openedAt: t(0) });
  });
  it('refuses another identity, an unknown session and a late resume', () => {
    const s = interrupt(session(), t(1000));
    expect(canResume(s, 'mallory', t(5000), policy)).toBe(false);
    expect(canResume(undefined, 'alice', t(5000), policy)).toBe(false);
    expect(canResume(s, 'alice', t(30_000), policy)).toBe(false);
  });
  it('lets a connected session be taken over (the old gateway has not noticed the drop yet)', () => {
    expect(canResume(session(), 'alice', t(100_000), policy)).toBe(true);
  });
});

describe('judgePusherCode', () => {
  it.each([
    [1002, 'stream_started'],
    [-1307, 'stream_stopped'],
    [3004, 'reissue_url'],
    [1001, 'none'],
    [1101, 'none'],
  ])('%i -> %s', (code, verdict) => expect(judgePusherCode(code)).toBe(verdict));
});
