// 1:1 calls: each call has its own two-seat room, and follows what happens in it (a hook on the
// room's changes, in the same transaction): the caller's push beginning rings the callee, the
// callee's seat answers, a party leaving ends the call, and the call ending closes the room.
import { DomainError, newId } from '@rtcroom/common';
import { answer, Call, callerStartedPushing, cancel, expire, hangUp, newCall, partyGone } from '../domain/call';
import { checkDisplayName, Member, Room } from '../domain/room';
import { encodeCallEvents } from '../events/call-events';
import { RoomChange } from '../events/room-events';
import { callsPastDeadline, findCall, findCallByRoom, inLiveCall, insertCall, saveCall } from '../store/call.repository';
import { IssuedPushUrl, Memberships } from './memberships';
import { RoomChangeSet, RoomTransactions } from './room-transaction';
import { Rooms } from './rooms';

/** Presence as calls need it: is anyone connected as this identity? */
export interface PresencePort {
  isOnline(identity: string): Promise<boolean>;
}

export interface PlaceCallInput {
  callerIdentity: string;
  callerSessionId: string;
  calleeIdentity: string;
  callerDisplayName: string;
  recording: boolean;
  metadata: string;
  ringTimeoutSeconds: number;
}

export interface CallSeat {
  call: Call;
  room: Room;
  member: Member;
  members: Member[];
  pushUrl: IssuedPushUrl;
  seq: number;
}

export class Calls {
  constructor(
    private readonly tx: RoomTransactions,
    private readonly rooms: Rooms,
    private readonly members: Memberships,
    private readonly presence: PresencePort,
    private readonly defaultRingTimeoutSeconds: number,
  ) {
    tx.addHook((change, room, happened) => this.followRoom(change, room, happened));
  }

  async place(input: PlaceCallInput): Promise<CallSeat> {
    checkDisplayName('caller_display_name', input.callerDisplayName);
    const ringTimeoutSeconds = input.ringTimeoutSeconds || this.defaultRingTimeoutSeconds;
    // Validated before anything is made.
    newCall({ id: 'c_check', roomId: 'r', callerIdentity: input.callerIdentity, calleeIdentity: input.calleeIdentity, callerStreamId: '', metadata: input.metadata, ringTimeoutSeconds, now: new Date() });
    if (!(await this.presence.isOnline(input.calleeIdentity))) {
      throw new DomainError('CALLEE_OFFLINE', `${input.calleeIdentity} is not connected`);
    }
    if (await inLiveCall(this.tx.db, input.calleeIdentity)) throw new DomainError('CALLEE_BUSY', `${input.calleeIdentity} is in another call`);
    const room = await this.rooms.create(
      {
        name: newId('call'),
        kind: 'call',
        displayName: '',
        maxMembers: 2,
        metadata: '',
        recording: input.recording,
        ownerIdentity: input.callerIdentity,
        ownerLeavePolicy: 'close_room',
        emptyTimeoutSeconds: ringTimeoutSeconds * 2 + 30,
        departureTimeoutSeconds: 1,
        duplicateIdentity: 'replace',
      },
      null,
    );
    const seat = await this.members.join({
      roomId: room.id,
      identity: input.callerIdentity,
      displayName: input.callerDisplayName,
      sessionId: input.callerSessionId,
      createIfMissing: false,
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
      await insertCall(change.db, created);
      change.notify(encodeCallEvents(created, change.now));
      await change.commit(locked);
      return created;
    });
    return { call, ...seat };
  }

  /** Accepting takes the callee's seat (the room's hook makes the call active); rejecting ends it. */
  async answer(callId: string, identity: string, sessionId: string, accept: boolean, displayName: string): Promise<{ call: Call; seat?: Omit<CallSeat, 'call'> }> {
    const call = await this.get(callId);
    answer(call, identity, accept, new Date()); // refuses early: wrong party, not ringing, ended
    if (!accept) return { call: await this.transition(callId, (c, now) => answer(c, identity, false, now)) };
    const seat = await this.members.join({ roomId: call.roomId, identity, displayName, sessionId, createIfMissing: false });
    return { call: await this.get(callId), seat };
  }

  cancel(callId: string, identity: string): Promise<Call> {
    return this.transition(callId, (c, now) => cancel(c, identity, now));
  }

  hangUp(callId: string, identity: string): Promise<Call> {
    return this.transition(callId, (c, now) => hangUp(c, identity, now));
  }

  async get(callId: string): Promise<Call> {
    if (!/^c_[a-z2-7]{20}$/.test(callId)) throw new DomainError('INVALID_ARGUMENT', 'call_id is not a call id', { field: 'call_id' });
    const call = await findCall(this.tx.db, callId);
    if (!call) throw new DomainError('CALL_NOT_FOUND', `no call ${callId}`);
    return call;
  }

  /** Ends the calls whose caller never began pushing, or whose callee never answered, in time. */
  async expireDue(limit = 100): Promise<number> {
    let ended = 0;
    for (const due of await callsPastDeadline(this.tx.db, new Date(), limit)) {
      try {
        await this.transition(due.id, (c, now) => expire(c, now) ?? c);
        ended++;
      } catch {
        // Ended meanwhile by other means.
      }
    }
    return ended;
  }

  /** Applies a transition under the call room's lock; an ended call closes its room. */
  private async transition(callId: string, step: (call: Call, now: Date) => Call): Promise<Call> {
    const { roomId } = await this.get(callId);
    return this.tx.run(roomId, async (change) => {
      const room = await change.lock(roomId);
      const call = (await findCallByRoom(change.db, roomId))!;
      const next = step(call, change.now);
      if (next !== call) await this.save(change, room, next);
      await change.commit(room);
      return next;
    });
  }

  private async followRoom(change: RoomChangeSet, room: Room, happened: RoomChange[]): Promise<void> {
    if (room.kind !== 'call') return;
    const call = await findCallByRoom(change.db, room.id);
    if (!call) return;
    let next: Call = call;
    for (const h of happened) next = this.react(next, h, change.now) ?? next;
    if (next !== call) await this.save(change, room, next);
  }

  private react(call: Call, h: RoomChange, now: Date): Call | null {
    switch (h.type) {
      case 'stream_started':
        return h.member.identity === call.callerIdentity ? callerStartedPushing(call, now) : null;
      case 'member_joined':
        return h.member.identity === call.calleeIdentity && call.state === 'ringing' ? answer(call, h.member.identity, true, now) : null;
      case 'member_left':
        if (h.reason === 'replaced' || h.reason === 'call_ended' || h.reason === 'room_closed') return null;
        if (h.member.identity !== call.callerIdentity && h.member.identity !== call.calleeIdentity) return null;
        return partyGone(call, h.member.identity, h.reason === 'connection_lost' ? 'connection_lost' : 'left', now);
      case 'room_closed':
        return partyGone(call, '', 'room_closed', now);
      default:
        return null;
    }
  }

  private async save(change: RoomChangeSet, room: Room, call: Call): Promise<void> {
    await saveCall(change.db, call);
    change.notify(encodeCallEvents(call, change.now));
    if (call.state === 'ended' && room.state === 'open') await change.close(room, 'call_ended');
  }
}
