// The service desk's use cases: teams; agents setting their state; customers calling a team; the
// router that offers queued calls to agents; transfer and guests; figures; recordings by call.
//
// Routing: a team's calls wait in the calls table (state queued, ordered by queue_at). The router
// reads the queue and the available agents, and offers each call in order to the connected agent
// available longest who has not declined it, each offer in the call room's transaction with the team
// row locked (so instances never offer twice) and the agent row re-checked. It runs when something
// frees an agent or queues a call (kick), and on every tick (agents who came back, other instances'
// changes, a restart). Agents follow their calls in the same transaction as the call (follow).
import { DomainError, identityPattern, Logger, newId } from '@rtcroom/common';
import type { recordingv1 } from '@rtcroom/proto';
import { Call } from '../domain/call';
import { Agent, agentChooses, AgentState, agentFollows, normalizeTeam, nextAgent, Team, wrapUpOver } from '../domain/desk';
import { agentOutcomes, estimateWait, invite, LapseCause, newTeamCall, offer, offerLapsed, transfer } from '../domain/desk-call';
import { checkDisplayName } from '../domain/room';
import { encodeCallEvents } from '../events/call-events';
import { inLiveCall, insertCall, findCallByRoom } from '../store/call.repository';
import {
  agentsInWrapUpDue,
  agentsOf,
  busyInAnyTeam,
  CallRecordingFilter,
  CallRecordingRow,
  countWaiting,
  findTeam,
  insertCallRecording,
  insertTeam,
  listCallRecordings,
  listTeams,
  lockAgent,
  lockIdentity,
  lockTeam,
  ringingTeamCalls,
  saveAgent,
  teamCallFigures,
  teamsWithQueuedCalls,
  waitingCalls,
} from '../store/desk.repository';
import { CallSeat, Calls, DeskPort, PresencePort } from './calls';
import { Memberships } from './memberships';
import { RoomChangeSet, RoomTransactions } from './room-transaction';
import { Rooms } from './rooms';

export interface AgentView extends Agent {
  /** Connected right now (an agent who is not is out of rotation). */
  connected: boolean;
}

export interface CallTeamInput {
  team: string;
  customerIdentity: string;
  customerSessionId: string;
  customerDisplayName: string;
  metadata: string;
}

export interface TeamStats {
  teamId: string;
  since: Date;
  offered: number;
  answered: number;
  abandoned: number;
  waitingNow: number;
  averageWaitSeconds: number;
  longestWaitSeconds: number;
  averageHandlingSeconds: number;
  agentsSignedIn: number;
  agentsAvailable: number;
}

export interface DeskOptions {
  /** The handling time estimates assume until a team has answered calls of its own. */
  defaultHandlingSeconds: number;
}

const signedIn = (a: Agent) => a.state !== 'signed_out';
const staffing = (a: Agent) => a.state !== 'signed_out' && a.state !== 'away';

export class Desk implements DeskPort {
  /** Teams do not change once made: kept after the first read. */
  private readonly teamCache = new Map<string, Team>();
  private readonly routing = new Map<string, Promise<void>>();
  private readonly routeAgain = new Set<string>();
  private readonly handling = new Map<string, { seconds: number; at: number }>();
  private stopped = false;

  constructor(
    private readonly tx: RoomTransactions,
    private readonly rooms: Rooms,
    private readonly members: Memberships,
    private readonly calls: Calls,
    private readonly presence: PresencePort,
    private readonly logger: Logger,
    private readonly options: DeskOptions = { defaultHandlingSeconds: 120 },
  ) {
    calls.desk = this;
  }

  // --- teams and agents -------------------------------------------------------------------------

  async createTeam(input: Omit<Team, 'id' | 'createdAt'>): Promise<Team> {
    const team: Team = { ...normalizeTeam(input), id: newId('t'), createdAt: new Date() };
    try {
      await insertTeam(this.tx.db, team);
    } catch (err) {
      if ((err as { code?: string })?.code === '23505') throw new DomainError('ALREADY_EXISTS', `a team is named ${team.name}`, { name: team.name });
      throw err;
    }
    return team;
  }

