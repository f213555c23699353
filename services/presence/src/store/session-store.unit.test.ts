import { Session } from '../domain/session';
import { SessionIndex } from './session-store';

describe('SessionIndex', () => {
  const session = (sessionId: string, identity: string): Session => ({ sessionId, identity, gatewayId: 'gw', state: 'connected', openedAt: new Date(0), interruptedAt: null, connectedAt: new Date(0) });

  it("finds an identity's sessions, and forgets them when they go or change hands", () => {
    const index = new SessionIndex();
    index.set(session('s1', 'ann'));
    index.set(session('s2', 'ann'));
    index.set(session('s3', 'bob'));
    expect(index.ofIdentity('ann').map((s) => s.sessionId)).toEqual(['s1', 's2']);
    index.delete('s1');
    index.set(session('s2', 'bob'));
    expect(index.ofIdentity('ann')).toEqual([]);
    expect(index.ofIdentity('bob').map((s) => s.sessionId)).toEqual(['s3', 's2']);
    expect(index.all()).toHaveLength(2);
  });
});
