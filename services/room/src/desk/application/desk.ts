// The service desk's use cases: teams; agents setting their state; customers calling a team;
// transfer and guests; figures; recordings by call. Offering queued calls to agents, and agents
// following their calls, is the router's (desk-routing.ts).
import { createHash } from 'node:crypto';
import { DomainError, identityPattern, isDomainError, newId, RequestScope } from '@rtcroom/common';
import type { recordingv1 } from '@rtcroom/proto';
import { Call } from '../../calls/domain/call';
import { Agent, agentChooses, AgentState, normalizeTeam, Team } from '../domain/desk';
import { invite, newTeamCall, transfer } from '../domain/desk-call';
import { checkDisplayName, ClientKind, Member, streamsToPlay } from '../../rooms/domain/room';
import { encodeCallEvents, encodeWhisper } from '../../calls/transport/call-events';
import { isUniqueViolation } from '../../db/store';
import type { CallRecordingFilter, CallRecordingRow, DeskStore } from '../store/desk-store';
import { CallSeat, Calls, PresencePort } from '../../calls/application/calls';
import { onlineOf, TeamDirectory } from './desk-directory';
import { DeskRouting } from './desk-routing';
import { IssuedPushUrl, Memberships, PushUrlIssuer } from '../../rooms/application/memberships';
import { RoomTransactions } from '../../changes/room-transaction';
import { Rooms } from '../../rooms/application/rooms';
import { checkSelf } from '../../calls/domain/call-access';
import { checkAgentOf, checkSupervisorOf } from '../domain/desk-access';
import { Actor } from '../../rooms/domain/room-access';
import { encodeSupervised, SupervisionMode } from '../transport/supervision-events';

export interface AgentView extends Agent {
  /** Connected right now (an agent who is not is out of rotation). */
  connected: boolean;
  /** Ringing, in a call or wrapping up for another team (out of this team's rotation meanwhile). */
  busyElsewhere: AgentState | null;
}

export interface CallTeamInput {
  team: string;
  customerIdentity: string;
  customerSessionId: string;
  customerDisplayName: string;
  metadata: string;
  /** What the customer plays and pushes with; absent: a mini-program. */
  customerKind?: ClientKind;
  /** The request placing the call (its handler's call), named by the calls it makes. */
  scope?: RequestScope;
}

/** A running desk call as its supervisor sees it. */
export interface LiveCall {
  call: Call;
  /** The call room's members now (agent, customer, guests). */
  members: Member[];
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

const signedIn = (a: Agent) => a.state !== 'signed_out';

export class Desk {
  constructor(
    private readonly tx: RoomTransactions,
    private readonly rooms: Rooms,
    private readonly members: Memberships,
    private readonly calls: Calls,
    private readonly presence: PresencePort,
    private readonly routing: DeskRouting,
    private readonly teams: TeamDirectory,
    private readonly issuer: PushUrlIssuer,
  ) {}

  // --- teams and agents -------------------------------------------------------------------------

  async createTeam(input: Omit<Team, 'id' | 'createdAt'>): Promise<Team> {
    const team: Team = { ...normalizeTeam(input), id: newId('t'), createdAt: new Date() };
    try {
      await this.tx.store.desk.insertTeam(team);
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('ALREADY_EXISTS', `a team is named ${team.name}`, { name: team.name }, { cause: err });
      throw err;
    }
    return team;
  }

  async team(idOrName: string, actor: Actor = null, scope?: RequestScope): Promise<{ team: Team; agents: AgentView[]; queue: Call[] }> {
    const team = await this.teams.find(idOrName);
    checkAgentOf(actor, team);
    const [agents, queue] = await Promise.all([this.tx.store.desk.agentsOf(team.id), this.tx.store.desk.waitingCalls(team.id)]);
    const ids = agents.map((a) => a.identity);
    const [online, elsewhere] = await Promise.all([onlineOf(this.presence, ids, scope), this.tx.store.desk.busyElsewhere(team.id, ids)]);
    return { team, agents: agents.map((a) => ({ ...a, connected: online.has(a.identity), busyElsewhere: elsewhere.get(a.identity) ?? null })), queue };
  }

  listTeams(): Promise<Team[]> {
    return this.tx.store.desk.listTeams();
  }