  async team(idOrName: string): Promise<{ team: Team; agents: AgentView[]; queue: Call[] }> {
    const team = await this.find(idOrName);
    const [agents, queue] = await Promise.all([agentsOf(this.tx.db, team.id), waitingCalls(this.tx.db, team.id)]);
    const online = await this.onlineOf(agents.map((a) => a.identity));
    return { team, agents: agents.map((a) => ({ ...a, connected: online.has(a.identity) })), queue };
  }

  teams(): Promise<Team[]> {
    return listTeams(this.tx.db);
  }

  async setAgentState(teamIdOrName: string, identity: string, state: AgentState): Promise<Agent> {
    if (!identityPattern.test(identity)) throw new DomainError('INVALID_ARGUMENT', 'identity is not valid', { field: 'identity' });
    const team = await this.find(teamIdOrName);
    const agent = await this.tx.db.transaction().execute(async (db) => {
      const next = agentChooses(await lockAgent(db, team.id, identity), team.id, identity, state, new Date());
      await saveAgent(db, next);
      return next;
    });
    if (agent.state === 'available') this.kick(team.id);
    return agent;
  }

  // --- customers calling ------------------------------------------------------------------------

  /**
   * A customer calls a team: a call room (recorded in the team's formats when it has any) with the
   * customer seated; the call waits DIALING until the customer's push begins, then QUEUED.
   */
  async callTeam(input: CallTeamInput): Promise<CallSeat> {
    checkDisplayName('customer_display_name', input.customerDisplayName);
    if (!identityPattern.test(input.customerIdentity)) throw new DomainError('INVALID_ARGUMENT', 'customer_identity is not valid', { field: 'customer_identity' });
    const team = await this.find(input.team);
    newTeamCall({ id: 'c_check', roomId: 'r', customerIdentity: input.customerIdentity, customerStreamId: '', teamId: team.id, metadata: input.metadata, now: new Date() });
    await this.admit(this.tx.db, team);
    if (await inLiveCall(this.tx.db, input.customerIdentity)) throw new DomainError('CALLEE_BUSY', `${input.customerIdentity} is in another call`);
    const room = await this.rooms.create(
      {
        name: newId('desk'),
        kind: 'call',
        displayName: team.displayName || team.name,
        maxMembers: 6,
        metadata: '',
        recording: team.recordingFormats.length > 0,
        recordingFormats: team.recordingFormats,
        ownerIdentity: input.customerIdentity,
        ownerLeavePolicy: 'close_room',
        // The customer is seated at once; the room closes with the call.
        emptyTimeoutSeconds: 120,
        departureTimeoutSeconds: 1,
        duplicateIdentity: 'replace',
      },
      null,
    );
    const seat = await this.members.join({
      roomId: room.id,
      identity: input.customerIdentity,
      displayName: input.customerDisplayName,
      sessionId: input.customerSessionId,
      createIfMissing: false,
    });
    try {
      const call = await this.tx.run(room.id, async (change) => {
        const locked = await change.lock(room.id);
        await lockTeam(change.db, team.id);
        await this.admit(change.db, team); // again, under the team's lock: the limit holds across instances
        const created = newTeamCall({
          id: newId('c'),
          roomId: room.id,
          customerIdentity: input.customerIdentity,
          customerStreamId: seat.member.streamId,
          teamId: team.id,
          metadata: input.metadata,
          now: change.now,
        });
        await insertCall(change.db, created);
        change.notify(encodeCallEvents(created, change.now));
        await change.commit(locked);
        return created;
      });
      return { call, ...seat };
    } catch (err) {
      await this.rooms.close(room.id, 'closed_by_api').catch(() => undefined);
      throw err;
    }
  }

  /** Refuses a new caller when nobody of the team is signed in or the queue is full. */
  private async admit(db: RoomTransactions['db'], team: Team): Promise<void> {
    const agents = await agentsOf(db, team.id);
    if (!agents.some(signedIn)) throw new DomainError('TEAM_CLOSED', `no agent of ${team.name} is signed in`, { team: team.name });
    const waiting = await countWaiting(db, team.id);
    if (waiting >= team.queueLimit) {
      throw new DomainError('QUEUE_FULL', `${team.name} has ${waiting} callers waiting, its limit`, { team: team.name, limit: String(team.queueLimit) });
    }
  }

