// Presence's use cases. Sessions come and go; a dropped one keeps its seats for the resume grace
// period (the room is told the member's connection is interrupted) and can be resumed on any
// gateway; a gateway that goes silent loses all its sessions the same way. Pusher reports become
// stream state in the room. A use case asked for by a call takes the call as its `scope`: its log
// lines and the room service's calls name the request; the sweep's have ids of their own.
import { DomainError, judgePusherCode, Logger, PusherVerdict, RequestScope } from '@rtcroom/common';
import type { roomv1 } from '@rtcroom/proto';
import { canResume, interrupt, judgeSession, LivenessPolicy, resumeOn, Session } from './domain/session';
import { SessionStore } from './store/session-store';

/**
 * Why a session's seats end: the client said goodbye (closed with 1000, or the gateway closed the
 * session for good), or its connection did not come back within the grace period.
 */
export type SessionEnd = 'left' | 'connection_lost';

/** The room service as presence needs it. */
export interface RoomPort {
  leaveSession(sessionId: string, why: SessionEnd, scope?: RequestScope): Promise<number>;
  /** The seats the session holds, after the change, and (when connected) each one's room's seq by room id. */
  setSessionConnection(sessionId: string, connected: boolean, scope?: RequestScope): Promise<{ members: roomv1.Member[]; roomSeqs: Record<string, number> }>;
  setStreamState(roomId: string, identity: string, publishing: boolean, scope?: RequestScope): Promise<boolean>;
}

export interface SessionOpen {
  sessionId: string;
  identity: string;
  gatewayId: string;
}

export interface SessionClose {
  sessionId: string;
  gatewayId: string;
  resumable: boolean;
  holdsNoSeats: boolean;
}

/**
 * How many sessions the sweep handles at once. A gateway that died with thousands of sessions has them
 * interrupted together (each a session write and a call to the rooms, which go together in batches:
 * transport/room.client.ts), not one after another for minutes while they still show connected.
 */
const sweepConcurrency = 64;
/** How often a resume is judged again when its session changed under it before it gives up (UNAVAILABLE). */
const resumeAttempts = 5;
const toError = (reason: unknown): Error => (reason instanceof Error ? reason : new Error(String(reason)));

export class PresenceApp {
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** When each gateway's full keepalive list was last compared with the sessions counted as its (dropUnlisted). */
  private readonly unlistedCheckedAt = new Map<string, number>();
  /** A sweep is under way: the timer's next tick is skipped rather than queued behind it. */
  private sweepRunning = false;
  /** When the store last refused a write here (keepalives lost then are not the gateways' silence). */
  private storeLastFailed: Date | undefined;
  /** Sessions whose drop the rooms could not be told of yet (tellRoomsDropped). */
  private readonly roomsNotTold = new Set<string>();