  async setAgentState(teamIdOrName: string, identity: string, state: AgentState, actor: Actor = null): Promise<Agent> {
    if (!identityPattern.test(identity)) throw new DomainError('INVALID_ARGUMENT', 'identity is not valid', { field: 'identity' });
    checkSelf(actor, identity, "set an agent's state");
    const team = await this.teams.find(teamIdOrName);
    checkAgentOf(actor, team);
    const agent = await this.tx.store.transaction(async (tx) => {
      const next = agentChooses(await tx.desk.lockAgent(team.id, identity), team.id, identity, state, new Date());
      await tx.desk.saveAgent(next);
      return next;
    });
    if (agent.state === 'available') this.routing.kick(team.id);
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
    const team = await this.teams.find(input.team);
    newTeamCall({ id: 'c_check', roomId: 'r', customerIdentity: input.customerIdentity, customerStreamId: '', teamId: team.id, metadata: input.metadata, now: new Date() });
    await this.admit(this.tx.store.desk, team);
    if (await this.tx.store.calls.inLiveCall(input.customerIdentity)) throw new DomainError('CALLEE_BUSY', `${input.customerIdentity} is in another call`);
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
        // The customer does not remove agents or supervisors; the call ends by hanging up.
        ownerRights: 'none',
        ownerLeavePolicy: 'close_room',
        // The customer is seated at once; the room closes with the call.
        emptyTimeoutSeconds: 120,
        departureTimeoutSeconds: 1,
        duplicateIdentity: 'replace',
      },
      null,
      null,
      { scope: input.scope }, // the customer joins at once: its push URL signed meanwhile
    );
    const seat = await this.members.join({
      roomId: room.id,
      identity: input.customerIdentity,
      displayName: input.customerDisplayName,
      sessionId: input.customerSessionId,
      createIfMissing: false,
      kind: input.customerKind,
      scope: input.scope,
    });
    try {
      const call = await this.tx.run(room.id, async (change) => {
        const locked = await change.lock(room.id);
        await change.store.desk.lockTeam(team.id);
        await this.admit(change.store.desk, team); // again, under the team's lock: the limit holds across instances
        const created = newTeamCall({
          id: newId('c'),
          roomId: room.id,
          customerIdentity: input.customerIdentity,
          customerStreamId: seat.member.streamId,
          teamId: team.id,
          metadata: input.metadata,
          now: change.now,
        });
        await change.store.calls.insertCall(created);
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
  private async admit(desk: DeskStore, team: Team): Promise<void> {
    const agents = await desk.agentsOf(team.id);
    if (!agents.some(signedIn)) throw new DomainError('TEAM_CLOSED', `no agent of ${team.name} is signed in`, { team: team.name });
    const waiting = await desk.countWaiting(team.id);
    if (waiting >= team.queueLimit) {
      throw new DomainError('QUEUE_FULL', `${team.name} has ${waiting} callers waiting, its limit`, { team: team.name, limit: String(team.queueLimit) });
    }
  }

  /** The agent holding a call hands it to another agent (rung at once) or to a team's queue. */
  async transfer(callId: string, identity: string, toIdentity: string, toTeam: string, scope?: RequestScope): Promise<Call> {
    if (!toIdentity && !toTeam) throw new DomainError('INVALID_ARGUMENT', 'give to_identity (an agent) or to_team, or both', { field: 'to_identity' });
    const current = await this.calls.get(callId);
    const team = toTeam ? await this.teams.find(toTeam) : await this.teams.find(current.teamId ?? '');
    if (toIdentity && !(await this.presence.isOnline(toIdentity, scope).catch(() => false))) {
      throw new DomainError('AGENT_UNAVAILABLE', `${toIdentity} is not connected`, { identity: toIdentity });
    }
    return this.calls.transition(callId, async (call, now, change, room) => {
      const next = transfer(call, identity, { teamId: team.id, agent: toIdentity, ringTimeoutSeconds: team.ringTimeoutSeconds }, now);
      await change.store.desk.lockTeam(team.id);
      if (toIdentity) {
        const agent = await change.store.desk.lockAgent(team.id, toIdentity);
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
  async invite(callId: string, identity: string, invitee: string, scope?: RequestScope): Promise<Call> {
    if (!identityPattern.test(invitee)) throw new DomainError('INVALID_ARGUMENT', 'invitee_identity is not valid', { field: 'invitee_identity' });
    const call = await this.calls.get(callId);
    if (!call.teamId) throw new DomainError('FAILED_PRECONDITION', 'only service-desk calls take guests', { field: 'call_id' });
    if (!(await this.presence.isOnline(invitee, scope).catch(() => false))) throw new DomainError('CALLEE_OFFLINE', `${invitee} is not connected`);
    return this.calls.transition(callId, (c) => invite(c, identity, invitee));
  }

  // --- supervision ------------------------------------------------------------------------------

  /** The running calls of one team the actor supervises, or of all its supervisor_teams (oldest answer first). */
  async liveCalls(teamIdOrName: string, actor: Actor = null): Promise<LiveCall[]> {
    let names: string[];
    if (teamIdOrName) names = [teamIdOrName];
    else if (actor) names = actor.grants.supervisorTeams ?? [];
    else throw new DomainError('INVALID_ARGUMENT', 'team is required', { field: 'team' });
    if (actor && names.length === 0) throw new DomainError('NOT_A_SUPERVISOR', 'the access token supervises no team');
    const teams = new Map<string, Team>();
    for (const name of names) {
      const team = await this.teams.find(name).catch((err) => {
        if (teamIdOrName) throw err;
        return null; // a granted team that does not exist (yet) lists nothing
      });
      if (!team) continue;
      checkSupervisorOf(actor, team);
      teams.set(team.id, team);
    }
    const calls = (await Promise.all([...teams.keys()].map((id) => this.tx.store.desk.liveCalls(id)))).flat();
    calls.sort((a, b) => (a.answerAt?.getTime() ?? 0) - (b.answerAt?.getTime() ?? 0));
    return Promise.all(calls.map(async (call) => ({ call, members: await this.membersOf(call.roomId) })));
  }

  /**
   * Silent monitoring: the running call and the streams its supervisor plays (the publishing members').
   * No seat, no room event: nobody in the call is told; the audit trail (webhooks) records it unless
   * `checkOnly` (the gateway's first look).
   */
  async monitor(callId: string, identity: string, actor: Actor = null, checkOnly = false): Promise<{ live: LiveCall; playStreamIds: string[] }> {
    const call = checkOnly ? await this.liveCall(callId, actor) : await this.audited(callId, identity, 'monitor', actor);
    const members = await this.membersOf(call.roomId);
    return { live: { call, members }, playStreamIds: streamsToPlay(members, identity) };
  }

  /** Barge in: the supervisor takes a seat in the running call, as a guest the parties see join. */
  async bargeIn(callId: string, identity: string, sessionId: string, displayName: string, kind: ClientKind | undefined, actor: Actor = null, scope?: RequestScope): Promise<CallSeat> {
    if (!identityPattern.test(identity)) throw new DomainError('INVALID_ARGUMENT', 'identity is not valid', { field: 'identity' });
    checkSelf(actor, identity, 'barge into a call');
    await this.liveCall(callId, actor);
    await this.calls.transition(callId, (c, now, change) => {
      if (c.state !== 'active') throw new DomainError('CALL_NOT_LIVE', `call ${callId} is not running`, { state: c.state });
      change.notify([encodeSupervised(c, identity, 'barge_in', now)]);
      if (identity === c.callerIdentity || identity === c.calleeIdentity || c.invitedIdentities.includes(identity)) return c;
      if (c.invitedIdentities.length >= 4) throw new DomainError('ROOM_FULL', 'a call takes at most 4 guests', { field: 'call_id' });
      return { ...c, invitedIdentities: [...c.invitedIdentities, identity] };
    });
    const { call: after, seat } = await this.calls.answer(callId, identity, sessionId, true, displayName, kind, scope);
    if (!seat) throw new DomainError('CALL_NOT_LIVE', `call ${callId} is not running`, { state: after.state });
    return { call: after, ...seat };
  }

  /**
   * Whisper: a push URL for the supervisor, on a stream of its own outside the room's seats (not
   * recorded); the call's agent alone is told, by a call event naming the stream. Asked again, a fresh URL.
   */
  async whisper(callId: string, identity: string, kind: ClientKind | undefined, actor: Actor = null, scope?: RequestScope): Promise<{ live: LiveCall; pushUrl: IssuedPushUrl }> {
    if (!identityPattern.test(identity)) throw new DomainError('INVALID_ARGUMENT', 'identity is not valid', { field: 'identity' });
    checkSelf(actor, identity, 'whisper in a call');
    const call = await this.liveCall(callId, actor);
    const memberId = whisperMemberId(callId, identity);
    const pushUrl = await this.issuer.issuePushUrl({ roomId: call.roomId, memberId, record: false, formats: [], kind, audioOnly: false, identity }, scope);
    const after = await this.calls.transition(callId, (c, now, change) => {
      if (c.state !== 'active') throw new DomainError('CALL_NOT_LIVE', `call ${callId} is not running`, { state: c.state });
      change.notify([...encodeWhisper(c, c.calleeIdentity, identity, { streamId: pushUrl.streamId, memberId }, now), encodeSupervised(c, identity, 'whisper', now)]);
      return c;
    });
    return { live: { call: after, members: await this.membersOf(call.roomId) }, pushUrl };
  }

  /** The running call, checked as liveCall does, with the supervision written to the audit trail. */
  private async audited(callId: string, identity: string, mode: SupervisionMode, actor: Actor): Promise<Call> {
    await this.liveCall(callId, actor);
    return this.calls.transition(callId, (c, now, change) => {
      if (c.state !== 'active') throw new DomainError('CALL_NOT_LIVE', `call ${callId} is not running`, { state: c.state });
      change.notify([encodeSupervised(c, identity, mode, now)]);
      return c;
    });
  }

  /** A desk call of a team the actor supervises, running now. */
  private async liveCall(callId: string, actor: Actor): Promise<Call> {
    const call = await this.calls.get(callId);
    if (!call.teamId) throw new DomainError('CALL_NOT_FOUND', `no desk call ${callId}`);
    checkSupervisorOf(actor, await this.teams.find(call.teamId));
    if (call.state !== 'active') throw new DomainError('CALL_NOT_LIVE', `call ${callId} is not running`, { state: call.state });
    return call;
  }

  private async membersOf(roomId: string): Promise<Member[]> {
    try {
      return (await this.rooms.get({ roomId })).members;
    } catch (err) {
      if (isDomainError(err, 'ROOM_CLOSED') || isDomainError(err, 'ROOM_NOT_FOUND')) return [];
      throw err;
    }
  }

  // --- figures and recordings -------------------------------------------------------------------

  async stats(teamIdOrName: string, since: Date | undefined, actor: Actor = null, scope?: RequestScope): Promise<TeamStats> {
    const team = await this.teams.find(teamIdOrName);
    checkAgentOf(actor, team);
    const from = since ?? new Date(Date.now() - 24 * 3600 * 1000);
    const desk = this.tx.store.desk;
    const [figures, waiting, agents] = await Promise.all([desk.teamCallFigures(team.id, from), desk.waitingCalls(team.id), desk.agentsOf(team.id)]);
    const now = Date.now();
    const longestWaitingNow = waiting.reduce((m, c) => Math.max(m, (now - c.createdAt.getTime()) / 1000), 0);
    const availableHere = agents.filter((a) => a.state === 'available').map((a) => a.identity);
    const [online, elsewhere] = await Promise.all([onlineOf(this.presence, availableHere, scope), desk.busyElsewhere(team.id, availableHere)]);
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
      agentsAvailable: availableHere.filter((id) => online.has(id) && !elsewhere.has(id)).length,
    };
  }

  /** A recording of a desk call's room is ready: kept against the call, its team, agents and customer. */
  async keepRecording(recording: recordingv1.Recording, encoded: Uint8Array): Promise<void> {
    if (!recording.roomId || !recording.id) return;
    const call = await this.tx.store.calls.findCallByRoom(recording.roomId);
    if (!call?.teamId) return;
    await this.tx.store.desk.insertCallRecording({
      recordingId: recording.id,
      callId: call.id,
      teamId: call.teamId,
      customerIdentity: call.callerIdentity,
      agentIdentities: call.agentIdentities,
      recording: encoded,
      createdAt: recording.createTime ?? new Date(),
    });
  }

  /**
   * One call's recordings for an end user (an agent who held the call, or a supervisor of its team),
   * oldest first, with each recording's url signed for that user (by recording id; none: no url):
   * what the agent's console lists and plays.
   */
  async callRecordingsFor(callId: string, actor: NonNullable<Actor>, scope?: RequestScope): Promise<{ rows: CallRecordingRow[]; signedUrls: Map<string, string> }> {
    if (!callId) throw new DomainError('INVALID_ARGUMENT', 'call_id is required', { field: 'call_id' });
    const call = await this.tx.store.calls.findCall(callId);
    if (!call?.teamId) throw new DomainError('CALL_NOT_FOUND', `no desk call ${callId}`, { callId });
    if (!call.agentIdentities.includes(actor.identity)) {
      const team = await this.teams.find(call.teamId);
      try {
        checkSupervisorOf(actor, team);
      } catch (err) {
        throw new DomainError('NOT_A_PARTY', 'only an agent who held the call or a supervisor of its team sees its recordings', { callId }, { cause: err });
      }
    }
    const rows = (await this.tx.store.desk.listCallRecordings({ callId }, 200, null)).reverse();
    const signedUrls = rows.length > 0 && this.issuer.signedRecordingUrls ? await this.issuer.signedRecordingUrls(call.roomId, actor.identity, scope) : new Map<string, string>();
    return { rows, signedUrls };
  }

  async recordings(filter: CallRecordingFilter & { team?: string }, pageSize: number, pageToken: string): Promise<{ rows: CallRecordingRow[]; nextPageToken: string }> {
    const { team, ...rest } = filter;
    const f: CallRecordingFilter = { ...rest };
    if (team) f.teamId = (await this.teams.find(team)).id;
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
    const rows = await this.tx.store.desk.listCallRecordings(f, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextPageToken = rows.length > limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.recordingId}`).toString('base64url') : '';
    return { rows: page, nextPageToken };
  }
}

/**
 * The whisper stream's stand-in member id: one per call and supervisor (the URL issuer derives the
 * stream id from it); "w_", never a member's.
 */
function whisperMemberId(callId: string, identity: string): string {
  const digest = createHash('sha256').update(`whisper|${callId}|${identity}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return 'w_' + Array.from(digest.subarray(0, 20), (b) => alphabet[b % 32]).join('');
}