  /** The agent holding a call hands it to another agent (rung at once) or to a team's queue. */
  async transfer(callId: string, identity: string, toIdentity: string, toTeam: string): Promise<Call> {
    if (!!toIdentity === !!toTeam) throw new DomainError('INVALID_ARGUMENT', 'give one of to_identity and to_team', { field: 'to_identity' });
    const current = await this.calls.get(callId);
    const team = toTeam ? await this.find(toTeam) : await this.teamById(current.teamId ?? '');
    if (toIdentity && !(await this.presence.isOnline(toIdentity).catch(() => false))) {
      throw new DomainError('AGENT_UNAVAILABLE', `${toIdentity} is not connected`, { identity: toIdentity });
    }
    return this.calls.transition(callId, async (call, now, change, room) => {
      const next = transfer(call, identity, { teamId: team.id, agent: toIdentity, ringTimeoutSeconds: team.ringTimeoutSeconds }, now);
      await lockTeam(change.db, team.id);
      if (toIdentity) {
        const agent = await lockAgent(change.db, team.id, toIdentity);
        if (!agent || agent.state !== 'available') {
          throw new DomainError('AGENT_UNAVAILABLE', `${toIdentity} is not an available agent of ${team.name}`, { identity: toIdentity, state: agent?.state ?? 'not_an_agent' });
        }
      }
      const seat = change.seatOf(identity);
      if (seat) await change.unseat(room, seat, 'transferred');
      return next;
    });
  }

  /** A party to a running team call invites a supervisor or colleague (who must be connected). */
  async invite(callId: string, identity: string, invitee: string): Promise<Call> {
    if (!identityPattern.test(invitee)) throw new DomainError('INVALID_ARGUMENT', 'invitee_identity is not valid', { field: 'invitee_identity' });
    const call = await this.calls.get(callId);
    if (!call.teamId) throw new DomainError('FAILED_PRECONDITION', 'only service-desk calls take guests', { field: 'call_id' });
    if (!(await this.presence.isOnline(invitee).catch(() => false))) throw new DomainError('CALLEE_OFFLINE', `${invitee} is not connected`);
    return this.calls.transition(callId, (c) => invite(c, identity, invitee));
  }

  // --- figures and recordings -------------------------------------------------------------------

  async stats(teamIdOrName: string, since: Date | undefined): Promise<TeamStats> {
    const team = await this.find(teamIdOrName);
    const from = since ?? new Date(Date.now() - 24 * 3600 * 1000);
    const [figures, waiting, agents] = await Promise.all([teamCallFigures(this.tx.db, team.id, from), waitingCalls(this.tx.db, team.id), agentsOf(this.tx.db, team.id)]);
    const now = Date.now();
    const longestWaitingNow = waiting.reduce((m, c) => Math.max(m, (now - c.createdAt.getTime()) / 1000), 0);
    const online = await this.onlineOf(agents.filter((a) => a.state === 'available').map((a) => a.identity));
    return {
      teamId: team.id,
      since: from,
      offered: figures.offered,
      answered: figures.answered,
      abandoned: figures.abandoned,
      waitingNow: waiting.length,
      averageWaitSeconds: figures.averageWaitSeconds,
      longestWaitSeconds: Math.max(figures.longestWaitSeconds, longestWaitingNow),
      averageHandlingSeconds: figures.averageHandlingSeconds,
      agentsSignedIn: agents.filter(signedIn).length,
      agentsAvailable: online.size,
    };
  }

  /** A recording of a desk call's room is ready: kept against the call, its team, agents and customer. */
  async keepRecording(recording: recordingv1.Recording, encoded: Uint8Array): Promise<void> {
    if (!recording.roomId || !recording.id) return;
    const call = await findCallByRoom(this.tx.db, recording.roomId);
    if (!call?.teamId) return;
    await insertCallRecording(this.tx.db, {
      recordingId: recording.id,
      callId: call.id,
      teamId: call.teamId,
      customerIdentity: call.callerIdentity,
      agentIdentities: call.agentIdentities,
      recording: encoded,
      createdAt: recording.createTime ?? new Date(),
    });
  }