  constructor(
    private readonly store: SessionStore,
    private readonly rooms: RoomPort,
    private readonly logger: Logger,
    readonly policy: LivenessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(sweepIntervalMs = Math.max(100, Math.min(500, Math.floor(this.policy.sessionTimeoutMs / 5)))): void {
    this.sweeper = setInterval(() => {
      // A long sweep (a dead gateway's thousands of sessions) is not followed by a queue of its missed ticks.
      if (this.sweepRunning) return;
      this.sweepRunning = true;
      this.sweeping = this.sweeping.then(() => this.sweep()).finally(() => (this.sweepRunning = false));
    }, sweepIntervalMs);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  async open(sessionId: string, identity: string, gatewayId: string): Promise<Session> {
    if (!sessionId || !identity || !gatewayId) throw new DomainError('INVALID_ARGUMENT', 'session_id, identity and gateway_id are required');
    const now = this.now();
    const session: Session = { sessionId, identity, gatewayId, state: 'connected', openedAt: now, interruptedAt: null, connectedAt: now };
    await this.store.put(session);
    return session;
  }

  /**
   * A gateway's opens and closes of one tick, written together (the store's writes go out in one
   * flush, their acknowledgements awaited together): each item as open() and close() would do it, on
   * its own, so one refused or failed leaves the others done.
   */
  async update(gatewayId: string, opens: SessionOpen[], closes: SessionClose[], scope?: RequestScope): Promise<{ opened: Array<Session | Error>; failedCloses: string[] }> {
    if (!gatewayId) throw new DomainError('INVALID_ARGUMENT', 'gateway_id is required');
    const notMine = [...opens, ...closes].find((x) => x.gatewayId !== gatewayId);
    if (notMine) throw new DomainError('INVALID_ARGUMENT', `every open and close must be of gateway ${gatewayId}`);
    const [opened, closed] = await Promise.all([
      Promise.allSettled(opens.map((o) => this.open(o.sessionId, o.identity, gatewayId))),
      Promise.allSettled(closes.map((c) => this.close(c.sessionId, gatewayId, c.resumable, c.holdsNoSeats, scope))),
    ]);
    const failedCloses = closes.filter((c, i) => closed[i].status === 'rejected').map((c) => c.sessionId);
    if (failedCloses.length > 0) this.log(scope).warn('could not close sessions', { gatewayId, sessionIds: failedCloses });
    return { opened: opened.map((r) => (r.status === 'fulfilled' ? r.value : toError(r.reason))), failedCloses };
  }

  /**
   * The gateway lost the connection: keep the seats for the grace period, or end them now, as a
   * goodbye (the others see LEFT: a client that closes with 1000 has left, it has not crashed). With
   * `holdsNoSeats` (the gateway knows the session holds none), ending it does not ask the rooms.
   */
  async close(sessionId: string, gatewayId: string, resumable: boolean, holdsNoSeats = false, scope?: RequestScope): Promise<void> {
    const s = await this.store.get(sessionId);
    if (!s || (gatewayId && s.gatewayId !== gatewayId)) return; // resumed elsewhere meanwhile
    if (resumable) await this.interrupt(s, scope);
    // Not ended (its seats still held): the gateway closes it again. Nothing else would: the session is
    // still connected, on a gateway that lives, so no sweep ever ends it.
    else if (!(await this.end(s, 'left', holdsNoSeats, scope))) throw new DomainError('UNAVAILABLE', `session ${sessionId} could not give up its seats; close it again`);
  }

  async resume(sessionId: string, identity: string, gatewayId: string, scope?: RequestScope): Promise<{ session: Session; seats: roomv1.Member[]; roomSeqs: Record<string, number> }> {
    // Over the copy judged, as an interrupt is: a session ended meanwhile (here or on another presence
    // instance) is not brought back without its seats; one changed meanwhile is judged again.
    for (let attempt = 1; ; attempt++) {
      const s = await this.store.get(sessionId);
      if (!canResume(s, identity, this.now(), this.policy)) throw new DomainError('SESSION_NOT_FOUND', `session ${sessionId} cannot be resumed`);
      // The gateway gave up already (its deadline passed while this waited, as in a storm of resumes):
      // moving the session would only leave it connected where nobody holds it.
      if (scope?.cancelled) throw new DomainError('UNAVAILABLE', `the resume of session ${sessionId} came too late; resume it again`);
      const session = resumeOn(s, gatewayId, this.now());
      if (await this.store.replace(session, s)) {
        const { members: seats, roomSeqs } = await this.rooms.setSessionConnection(sessionId, true, scope);
        this.log(scope).info('session resumed', { sessionId, identity, gatewayId, from: s.gatewayId });
        return { session, seats, roomSeqs };
      }
      if (attempt === resumeAttempts) throw new DomainError('UNAVAILABLE', `session ${sessionId} kept changing while it was resumed; resume it again`);
      // Another instance's write reaches this one's copy through its watch, a moment later.
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }

  /**
   * A gateway says it holds these sessions; the ones it should not hold any more come back. With
   * `listsAll` they are every session it holds: the others presence counts as connected there are
   * dropped (dropUnlisted).
   */
  async keepAlive(gatewayId: string, sessionIds: string[], listsAll = false): Promise<string[]> {
    await this.store.touchGateway(gatewayId, this.now()).catch((err) => {
      this.storeLastFailed = this.now();
      throw err;
    });
    const unknown: string[] = [];
    for (const id of sessionIds) {
      const s = await this.store.get(id);
      if (!s || s.gatewayId !== gatewayId || s.state !== 'connected') unknown.push(id);
    }
    if (listsAll) await this.dropUnlisted(gatewayId, sessionIds);
    return unknown;
  }

  /**
   * The sessions presence counts as connected on a gateway that the gateway's full list does not name:
   * it holds no connection for them (a resume presence carried out after the gateway had given up on
   * it, its deadline passed), so they are interrupted as any drop, rather than shown connected, their
   * seats held, for as long as the gateway lives. One connected within the session timeout is left
   * alone (its connection may still be opening). At most once a session timeout per gateway.
   */
  private async dropUnlisted(gatewayId: string, listed: string[]): Promise<void> {
    const now = this.now().getTime();
    if (now - (this.unlistedCheckedAt.get(gatewayId) ?? 0) < this.policy.sessionTimeoutMs) return;
    this.unlistedCheckedAt.set(gatewayId, now);
    const held = new Set(listed);
    const unlisted = (await this.store.all()).filter(
      (s) => s.gatewayId === gatewayId && s.state === 'connected' && !held.has(s.sessionId) && now - s.connectedAt.getTime() >= this.policy.sessionTimeoutMs,
    );
    if (unlisted.length === 0) return;
    this.logger.warn('sessions connected on a gateway that does not hold them: interrupted', { gatewayId, sessions: unlisted.length });
    await forEachAtMost(unlisted, sweepConcurrency, async (listedCopy) => {
      const s = await this.store.get(listedCopy.sessionId);
      if (s && s.gatewayId === gatewayId && s.state === 'connected' && now - s.connectedAt.getTime() >= this.policy.sessionTimeoutMs) await this.interrupt(s);
    });
  }

  /** Gateways other than this one heard from within the session timeout (those that could take a session over). */
  async otherGatewaysAlive(gatewayId: string): Promise<number> {
    const now = this.now().getTime();
    let alive = 0;
    for (const [id, seen] of await this.store.gatewaysLastSeen()) if (id !== gatewayId && now - seen.getTime() < this.policy.sessionTimeoutMs) alive++;
    return alive;
  }

  async sessionsOf(identity: string): Promise<Session[]> {
    return this.store.ofIdentity(identity);
  }

  async reportPusher(sessionId: string, identity: string, roomId: string, code: number, scope?: RequestScope): Promise<PusherVerdict> {
    const session = await this.store.get(sessionId);
    if (!session || session.identity !== identity) throw new DomainError('SESSION_NOT_FOUND', `no session ${sessionId} for ${identity}`);
    if (!roomId) throw new DomainError('INVALID_ARGUMENT', 'room_id is required', { field: 'room_id' });
    const verdict = judgePusherCode(code);
    if (verdict === 'stream_started' || verdict === 'stream_stopped') {
      const changed = await this.rooms.setStreamState(roomId, identity, verdict === 'stream_started', scope);
      return changed ? verdict : 'none';
    }
    return verdict;
  }

  /** Interrupts the sessions of silent gateways, and ends the ones whose grace period is over. */
  async sweep(): Promise<void> {
    try {
      // Judged as of the time this instance's view is complete up to, not the clock: a view that fell
      // behind would show gateways that kept writing as silent.
      // Drops the rooms could not be told of (their members would show connected until the grace ends).
      for (const id of [...this.roomsNotTold]) {
        const s = await this.store.get(id);
        if (s?.state === 'interrupted') await this.tellRoomsDropped(id);
        else this.roomsNotTold.delete(id);
      }
      const seen = await this.store.seenUpTo(this.now());
      const gateways = await this.store.gatewaysLastSeen();
      await forEachAtMost(await this.store.all(), sweepConcurrency, async (listed) => {
        // As it is now, not as listed: the sweep awaits sessions' rooms as it goes, and one listed
        // on a silent gateway may have been resumed on another meanwhile (a draining gateway's are).
        const s = await this.store.get(listed.sessionId);
        if (!s) return;
        const verdict = judgeSession(s, gateways.get(s.gatewayId), seen, this.policy, this.storeLastFailed);
        if (verdict === 'interrupt') await this.interrupt(s);
        else if (verdict === 'expire') await this.end(s, 'connection_lost');
      });
    } catch (err) {
      this.storeLastFailed = this.now();
      this.logger.warn('presence sweep failed', { err });
    }
  }

  private async interrupt(s: Session, scope?: RequestScope): Promise<void> {
    if (s.state === 'interrupted') return;
    // Only over the copy judged: a session another presence instance resumed meanwhile stays resumed.
    if (!(await this.store.replace(interrupt(s, this.now()), s))) return;
    this.log(scope).info('session interrupted', { sessionId: s.sessionId, identity: s.identity, gatewayId: s.gatewayId });
    await this.tellRoomsDropped(s.sessionId, scope);
    // A resume right after this interrupt (here or on another instance) may have told the rooms "back"
    // before this "dropped" reached them: the session connected now is told "back" again, last.
    if ((await this.store.get(s.sessionId))?.state !== 'connected') return;
    await this.rooms.setSessionConnection(s.sessionId, true, scope).catch((err) => {
      this.log(scope).warn('could not tell the rooms a resumed session is back after its drop', { sessionId: s.sessionId, err });
    });
  }

  /** Tells the rooms a session's connection dropped; if they cannot be told now, each sweep tries again while it stays dropped. */
  private async tellRoomsDropped(sessionId: string, scope?: RequestScope): Promise<void> {
    try {
      await this.rooms.setSessionConnection(sessionId, false, scope);
      this.roomsNotTold.delete(sessionId);
    } catch (err) {
      this.roomsNotTold.add(sessionId);
      this.log(scope).warn('could not tell the rooms a connection dropped; the next sweep tries again', { sessionId, err });
    }
  }

  /** Whether the session ended; if not, it is kept for another try (the next sweep's, or the gateway's close again). */
  private async end(s: Session, why: SessionEnd, holdsNoSeats = false, scope?: RequestScope): Promise<boolean> {
    try {
      if (!holdsNoSeats) await this.rooms.leaveSession(s.sessionId, why, scope);
      await this.store.delete(s.sessionId);
      this.log(scope).info('session ended', { sessionId: s.sessionId, identity: s.identity, why });
      return true;
    } catch (err) {
      this.log(scope).warn('could not give up the seats of an ended session', { sessionId: s.sessionId, err });
      return false;
    }
  }

  /** The request's logger where a call asked, else the service's. */
  private log(scope: RequestScope | undefined): Logger {
    return scope?.log ?? this.logger;
  }
}

/** Runs `each` over the items, at most `limit` at once; the first failure stops it taking more and is thrown once those under way are done. */
async function forEachAtMost<T>(items: readonly T[], limit: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await each(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}
