// The calls a client is party to (1:1 calls, and service-desk calls as customer, agent or guest): their
// latest state, from request answers and call notices, each step told to the app once (an answer and a
// notice often tell the same step). A desk call that moves on to another agent is no longer the
// client's: it is forgotten, and an agent it was ringing is told the offer is gone.
import type { Emitter } from '../emitter.js';
import type { RtcRoomEvents } from '../events.js';
import type { Call, PlayUrl } from '../protocol.js';

/** A call's new state, from an answer or a call notice (which may carry the caller's play URL). */
export interface CallStep {
  call: Call;
  callerPlayUrl?: PlayUrl;
}

const endedKept = 100;

export class CallTracker {
  private readonly calls = new Map<string, Call>();
  /** Ids of calls that ended lately, so an ending told twice is told once. */
  private readonly ended: string[] = [];

  constructor(
    private readonly events: Emitter<RtcRoomEvents>,
    private readonly identity: () => string,
  ) {}

  /** A call that has not ended, by id. */
  get(callId: string): Call | undefined {
    return this.calls.get(callId);
  }

  active(): Call[] {
    return [...this.calls.values()];
  }

  clear(): void {
    this.calls.clear();
  }

  /**
   * A call's new state, from an answer or a notice. `declinedByMe`: the answer to this client's own
   * rejection, which is not an offer withdrawn.
   */
  changed(notice: CallStep, declinedByMe = false): void {
    const { call } = notice;
    const known = this.calls.get(call.id);
    if (call.state === 'CALL_STATE_ENDED') return this.end(notice, known, declinedByMe);
    if (known && sameStep(known, call)) return;
    const me = this.identity();
    if (!isParty(call, me)) {
      // An offer that moved on, or a call this agent handed over; unknown ones were never this client's.
      if (!known) return;
      this.calls.delete(call.id);
      this.events.emit('callUpdated', notice);
      if (ringsMe(known, me) && !declinedByMe) this.events.emit('offerWithdrawn', { call });
      return;
    }
    this.calls.set(call.id, call);
    this.events.emit('callUpdated', notice);
    this.tell(notice, known, me);
  }

  /**
   * A call under way, listed for a session that did not resume (listMyCalls): taken as a step unless a
   * notice told of the call meanwhile (it is newer) or its end was told (the list was read before it).
   */
  listed(call: Call): void {
    if (this.calls.has(call.id) || this.ended.includes(call.id)) return;
    this.changed({ call });
  }

  /** The events of a step beyond callUpdated: an offer, a customer's place in line, an invitation. */
  private tell(notice: CallStep, known: Call | undefined, me: string): void {
    const { call } = notice;
    if (ringsMe(call, me) && !(known && ringsMe(known, me))) this.events.emit('incomingCall', notice);
    if (call.teamId && call.callerIdentity === me) {
      if (call.state === 'CALL_STATE_QUEUED') this.events.emit('callQueued', { call, position: call.queuePosition, estimatedWaitSeconds: call.estimatedWaitSeconds });
      else if (call.state === 'CALL_STATE_RINGING' && known?.state !== 'CALL_STATE_RINGING') this.events.emit('callConnecting', { call });
    }
    if (call.state === 'CALL_STATE_ACTIVE' && call.invitedIdentities.includes(me) && !known?.invitedIdentities.includes(me)) this.events.emit('callInvitation', { call });
  }

  private end(notice: CallStep, known: Call | undefined, declinedByMe: boolean): void {
    const { call } = notice;
    this.calls.delete(call.id);
    if (this.ended.includes(call.id)) return;
    this.ended.push(call.id);
    if (this.ended.length > endedKept) this.ended.shift();
    this.events.emit('callUpdated', notice);
    if (call.teamId && known && ringsMe(known, this.identity()) && !declinedByMe) this.events.emit('offerWithdrawn', { call });
    this.events.emit('callEnded', { call, reason: call.endReason });
  }
}

const ringsMe = (call: Call, me: string) => call.state === 'CALL_STATE_RINGING' && call.calleeIdentity === me;
const isParty = (call: Call, me: string) => call.callerIdentity === me || call.calleeIdentity === me || call.invitedIdentities.includes(me);

/** Nothing a party would notice changed: the same state, callee, place in line and guests. */
function sameStep(a: Call, b: Call): boolean {
  return (
    a.state === b.state &&
    a.calleeIdentity === b.calleeIdentity &&
    a.queuePosition === b.queuePosition &&
    a.estimatedWaitSeconds === b.estimatedWaitSeconds &&
    a.invitedIdentities.join() === b.invitedIdentities.join()
  );
}
