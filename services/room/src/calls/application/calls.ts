// 1:1 calls: each call has its own two-seat room, and follows what happens in it (a hook on the
// room's changes, in the same transaction): the caller's push beginning rings the callee, the
// callee's seat answers, a party leaving ends the call, and the call ending closes the room.
// Calls to a service-desk team (desk/domain/desk-call.ts) run on the same machinery; the desk
// (desk/application/desk.ts) routes them to agents, and its agents follow every change of such a call
// in the same transaction.
import type { mediav1 } from '@rtcroom/proto';
import { DomainError, newId, RequestScope } from '@rtcroom/common';
import { answer, Call, callerStartedPushing, cancel, expire, hangUp, newCall, notParty, partyGone, requireNotEnded } from '../domain/call';
import { agentAnswered, customerStartedPushing, LapseCause, offerLapsed, ringingAgentDeclines } from '../../desk/domain/desk-call';
import { checkDisplayName, ClientKind, Member, Room } from '../../rooms/domain/room';
import { encodeCallEvents } from '../transport/call-events';
import { RoomChange } from '../../changes/room-change';
import { IssuedPushUrl, Memberships } from '../../rooms/application/memberships';
import { RoomChangeSet } from '../../changes/room-change-set';
import { RoomTransactions } from '../../changes/room-transaction';
import { Rooms } from '../../rooms/application/rooms';
import { checkParty } from '../domain/call-access';
import { Actor } from '../../rooms/domain/room-access';

/** Calls a listing of one identity's calls under way holds at most (ListCallsUnderWay). */
export const maxListedCalls = 50;

/** Presence as calls and the desk need it: is anyone connected as this identity (or these)? */
export interface PresencePort {
  /** `scope`: the request asking (a handler's call), named in presence's log. */
  isOnline(identity: string, scope?: RequestScope): Promise<boolean>;
  /** Those of the identities that are connected. */
  onlineAmong(identities: string[], scope?: RequestScope): Promise<Set<string>>;
}

/** The service desk as calls need it. */
export interface DeskPort {
  /** Agents follow a change of a team call (in the same transaction). */
  follow(change: RoomChangeSet, before: Call, after: Call, cause?: LapseCause): Promise<void>;
  /** Routes the team's queue soon. */
  kick(teamId: string): void;
}

export interface PlaceCallInput {
  callerIdentity: string;
  callerSessionId: string;
  calleeIdentity: string;
  callerDisplayName: string;
  recording: boolean;
  metadata: string;
  ringTimeoutSeconds: number;
  /** What the caller plays and pushes with; absent: a mini-program. */
  callerKind?: ClientKind;
  /** The request placing the call (its handler's call), named by the calls it makes. */
  scope?: RequestScope;
}

export interface CallSeat {
  call: Call;
  room: Room;
  member: Member;
  members: Member[];
  pushUrl: IssuedPushUrl | null;
  seq: number;
  /** A seat taken by a join: the play URLs, signed for its member, the join got in time. */
  playUrls?: mediav1.PlayUrl[];
}

export class Calls {
  /** Set by the desk when there is one. */
  desk: DeskPort | undefined;

  constructor(
    private readonly tx: RoomTransactions,
    private readonly rooms: Rooms,
    private readonly members: Memberships,
    private readonly presence: PresencePort,
    private readonly defaultRingTimeoutSeconds: number,
  ) {
    // A call's room: the call follows each change in the same transaction (read and written with it).
    tx.addHook({ usesStore: (room) => room.kind === 'call', react: (change, room, happened) => this.followRoom(change, room, happened) });
  }

