import { agentFollows, wrapUpOver } from './desk';
import { agentAnswered, agentOutcomes, customerStartedPushing, declinesLapsed, estimateWait, invite, newTeamCall, offer, offerLapsed, transfer } from './desk-call';

const now = new Date(1_700_000_000_000);
const later = (s: number) => new Date(now.getTime() + s * 1000);
const fresh = () => newTeamCall({ id: 'c_1', roomId: 'r_1', customerIdentity: 'cust', customerStreamId: 's_1', teamId: 't_1', metadata: '', now });
const queued = () => customerStartedPushing(fresh(), now)!;

describe('a call to a team', () => {
  it('waits dialing until the customer pushes, then queues, rings one agent, and goes active when it answers', () => {
    const c = fresh();
    expect(c).toMatchObject({ state: 'dialing', calleeIdentity: '', queueAt: null });
    const q = customerStartedPushing(c, later(1))!;
    expect(q).toMatchObject({ state: 'queued', deadlineAt: null, queueAt: later(1) });
    const r = offer(q, 'ann', 20, later(1));
    expect(r).toMatchObject({ state: 'ringing', calleeIdentity: 'ann', deadlineAt: later(21) });
    expect(agentAnswered(r, 'bob', later(2))).toBeNull();
    expect(agentAnswered(r, 'ann', later(2))).toMatchObject({ state: 'active', answerAt: later(2), agentIdentities: ['ann'] });
  });

  it('goes back to the queue when an offer lapses, not offered again to one who declined', () => {
    const r = offer(queued(), 'ann', 20, now);
    expect(offerLapsed(r, 'rejected')).toMatchObject({ state: 'queued', calleeIdentity: '', declinedBy: ['ann'] });
    expect(offerLapsed(r, 'timeout')?.declinedBy).toEqual(['ann']);
    expect(offerLapsed(r, 'agent_gone')?.declinedBy).toEqual([]);
    expect(offerLapsed(queued(), 'timeout')).toBeNull();
  });

  it('may go again to one who declined it, twice the ring timeout after the last offer rang', () => {
    expect(declinesLapsed(queued(), later(100))).toBe(false); // never offered: nobody declined
    const declined = offerLapsed(offer(queued(), 'ann', 20, now), 'rejected')!;
    expect(declinesLapsed(declined, later(39))).toBe(false);
    expect(declinesLapsed(declined, later(40))).toBe(true);
  });

  it('is transferred only by the agent holding it, to an agent (rung) or a team (queued, keeping its place)', () => {
    const active = agentAnswered(offer(queued(), 'ann', 20, now), 'ann', now)!;
    expect(() => transfer(active, 'cust', { teamId: 't_1', agent: 'bob', ringTimeoutSeconds: 20 }, now)).toThrow(expect.objectContaining({ reason: 'NOT_A_PARTY' }));
    expect(transfer(active, 'ann', { teamId: 't_1', agent: 'bob', ringTimeoutSeconds: 20 }, later(5))).toMatchObject({ state: 'ringing', calleeIdentity: 'bob' });
    expect(transfer(active, 'ann', { teamId: 't_2', agent: '', ringTimeoutSeconds: 20 }, later(5))).toMatchObject({ state: 'queued', teamId: 't_2', queueAt: now });
    expect(() => invite(queued(), 'cust', 'sup')).toThrow(expect.objectContaining({ reason: 'FAILED_PRECONDITION' }));
    expect(invite(active, 'ann', 'sup').invitedIdentities).toEqual(['sup']);
  });

  it('moves the agents: rung, in call, wrap-up; back in place when the offer was no fault of theirs', () => {
    const q = queued();
    const r = offer(q, 'ann', 20, now);
    expect(agentOutcomes(q, r)).toEqual([{ identity: 'ann', teamId: 't_1', to: 'ringing' }]);
    expect(agentOutcomes(r, offerLapsed(r, 'rejected')!, 'rejected')).toEqual([{ identity: 'ann', teamId: 't_1', to: 'rejected' }]);
    expect(agentOutcomes(r, offerLapsed(r, 'timeout')!, 'timeout')[0].to).toBe('away');
    expect(agentOutcomes(r, { ...r, state: 'ended' })[0].to).toBe('back');
    const a = agentAnswered(r, 'ann', now)!;
    expect(agentOutcomes(r, a)[0].to).toBe('in_call');
    expect(agentOutcomes(a, { ...a, state: 'ended' })[0].to).toBe('wrap_up');

    const ann = { teamId: 't_1', identity: 'ann', state: 'available' as const, stateSince: now, availableSince: null, wrapUpUntil: null };
    const rung = agentFollows(ann, 'ringing', later(3), 30);
    expect(agentFollows(rung, 'back', later(4), 30)).toMatchObject({ state: 'available', stateSince: now });
    expect(agentFollows(rung, 'rejected', later(4), 30)).toMatchObject({ state: 'available', stateSince: later(4) });
    const wrapping = agentFollows(agentFollows(rung, 'in_call', later(4), 30), 'wrap_up', later(10), 30);
    expect(wrapUpOver(wrapping, later(39))).toBeNull();
    expect(wrapUpOver(wrapping, later(40))).toMatchObject({ state: 'available' });
  });

  it('estimates the wait from the position, the agents staffing and the handling time', () => {
    expect(estimateWait(1, 3, 120)).toBe(120);
    expect(estimateWait(4, 3, 120)).toBe(240);
    expect(estimateWait(2, 0, 60)).toBe(120);
    expect(estimateWait(0, 3, 60)).toBe(0);
    expect(estimateWait(1, 3, 0.2)).toBe(1); // short calls: still an honest 'about a second', not 0
  });
});
