import { DomainError } from '@rtcroom/common';
import { testLogger } from '@rtcroom/common/testing';
import { presencev1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import { PresenceBatch } from './presence-batch';

type Presence = Backends['presence'];

/** A presence that opens what has an identity and records the calls it gets. */
function fakePresence(opts: { unimplemented?: boolean; unavailable?: boolean } = {}) {
  const calls: string[] = [];
  const session = (r: presencev1.OpenSessionRequest) => presencev1.Session.fromPartial({ sessionId: r.sessionId, identity: r.identity, gatewayId: r.gatewayId });
  const presence = {
    async updateSessions(req: presencev1.UpdateSessionsRequest): Promise<presencev1.UpdateSessionsResponse> {
      calls.push(`update ${req.opens.length}+${req.closes.length}`);
      if (opts.unavailable) throw new DomainError('UNAVAILABLE', 'service unavailable');
      if (opts.unimplemented) throw new DomainError('INTERNAL', 'unknown method /rtcroom.presence.v1.PresenceService/UpdateSessions');
      return {
        opens: req.opens.map((o) => (o.identity ? { session: session(o), errorReason: '', errorMessage: '' } : { session: undefined, errorReason: 'INVALID_ARGUMENT', errorMessage: 'identity is required' })),
        failedCloseSessionIds: req.closes.filter((c) => c.sessionId === 'unwritable').map((c) => c.sessionId),
        resumeGraceMs: 20_000,
      };
    },
    async openSession(req: presencev1.OpenSessionRequest): Promise<presencev1.OpenSessionResponse> {
      calls.push(`open ${req.sessionId}`);
      return { session: session(req), resumeGraceMs: 20_000 };
    },
    async closeSession(req: presencev1.CloseSessionRequest): Promise<presencev1.CloseSessionResponse> {
      calls.push(`close ${req.sessionId}`);
      return {};
    },
  };
  return { presence: presence as unknown as Presence, calls };
}

describe('PresenceBatch', () => {
  it('tells presence of the sessions opened and closed in one tick in one call, each with its own answer', async () => {
    const { presence, calls } = fakePresence();
    const batch = new PresenceBatch(presence, 'gw-1', 0, testLogger('batch'));
    const [a, bad, closed, unwritable] = await Promise.allSettled([
      batch.open('s1', 'alice'),
      batch.open('s2', ''),
      batch.close('s0', true, false),
      batch.close('unwritable', false, true),
    ]);
    expect(calls).toEqual(['update 2+2']);
    expect(a.status === 'fulfilled' && [a.value.session?.sessionId, a.value.session?.gatewayId, a.value.resumeGraceMs]).toEqual(['s1', 'gw-1', 20_000]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { reason: 'INVALID_ARGUMENT' } });
    expect(closed.status).toBe('fulfilled');
    expect(unwritable).toMatchObject({ status: 'rejected', reason: { reason: 'UNAVAILABLE' } });
  });

  it('waits the tick for more, and a later tick is a call of its own', async () => {
    const { presence, calls } = fakePresence();
    const batch = new PresenceBatch(presence, 'gw-1', 20, testLogger('batch'));
    const first = batch.open('s1', 'alice');
    await new Promise((r) => setTimeout(r, 5));
    const second = batch.open('s2', 'bob');
    await Promise.all([first, second]);
    await batch.open('s3', 'carol');
    expect(calls).toEqual(['update 2+0', 'update 1+0']);
  });

  it('falls back to one call per session when presence does not know UpdateSessions', async () => {
    const { presence, calls } = fakePresence({ unimplemented: true });
    const batch = new PresenceBatch(presence, 'gw-1', 0, testLogger('batch'));
    await Promise.all([batch.open('s1', 'alice'), batch.close('s0', true, false)]);
    await batch.open('s2', 'bob');
    expect(calls).toEqual(['update 1+1', 'open s1', 'close s0', 'open s2']);
  });

  it('fails every waiter of a call presence did not answer', async () => {
    const { presence } = fakePresence({ unavailable: true });
    const batch = new PresenceBatch(presence, 'gw-1', 0, testLogger('batch'));
    const results = await Promise.allSettled([batch.open('s1', 'alice'), batch.close('s0', false, false)]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as DomainError).reason)).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
  });
});