  async place(input: PlaceCallInput): Promise<CallSeat> {
    checkDisplayName('caller_display_name', input.callerDisplayName);
    const ringTimeoutSeconds = input.ringTimeoutSeconds || this.defaultRingTimeoutSeconds;
    // Validated before anything is made.
    newCall({ id: 'c_check', roomId: 'r', callerIdentity: input.callerIdentity, calleeIdentity: input.calleeIdentity, callerStreamId: '', metadata: input.metadata, ringTimeoutSeconds, now: new Date() });
    // Both asked at once (presence over gRPC, the store): one round trip less before the ring.
    const [online, busy] = await Promise.all([this.presence.isOnline(input.calleeIdentity, input.scope), this.tx.store.calls.inLiveCall(input.calleeIdentity)]);
    if (!online) throw new DomainError('CALLEE_OFFLINE', `${input.calleeIdentity} is not connected`);
    if (busy) throw new DomainError('CALLEE_BUSY', `${input.calleeIdentity} is in another call`);
    const room = await this.rooms.create(
      {
        name: newId('call'),
        kind: 'call',
        displayName: '',
        maxMembers: 2,
        metadata: '',
        recording: input.recording,
        ownerIdentity: input.callerIdentity,
        // A call ends by hanging up; neither party removes the other.
        ownerRights: 'none',
        ownerLeavePolicy: 'close_room',
        emptyTimeoutSeconds: ringTimeoutSeconds * 2 + 30,
        departureTimeoutSeconds: 1,
        duplicateIdentity: 'replace',
      },
      null,
      null,
      { scope: input.scope }, // the caller joins at once: its push URL signed meanwhile
    );
    const seat = await this.members.join({
      roomId: room.id,
      identity: input.callerIdentity,
      displayName: input.callerDisplayName,
      sessionId: input.callerSessionId,
      createIfMissing: false,
      kind: input.callerKind,
      scope: input.scope,
    });
    const call = await this.tx.run(room.id, async (change) => {
      const locked = await change.lock(room.id);
      const created = newCall({
        id: newId('c'),
        roomId: room.id,
        callerIdentity: input.callerIdentity,
        calleeIdentity: input.calleeIdentity,
        callerStreamId: seat.member.streamId,
        metadata: input.metadata,
        ringTimeoutSeconds,
        now: change.now,
      });
      await change.store.calls.insertCall(created);
      change.notify(encodeCallEvents(created, change.now));
      await change.commit(locked);
      return created;
    });
    return { call, ...seat };
  }

  /**
   * Accepting takes the callee's seat (the room's hook makes the call active); rejecting ends it (a
   * team call goes back to its queue). An identity invited into a running call accepts the same way.
   */
  async answer(
    callId: string,
    identity: string,
    sessionId: string,
    accept: boolean,
    displayName: string,
    kind?: ClientKind,
    scope?: RequestScope,
  ): Promise<{ call: Call; seat?: Omit<CallSeat, 'call'> }> {
    const call = await this.get(callId);
    if (call.invitedIdentities.includes(identity) && identity !== call.calleeIdentity) {
      requireNotEnded(call);
      if (!accept) return { call };
      if (call.state !== 'active') throw new DomainError('FAILED_PRECONDITION', 'the call is not running', { state: call.state });
      const seat = await this.members.join({ roomId: call.roomId, identity, displayName, sessionId, createIfMissing: false, kind, scope });
      return { call: await this.get(callId), seat };
    }
    answer(call, identity, accept, new Date()); // refuses early: wrong party, not ringing, ended
    if (!accept) {
      const declined = await this.transition(callId, (c, now) => (c.teamId ? ringingAgentDeclines(c, identity) : answer(c, identity, false, now)), 'rejected');
      return { call: declined };
    }
    const seat = await this.members.join({ roomId: call.roomId, identity, displayName, sessionId, createIfMissing: false, kind, scope });
    return { call: await this.get(callId), seat };
  }

  cancel(callId: string, identity: string): Promise<Call> {
    return this.transition(callId, (c, now) => cancel(c, identity, now));
  }

  /** A ringing agent hanging up on a team call declines the offer; otherwise the call ends. */
  async hangUp(callId: string, identity: string): Promise<Call> {
    const seen = await this.get(callId);
    const declines = (c: Call) => !!c.teamId && c.state === 'ringing' && identity === c.calleeIdentity;
    return this.transition(callId, (c, now) => (declines(c) ? ringingAgentDeclines(c, identity) : hangUp(c, identity, now)), declines(seen) ? 'rejected' : undefined);
  }

  async get(callId: string, actor: Actor = null): Promise<Call> {
    if (!/^c_[a-z2-7]{20}$/.test(callId)) throw new DomainError('INVALID_ARGUMENT', 'call_id is not a call id', { field: 'call_id' });
    const call = await this.tx.store.calls.findCall(callId);
    if (!call) throw new DomainError('CALL_NOT_FOUND', `no call ${callId}`);
    checkParty(actor, call);
    return call;
  }