  async recordings(filter: CallRecordingFilter & { team?: string }, pageSize: number, pageToken: string): Promise<{ rows: CallRecordingRow[]; nextPageToken: string }> {
    const { team, ...rest } = filter;
    const f: CallRecordingFilter = { ...rest };
    if (team) f.teamId = (await this.find(team)).id;
    if (!f.callId && !f.teamId && !f.agentIdentity && !f.customerIdentity) {
      throw new DomainError('INVALID_ARGUMENT', 'give call_id, team, agent_identity or customer_identity', { field: 'call_id' });
    }
    if (pageSize > 100) throw new DomainError('INVALID_ARGUMENT', 'page_size must be at most 100', { field: 'page_size' });
    const limit = pageSize || 50;
    let after: { createdAt: Date; recordingId: string } | null = null;
    if (pageToken) {
      const [t, id] = Buffer.from(pageToken, 'base64url').toString('utf8').split('|');
      if (!t || !id || Number.isNaN(Date.parse(t))) throw new DomainError('INVALID_ARGUMENT', 'page_token is not valid', { field: 'page_token' });
      after = { createdAt: new Date(t), recordingId: id };
    }
    const rows = await listCallRecordings(this.tx.db, f, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextPageToken = rows.length > limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.recordingId}`).toString('base64url') : '';
    return { rows: page, nextPageToken };
  }

  // --- agents follow their calls ----------------------------------------------------------------

  async follow(change: RoomChangeSet, before: Call, after: Call, cause?: LapseCause): Promise<void> {
    for (const o of agentOutcomes(before, after, cause)) {
      const team = await this.teamById(o.teamId);
      const agent = await lockAgent(change.db, o.teamId, o.identity);
      if (!agent) continue;
      const next = agentFollows(agent, o.to, change.now, team.wrapUpSeconds);
      if (next !== agent) await saveAgent(change.db, next);
    }
  }

  // --- routing ----------------------------------------------------------------------------------

  /** Routes the team's queue soon; a kick while routing runs it once more afterwards. */
  kick(teamId: string): void {
    if (this.stopped) return;
    if (this.routing.has(teamId)) {
      this.routeAgain.add(teamId);
      return;
    }
    const run = (async () => {
      do {
        this.routeAgain.delete(teamId);
        try {
          await this.route(teamId);
        } catch (err) {
          this.logger.warn('routing a team queue failed', { teamId, err });
        }
      } while (this.routeAgain.has(teamId) && !this.stopped);
    })().finally(() => this.routing.delete(teamId));
    this.routing.set(teamId, run);
  }

  /** Offers the team's queued calls, in order, to the agents free for them; then updates positions. */
  async route(teamId: string): Promise<number> {
    const team = await this.teamById(teamId);
    const [agents, waiting] = await Promise.all([agentsOf(this.tx.db, teamId), waitingCalls(this.tx.db, teamId)]);
    const queued = waiting.filter((c) => c.state === 'queued');
    const available = agents.filter((a) => a.state === 'available');
    let offered = 0;
    if (queued.length > 0 && available.length > 0) {
      const online = await this.onlineOf(available.map((a) => a.identity));
      const taken = new Set<string>();
      for (const call of queued) {
        const pick = nextAgent(
          available.filter((a) => !taken.has(a.identity) && !call.declinedBy.includes(a.identity)),
          (id) => online.has(id),
        );
        if (!pick) continue;
        taken.add(pick.identity);
        if (await this.offerTo(call, team, pick.identity)) offered++;
        if (taken.size === available.length) break;
      }
    }
    await this.updatePositions(team, agents);
    return offered;
  }

  private async offerTo(call: Call, team: Team, agentIdentity: string): Promise<boolean> {
    let done = false;
    try {
      await this.calls.transition(call.id, async (c, now, change) => {
        if (c.state !== 'queued' || c.teamId !== team.id) return c;
        await lockTeam(change.db, team.id);
        const agent = await lockAgent(change.db, team.id, agentIdentity);
        if (!agent || agent.state !== 'available') return c;
        // An identity in several teams: offers to it are serialised across teams too.
        await lockIdentity(change.db, agentIdentity);
        // Rung, in a call or wrapping up for another team, or in a call of its own.
        if ((await busyInAnyTeam(change.db, agentIdentity)) || (await inLiveCall(change.db, agentIdentity))) return c;
        done = true;
        return offer(c, agentIdentity, team.ringTimeoutSeconds, now);
      });
    } catch (err) {
      this.logger.warn('offering a call failed', { callId: call.id, agent: agentIdentity, err });
      return false;
    }
    return done;
  }

  /** Tells each queued customer its position and estimated wait when they change. */
  private async updatePositions(team: Team, agents: Agent[]): Promise<void> {
    const queued = (await waitingCalls(this.tx.db, team.id)).filter((c) => c.state === 'queued');
    if (queued.length === 0) return;
    const handling = await this.averageHandling(team.id);
    const staffed = agents.filter(staffing).length;
    for (const [i, call] of queued.entries()) {
      const position = i + 1;
      const estimate = estimateWait(position, staffed, handling);
      const drift = Math.abs(call.estimatedWaitSeconds - estimate);
      if (call.queuePosition === position && drift < Math.max(5, estimate * 0.2)) continue;
      await this.calls
        .transition(call.id, (c) => (c.state === 'queued' && c.teamId === team.id ? { ...c, queuePosition: position, estimatedWaitSeconds: estimate } : c))
        .catch((err) => this.logger.warn('could not update a queue position', { callId: call.id, err }));
    }
  }

  private async averageHandling(teamId: string): Promise<number> {
    const cached = this.handling.get(teamId);
    if (cached && Date.now() - cached.at < 30_000) return cached.seconds;
    const figures = await teamCallFigures(this.tx.db, teamId, new Date(Date.now() - 24 * 3600 * 1000));
    const seconds = figures.averageHandlingSeconds > 0 ? figures.averageHandlingSeconds : this.options.defaultHandlingSeconds;
    this.handling.set(teamId, { seconds, at: Date.now() });
    return seconds;
  }

  /**
   * The desk's timers: wrap-ups that ran out, offers ringing an agent whose connection is gone (out
   * of rotation at once), and a routing pass over every team with calls waiting.
   */
  async tick(): Promise<number> {
    let changed = 0;
    const now = new Date();
    for (const due of await agentsInWrapUpDue(this.tx.db, now, 100)) {
      const over = await this.tx.db.transaction().execute(async (db) => {
        const locked = await lockAgent(db, due.teamId, due.identity);
        const next = locked && wrapUpOver(locked, new Date());
        if (next) await saveAgent(db, next);
        return !!next;
      });
      if (over) {
        changed++;
        this.kick(due.teamId);
      }
    }
    for (const ringing of await ringingTeamCalls(this.tx.db)) {
      if (await this.presence.isOnline(ringing.calleeIdentity).catch(() => true)) continue;
      await this.calls
        .transition(ringing.id, (c) => (c.calleeIdentity === ringing.calleeIdentity ? (offerLapsed(c, 'agent_gone') ?? c) : c), 'agent_gone')
        .then(() => changed++)
        .catch(() => undefined);
    }
    for (const teamId of await teamsWithQueuedCalls(this.tx.db)) this.kick(teamId);
    return changed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.routing.values()]);
  }

  // --- helpers ----------------------------------------------------------------------------------

  private async onlineOf(identities: string[]): Promise<Set<string>> {
    const online = new Set<string>();
    await Promise.all(
      identities.map(async (id) => {
        if (await this.presence.isOnline(id).catch(() => false)) online.add(id);
      }),
    );
    return online;
  }

  private async find(idOrName: string): Promise<Team> {
    if (!idOrName) throw new DomainError('INVALID_ARGUMENT', 'team_id or name is required', { field: 'team_id' });
    const cached = this.teamCache.get(idOrName);
    if (cached) return cached;
    const team = await findTeam(this.tx.db, idOrName);
    if (!team) throw new DomainError('NOT_FOUND', `no team ${idOrName}`);
    this.teamCache.set(team.id, team);
    this.teamCache.set(team.name, team);
    return team;
  }

  private teamById(teamId: string): Promise<Team> {
    return this.find(teamId);
  }
}
