// The service desk's router, and agents following their calls.
//
// A team's calls wait in the calls table (state queued, ordered by queue_at: when the customer's push
// began). The router reads the queue and the available agents, and offers each call in order to the
// connected agent available longest who has not declined it (one who did, only when nobody else can
// take it, a while later: declinesLapsed), each offer in the call room's transaction
// with the team row locked (so instances never offer twice) and the agent re-checked (and, for an
// agent of several teams, not busy in another). It runs when something frees an agent or queues a call
// (kick), and on every tick (agents who came back, other instances' changes, a restart). Agents follow
// their calls in the same transaction as the call (follow).
import { Logger } from '@rtcroom/common';
import { Call } from '../../calls/domain/call';
import { Agent, agentFollows, nextAgent, Team, wrapUpOver } from '../domain/desk';
import { agentOutcomes, declinesLapsed, estimateWait, LapseCause, offer, offerLapsed } from '../domain/desk-call';
import { Calls, DeskPort, PresencePort } from '../../calls/application/calls';
import { onlineOf, TeamDirectory } from './desk-directory';
import { RoomChangeSet } from '../../changes/room-change-set';
import { RoomTransactions } from '../../changes/room-transaction';

export interface DeskRoutingOptions {
  /** The handling time estimates assume until a team has answered calls of its own. */
  defaultHandlingSeconds: number;
}

/** Agents counted as staffing the team (for estimates). */
const staffing = (a: Agent) => a.state !== 'signed_out' && a.state !== 'away';

export class DeskRouting implements DeskPort {
  private readonly routing = new Map<string, Promise<void>>();
  private readonly routeAgain = new Set<string>();
  private readonly handling = new Map<string, { seconds: number; at: number }>();
  private stopped = false;

  constructor(
    private readonly tx: RoomTransactions,
    private readonly calls: Calls,
    private readonly presence: PresencePort,
    private readonly teams: TeamDirectory,
    private readonly logger: Logger,
    private readonly options: DeskRoutingOptions = { defaultHandlingSeconds: 120 },
  ) {
    calls.desk = this;
  }

  // --- agents follow their calls ----------------------------------------------------------------

  async follow(change: RoomChangeSet, before: Call, after: Call, cause?: LapseCause): Promise<void> {
    for (const o of agentOutcomes(before, after, cause)) {
      const team = await this.teams.find(o.teamId);
      const agent = await change.store.desk.lockAgent(o.teamId, o.identity);
      if (!agent) continue;
      const next = agentFollows(agent, o.to, change.now, team.wrapUpSeconds);
      if (next !== agent) await change.store.desk.saveAgent(next);
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
    const team = await this.teams.find(teamId);
    const [agents, waiting] = await Promise.all([this.tx.store.desk.agentsOf(teamId), this.tx.store.desk.waitingCalls(teamId)]);
    const queued = waiting.filter((c) => c.state === 'queued');
    const available = agents.filter((a) => a.state === 'available');
    let offered = 0;
    if (queued.length > 0 && available.length > 0) {
      const online = await onlineOf(this.presence, available.map((a) => a.identity));
      const taken = new Set<string>();
      const now = new Date();
      for (const call of queued) {
        const free = available.filter((a) => !taken.has(a.identity));
        const connected = (id: string) => online.has(id);
        const pick =
          nextAgent(
            free.filter((a) => !call.declinedBy.includes(a.identity)),
            connected,
          ) ?? (declinesLapsed(call, now) ? nextAgent(free, connected) : null);
        if (!pick) continue;
        taken.add(pick.identity);
        if (await this.offerTo(call, team, pick.identity)) offered++;
        if (taken.size === available.length) break;
      }
    }
    // Nothing offered: the queue read above is still the queue (no second read on every tick).
    await this.updatePositions(team, agents, offered === 0 ? queued : undefined);
    return offered;
  }

  private async offerTo(call: Call, team: Team, agentIdentity: string): Promise<boolean> {
    let done = false;
    try {
      await this.calls.transition(call.id, async (c, now, change) => {
        if (c.state !== 'queued' || c.teamId !== team.id) return c;
        const { desk, calls } = change.store;
        await desk.lockTeam(team.id);
        const agent = await desk.lockAgent(team.id, agentIdentity);
        if (!agent || agent.state !== 'available') return c;
        // An identity in several teams: offers to it are serialised across teams too.
        await desk.lockIdentity(agentIdentity);
        // Rung, in a call or wrapping up for another team, or in a call of its own.
        if ((await desk.busyInAnyTeam(agentIdentity)) || (await calls.inLiveCall(agentIdentity))) return c;
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
  private async updatePositions(team: Team, agents: Agent[], known?: Call[]): Promise<void> {
    const queued = known ?? (await this.tx.store.desk.waitingCalls(team.id)).filter((c) => c.state === 'queued');
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
    const figures = await this.tx.store.desk.teamCallFigures(teamId, new Date(Date.now() - 24 * 3600 * 1000));
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
    for (const due of await this.tx.store.desk.agentsInWrapUpDue(now, 100)) {
      const over = await this.tx.store.transaction(async (tx) => {
        const locked = await tx.desk.lockAgent(due.teamId, due.identity);
        const next = locked && wrapUpOver(locked, new Date());
        if (next) await tx.desk.saveAgent(next);
        return !!next;
      });
      if (over) {
        changed++;
        this.kick(due.teamId);
      }
    }
    const ringingCalls = await this.tx.store.desk.ringingTeamCalls();
    // Presence failing: nobody's offer is taken away on that account. Nothing ringing: nothing to ask.
    const reachable =
      ringingCalls.length === 0 ? null : await this.presence.onlineAmong(ringingCalls.map((c) => c.calleeIdentity)).catch(() => null);
    for (const ringing of reachable ? ringingCalls : []) {
      if (reachable!.has(ringing.calleeIdentity)) continue;
      await this.calls
        .transition(ringing.id, (c) => (c.calleeIdentity === ringing.calleeIdentity ? (offerLapsed(c, 'agent_gone') ?? c) : c), 'agent_gone')
        .then(() => changed++)
        .catch(() => undefined);
    }
    for (const teamId of await this.tx.store.desk.teamsWithQueuedCalls()) this.kick(teamId);
    return changed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.routing.values()]);
  }
}