  /** The calls under way that the identity places or is called in (ListCallsUnderWay), oldest first. */
  async underWay(identity: string): Promise<Call[]> {
    return this.tx.store.calls.liveCallsOf(identity, maxListedCalls);
  }

  /** Ends the calls whose caller never began pushing, or whose callee never answered, in time. */
  async expireDue(limit = 100): Promise<number> {
    let ended = 0;
    for (const due of await this.tx.store.calls.callsPastDeadline(new Date(), limit)) {
      try {
        // A team call's offer that rang out goes back to the queue; anything else past due ends.
        await this.transition(due.id, (c, now) => (c.teamId && c.state === 'ringing' ? (c.deadlineAt! <= now ? offerLapsed(c, 'timeout') : null) : expire(c, now)) ?? c, 'timeout');
        ended++;
      } catch {
        // Ended meanwhile by other means.
      }
    }
    return ended;
  }

  /** Applies a transition under the call room's lock; an ended call closes its room. */
  async transition(callId: string, step: (call: Call, now: Date, change: RoomChangeSet, room: Room) => Call | Promise<Call>, cause?: LapseCause): Promise<Call> {
    const { roomId } = await this.get(callId);
    return this.tx.run(roomId, async (change) => {
      const room = await change.lock(roomId);
      const call = (await change.store.calls.findCallByRoom(roomId))!;
      const next = await step(call, change.now, change, room);
      if (next !== call) await this.save(change, room, call, next, cause);
      await change.commit(room);
      return next;
    });
  }

  private async followRoom(change: RoomChangeSet, room: Room, happened: RoomChange[]): Promise<void> {
    if (room.kind !== 'call') return;
    const call = await change.store.calls.findCallByRoom(room.id);
    if (!call) return;
    let next: Call = call;
    for (const h of happened) next = this.react(next, h, change.now) ?? next;
    if (next !== call) await this.save(change, room, call, next);
  }

  private react(call: Call, h: RoomChange, now: Date): Call | null {
    switch (h.type) {
      case 'stream_started':
        if (h.member.identity !== call.callerIdentity) return null;
        return call.teamId ? customerStartedPushing(call, now) : callerStartedPushing(call, now);
      case 'member_joined': {
        const who = h.member.identity;
        // A call's room seats its parties and those invited, nobody else.
        if (who !== call.callerIdentity && who !== call.calleeIdentity && !call.invitedIdentities.includes(who)) {
          throw notParty(call, who, 'a call room seats only its parties and those invited');
        }
        if (who !== call.calleeIdentity || call.state !== 'ringing') return null;
        return call.teamId ? agentAnswered(call, who, now) : answer(call, who, true, now);
      }
      case 'member_left':
        if (h.reason === 'replaced' || h.reason === 'call_ended' || h.reason === 'room_closed' || h.reason === 'transferred') return null;
        if (h.member.identity !== call.callerIdentity && h.member.identity !== call.calleeIdentity) return null;
        return partyGone(call, h.member.identity, h.reason === 'connection_lost' ? 'connection_lost' : 'left', now);
      case 'room_closed':
        return partyGone(call, '', 'room_closed', now);
      default:
        return null;
    }
  }

  /** Writes the call, tells its parties (and an agent whose offer is gone), and lets the desk follow. */
  async save(change: RoomChangeSet, room: Room, before: Call, call: Call, cause?: LapseCause): Promise<void> {
    await change.store.calls.saveCall(call);
    const lapsed = before.calleeIdentity && before.calleeIdentity !== call.calleeIdentity ? [before.calleeIdentity] : [];
    change.notify(encodeCallEvents(call, change.now, lapsed));
    if (call.teamId || before.teamId) {
      await this.desk?.follow(change, before, call, cause);
      const teams = new Set([before.teamId, call.teamId].filter((t): t is string => !!t));
      if (call.state !== before.state || call.teamId !== before.teamId) change.afterCommit(() => teams.forEach((t) => this.desk?.kick(t)));
    }
    if (call.state === 'ended' && room.state === 'open') await change.close(room, 'call_ended');
  }
}
