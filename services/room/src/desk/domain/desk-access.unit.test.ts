import { checkAgentOf, checkSupervisorOf } from './desk-access';

const team = { id: 't_1', name: 'claims' };
const actor = (grants: { agentTeams?: string[]; supervisorTeams?: string[] }) => ({ identity: 'boss', grants });

describe('desk access', () => {
  it('lets a supervisor of the team (by id or name) supervise, and the operator always', () => {
    expect(() => checkSupervisorOf(actor({ supervisorTeams: ['claims'] }), team)).not.toThrow();
    expect(() => checkSupervisorOf(actor({ supervisorTeams: ['t_1'] }), team)).not.toThrow();
    expect(() => checkSupervisorOf(null, team)).not.toThrow();
  });

  it('refuses with NOT_A_SUPERVISOR another team, no grant, or an agent grant alone', () => {
    for (const grants of [{ supervisorTeams: ['accounts'] }, {}, { agentTeams: ['claims'] }]) {
      expect(() => checkSupervisorOf(actor(grants), team)).toThrow(expect.objectContaining({ reason: 'NOT_A_SUPERVISOR', metadata: { team: 'claims' } }));
    }
  });

  it('does not make a supervisor an agent', () => {
    expect(() => checkAgentOf(actor({ supervisorTeams: ['claims'] }), team)).toThrow(expect.objectContaining({ reason: 'PERMISSION_DENIED' }));
  });
});
