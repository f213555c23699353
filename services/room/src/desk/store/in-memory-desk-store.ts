// The service desk's store in memory, for fast unit tests of the use cases: the port (desk-store.ts)
// over teams, agents and recordings of its own and the calls of an InMemoryCallStore. Locks are
// no-ops: one process, one change at a time.
import { copyCall, InMemoryCallStore } from '../../calls/store/in-memory-call-store';
import type { Call } from '../../calls/domain/call';
import { uniqueViolation } from '../../db/store';
import type { Agent, AgentState, Team } from '../domain/desk';
import type { CallRecordingFilter, CallRecordingRow, DeskStore, TeamCallFigures } from './desk-store';

const busyStates: AgentState[] = ['ringing', 'in_call', 'wrap_up'];
const waitingStates: Call['state'][] = ['dialing', 'queued', 'ringing'];
const agentKey = (teamId: string, identity: string) => `${teamId}\n${identity}`;
const seconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;
const average = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
/** Queue order: by when the customer's push began (not yet: last), then id. */
const queueOrder = (a: Call, b: Call) =>
  (a.queueAt?.getTime() ?? Infinity) - (b.queueAt?.getTime() ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class InMemoryDeskStore implements DeskStore {
  private teams = new Map<string, Team>();
  private agents = new Map<string, Agent>();
  private recordings: CallRecordingRow[] = [];

  constructor(private readonly calls: InMemoryCallStore) {}

  /** Takes a copy of everything; the function returned puts it back (a transaction rolling back). */
  snapshot(): () => void {
    const teams = new Map(this.teams);
    const agents = new Map(this.agents);
    const recordings = [...this.recordings];
    return () => {
      Object.assign(this, { teams, agents, recordings });
    };
  }

  async insertTeam(team: Team) {
    if (this.teams.has(team.id)) throw uniqueViolation('teams_pkey');
    if ([...this.teams.values()].some((t) => t.name === team.name)) throw uniqueViolation('teams_name_key');
    this.teams.set(team.id, { ...team, recordingFormats: [...team.recordingFormats] });
  }

  async findTeam(idOrName: string) {
    const team = this.teams.get(idOrName) ?? [...this.teams.values()].find((t) => t.name === idOrName);
    return team ? { ...team, recordingFormats: [...team.recordingFormats] } : null;
  }

  async listTeams() {
    const teams = [...this.teams.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return teams.map((t) => ({ ...t, recordingFormats: [...t.recordingFormats] }));
  }

  async agentsOf(teamId: string) {
    return [...this.agents.values()]
      .filter((a) => a.teamId === teamId)
      .sort((a, b) => a.stateSince.getTime() - b.stateSince.getTime())
      .map((a) => ({ ...a }));
  }

  async lockAgent(teamId: string, identity: string) {
    const agent = this.agents.get(agentKey(teamId, identity));
    return agent ? { ...agent } : null;
  }

  async saveAgent(agent: Agent) {
    this.agents.set(agentKey(agent.teamId, agent.identity), { ...agent });
  }

  async lockTeam() {}

  async lockIdentity() {}

  async busyInAnyTeam(identity: string) {
    return [...this.agents.values()].some((a) => a.identity === identity && busyStates.includes(a.state));
  }

  async busyElsewhere(teamId: string, identities: string[]) {
    const busy = [...this.agents.values()].filter((a) => a.teamId !== teamId && identities.includes(a.identity) && busyStates.includes(a.state));
    return new Map(busy.map((a) => [a.identity, a.state]));
  }

  async waitingCalls(teamId: string) {
    return this.calls
      .all()
      .filter((c) => c.teamId === teamId && waitingStates.includes(c.state))
      .sort(queueOrder)
      .map(copyCall);
  }

  async liveCalls(teamId: string) {
    return this.calls
      .all()
      .filter((c) => c.teamId === teamId && c.state === 'active')
      .sort((a, b) => (a.answerAt?.getTime() ?? 0) - (b.answerAt?.getTime() ?? 0))
      .map(copyCall);
  }

  async countWaiting(teamId: string) {
    return (await this.waitingCalls(teamId)).length;
  }

  async teamsWithQueuedCalls() {
    return [...new Set(this.calls.all().filter((c) => c.state === 'queued' && c.teamId).map((c) => c.teamId!))];
  }

  async ringingTeamCalls() {
    return this.calls
      .all()
      .filter((c) => c.state === 'ringing' && c.teamId)
      .map(copyCall);
  }

  async agentsInWrapUpDue(now: Date, limit: number) {
    return [...this.agents.values()]
      .filter((a) => a.state === 'wrap_up' && a.wrapUpUntil && a.wrapUpUntil <= now)
      .slice(0, limit)
      .map((a) => ({ ...a }));
  }

  async teamCallFigures(teamId: string, since: Date): Promise<TeamCallFigures> {
    const made = this.calls.all().filter((c) => c.teamId === teamId && c.createdAt >= since);
    const answered = made.filter((c) => c.answerAt);
    const waits = answered.map((c) => seconds(c.createdAt, c.answerAt!));
    return {
      offered: made.length,
      answered: answered.length,
      abandoned: made.filter((c) => c.state === 'ended' && !c.answerAt).length,
      averageWaitSeconds: average(waits),
      longestWaitSeconds: waits.length === 0 ? 0 : Math.max(...waits),
      averageHandlingSeconds: average(answered.filter((c) => c.endAt).map((c) => seconds(c.answerAt!, c.endAt!))),
    };
  }

  async insertCallRecording(row: CallRecordingRow) {
    if (this.recordings.some((r) => r.recordingId === row.recordingId)) return;
    this.recordings.push({ ...row, agentIdentities: [...row.agentIdentities] });
  }

  async listCallRecordings(f: CallRecordingFilter, limit: number, after: { createdAt: Date; recordingId: string } | null) {
    const matches = (r: CallRecordingRow) =>
      (!f.callId || r.callId === f.callId) &&
      (!f.teamId || r.teamId === f.teamId) &&
      (!f.customerIdentity || r.customerIdentity === f.customerIdentity) &&
      (!f.agentIdentity || r.agentIdentities.includes(f.agentIdentity));
    const isAfter = (r: CallRecordingRow) =>
      !after || r.createdAt < after.createdAt || (r.createdAt.getTime() === after.createdAt.getTime() && r.recordingId < after.recordingId);
    return this.recordings
      .filter((r) => matches(r) && isAfter(r))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.recordingId < b.recordingId ? 1 : -1))
      .slice(0, limit)
      .map((r) => ({ ...r, agentIdentities: [...r.agentIdentities] }));
  }
}
