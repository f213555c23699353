import { Agent, agentChooses, nextAgent, normalizeTeam } from './desk';

const t = (ms: number) => new Date(ms);
const agent = (identity: string, state: Agent['state'], since: number): Agent => ({ teamId: 't_1', identity, state, stateSince: t(since), availableSince: null, wrapUpUntil: null });

describe('teams', () => {
  it('fills in the defaults and refuses bad values', () => {
    const team = normalizeTeam({ name: 'claims', displayName: '', recordingFormats: ['mp4', 'mp4'], ringTimeoutSeconds: 0, wrapUpSeconds: 0, queueLimit: 0 });
    expect(team).toMatchObject({ recordingFormats: ['mp4'], ringTimeoutSeconds: 20, wrapUpSeconds: 30, queueLimit: 50 });
    expect(() => normalizeTeam({ ...team, name: 'no spaces' })).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT' }));
    expect(() => normalizeTeam({ ...team, recordingFormats: ['avi'] })).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT' }));
  });
});

describe('agent states', () => {
  it('lets an agent go available, away and sign out, and keeps the time a state began', () => {
    const a = agentChooses(null, 't_1', 'ann', 'available', t(10));
    expect(a).toEqual(agent('ann', 'available', 10));
    expect(agentChooses(a, 't_1', 'ann', 'available', t(50)).stateSince).toEqual(t(10));
    expect(agentChooses(a, 't_1', 'ann', 'away', t(60))).toEqual(agent('ann', 'away', 60));
  });
  it('refuses the system\'s states, and leaving a call or a ring by choice', () => {
    expect(() => agentChooses(null, 't_1', 'ann', 'in_call', t(0))).toThrow(expect.objectContaining({ reason: 'FAILED_PRECONDITION' }));
    expect(() => agentChooses(agent('ann', 'ringing', 0), 't_1', 'ann', 'away', t(1))).toThrow(expect.objectContaining({ reason: 'FAILED_PRECONDITION' }));
  });
  it('lets wrap-up be ended early', () => {
    expect(agentChooses(agent('ann', 'wrap_up', 0), 't_1', 'ann', 'available', t(5)).state).toBe('available');
  });
});

describe('nextAgent', () => {
  it('offers the call to the agent available longest, among those connected', () => {
    const agents = [agent('late', 'available', 30), agent('early', 'available', 10), agent('gone', 'available', 5), agent('busy', 'in_call', 1)];
    expect(nextAgent(agents, (id) => id !== 'gone')?.identity).toBe('early');
    expect(nextAgent([agent('away', 'away', 0)], () => true)).toBeNull();
  });
});
