import { judgePusherCode } from './pusher-report';
import { SessionRegistry } from './session-registry';

describe('SessionRegistry', () => {
  it('tracks sessions per identity and forgets closed ones', () => {
    const reg = new SessionRegistry();
    reg.open('s1', 'alice', 'g1');
    reg.open('s2', 'alice', 'g2');
    expect(reg.sessionsOf('alice').map((s) => s.gatewayId).sort()).toEqual(['g1', 'g2']);
    reg.close('s1');
    expect(reg.sessionsOf('alice').map((s) => s.sessionId)).toEqual(['s2']);
  });

  it('expires sessions not heard from within the timeout, and keeps touched ones', () => {
    let now = 0;
    const reg = new SessionRegistry(() => new Date(now));
    reg.open('quiet', 'a', 'g1');
    reg.open('chatty', 'b', 'g1');
    now = 4000;
    expect(reg.touch('g1', ['chatty', 'unknown'])).toEqual(['unknown']);
    now = 6000;
    expect(reg.expire(5000).map((s) => s.sessionId)).toEqual(['quiet']);
    expect(reg.get('chatty')).toBeDefined();
  });

  it('does not let another gateway keep a session alive', () => {
    const reg = new SessionRegistry();
    reg.open('s1', 'a', 'g1');
    expect(reg.touch('g2', ['s1'])).toEqual(['s1']);
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
