// The service desk's domain: teams, agents and their states, and who gets the next call. Nothing
// here knows of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common/errors';
import { invalid } from '../../rooms/domain/room';

export type AgentState = 'signed_out' | 'available' | 'ringing' | 'in_call' | 'wrap_up' | 'away';

export interface Team {
  id: string;
  name: string;
  displayName: string;
  recordingFormats: string[];
  ringTimeoutSeconds: number;
  wrapUpSeconds: number;
  queueLimit: number;
  createdAt: Date;
}

export interface Agent {
  teamId: string;
  identity: string;
  state: AgentState;
  stateSince: Date;
  /** While RINGING: since when it had been AVAILABLE (its place in line if the offer is not its fault). */
  availableSince: Date | null;
  /** While WRAP_UP: when it ends by itself. */
  wrapUpUntil: Date | null;
}

export const teamDefaults = { ringTimeoutSeconds: 20, wrapUpSeconds: 30, queueLimit: 50 };
const formats = new Set(['mp4', 'hls', 'flv']);

export function normalizeTeam(t: Omit<Team, 'id' | 'createdAt'>): Omit<Team, 'id' | 'createdAt'> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(t.name)) throw invalid('team.name', 'must be 1-64 characters of A-Z a-z 0-9 _ -');
  if ([...t.displayName].length > 128) throw invalid('team.display_name', 'must be at most 128 characters');
  for (const f of t.recordingFormats) if (!formats.has(f)) throw invalid('team.recording_formats', 'must be mp4, hls or flv');
  if (t.ringTimeoutSeconds > 300) throw invalid('team.ring_timeout_seconds', 'must be at most 300');
  if (t.wrapUpSeconds > 3600) throw invalid('team.wrap_up_seconds', 'must be at most 3600');
  if (t.queueLimit > 10_000) throw invalid('team.queue_limit', 'must be at most 10000');
  return {
    ...t,
    recordingFormats: [...new Set(t.recordingFormats)],
    ringTimeoutSeconds: t.ringTimeoutSeconds || teamDefaults.ringTimeoutSeconds,
    wrapUpSeconds: t.wrapUpSeconds || teamDefaults.wrapUpSeconds,
    queueLimit: t.queueLimit || teamDefaults.queueLimit,
  };
}

const chosenByAgent: AgentState[] = ['available', 'away', 'signed_out'];
const busy: AgentState[] = ['ringing', 'in_call'];

/** An agent choosing its own state; the system's states (ringing, in call) are not theirs to leave. */
export function agentChooses(agent: Agent | null, teamId: string, identity: string, state: AgentState, now: Date): Agent {
  if (!chosenByAgent.includes(state)) {
    throw new DomainError('FAILED_PRECONDITION', `an agent sets only available, away or signed out, not ${state}`, { state });
  }
  const current: Agent = agent ?? { teamId, identity, state: 'signed_out', stateSince: now, availableSince: null, wrapUpUntil: null };
  if (busy.includes(current.state)) {
    throw new DomainError('FAILED_PRECONDITION', `${identity} is ${current.state.replace('_', ' ')}: that ends first`, { state: current.state });
  }
  if (current.state === state) return current;
  return { ...current, state, stateSince: now, availableSince: null, wrapUpUntil: null };
}

/**
 * The system moves an agent as a call it was offered or held moves on (AgentOutcome.to of
 * desk-call.ts): rung; answered; the call ended (wrap-up); the offer lapsed through no fault of its
 * own (back where it stood in line), because it said no (to the back of the line), or because it
 * let it ring out (away: an unattended desk is not rung again).
 */
export function agentFollows(agent: Agent, to: 'ringing' | 'in_call' | 'wrap_up' | 'back' | 'rejected' | 'away', now: Date, wrapUpSeconds: number): Agent {
  const base = { ...agent, stateSince: now, availableSince: null, wrapUpUntil: null };
  switch (to) {
    case 'ringing':
      return { ...base, state: 'ringing', availableSince: agent.state === 'available' ? agent.stateSince : now };
    case 'in_call':
      return { ...base, state: 'in_call' };
    case 'wrap_up':
      return { ...base, state: 'wrap_up', wrapUpUntil: new Date(now.getTime() + wrapUpSeconds * 1000) };
    case 'back':
      if (agent.state !== 'ringing') return agent;
      return { ...base, state: 'available', stateSince: agent.availableSince ?? now };
    case 'rejected':
      return agent.state === 'ringing' ? { ...base, state: 'available' } : agent;
    case 'away':
      return agent.state === 'ringing' ? { ...base, state: 'away' } : agent;
  }
}

/** Wrap-up ends by itself: available again. Null when it has not run out. */
export function wrapUpOver(agent: Agent, now: Date): Agent | null {
  if (agent.state !== 'wrap_up' || !agent.wrapUpUntil || agent.wrapUpUntil > now) return null;
  return { ...agent, state: 'available', stateSince: now, availableSince: null, wrapUpUntil: null };
}

/**
 * Who gets the next call: among the agents available and connected, the one available longest.
 * Null when nobody is.
 */
export function nextAgent(agents: Agent[], connected: (identity: string) => boolean): Agent | null {
  let best: Agent | null = null;
  for (const a of agents) {
    if (a.state !== 'available' || !connected(a.identity)) continue;
    if (!best || a.stateSince < best.stateSince) best = a;
  }
  return best;
}
