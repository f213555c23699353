// The service desk's store as the application sees it (a port): teams, agents, the team calls' queue
// and figures, and recordings by call. Postgres in production (pg-desk-store.ts), memory in unit tests
// (in-memory-desk-store.ts). The locks serialise routing across instances until the transaction ends.
import type { Call } from '../../calls/domain/call';
import type { Agent, AgentState, Team } from '../domain/desk';

export interface TeamCallFigures {
  offered: number;
  answered: number;
  abandoned: number;
  averageWaitSeconds: number;
  longestWaitSeconds: number;
  averageHandlingSeconds: number;
}

export interface CallRecordingRow {
  recordingId: string;
  callId: string;
  teamId: string;
  customerIdentity: string;
  agentIdentities: string[];
  recording: Uint8Array;
  createdAt: Date;
}

export interface CallRecordingFilter {
  callId?: string;
  teamId?: string;
  agentIdentity?: string;
  customerIdentity?: string;
}

export interface DeskStore {
  insertTeam(team: Team): Promise<void>;
  /** By id or by name. */
  findTeam(idOrName: string): Promise<Team | null>;
  listTeams(): Promise<Team[]>;
  agentsOf(teamId: string): Promise<Agent[]>;
  /** The agent, locked for the rest of the transaction. */
  lockAgent(teamId: string, identity: string): Promise<Agent | null>;
  saveAgent(agent: Agent): Promise<void>;
  /** Serialises routing and queue admission per team across instances (held to the end of the transaction). */
  lockTeam(teamId: string): Promise<void>;
  /** Serialises offers to one identity (an agent of several teams) to the end of the transaction. */
  lockIdentity(identity: string): Promise<void>;
  /** Whether the identity is ringing, in a call or wrapping up as an agent of any team. */
  busyInAnyTeam(identity: string): Promise<boolean>;
  /** Of these identities, the ones ringing, in a call or wrapping up for a team other than `teamId`. */
  busyElsewhere(teamId: string, identities: string[]): Promise<Map<string, AgentState>>;
  /** The team's calls not yet answered: dialing, queued or ringing, in queue order. */
  waitingCalls(teamId: string): Promise<Call[]>;
  countWaiting(teamId: string): Promise<number>;
  /** The team's running (answered, not ended) calls, oldest answer first. */
  liveCalls(teamId: string): Promise<Call[]>;
  /** Teams with calls waiting in their queue (the router's periodic sweep). */
  teamsWithQueuedCalls(): Promise<string[]>;
  /** Team calls ringing an agent now. */
  ringingTeamCalls(): Promise<Call[]>;
  agentsInWrapUpDue(now: Date, limit: number): Promise<Agent[]>;
  /** Figures over the team's calls made since `since`. */
  teamCallFigures(teamId: string, since: Date): Promise<TeamCallFigures>;
  /** Keeps a recording against its desk call; a repeat changes nothing. */
  insertCallRecording(row: CallRecordingRow): Promise<void>;
  /** Newest first; `after` is the last row of the previous page. */
  listCallRecordings(filter: CallRecordingFilter, limit: number, after: { createdAt: Date; recordingId: string } | null): Promise<CallRecordingRow[]>;
}
