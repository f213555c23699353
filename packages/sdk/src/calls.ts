// The 1:1 calls a client is party to: their latest state, from request answers and call notices, each
// step told to the app once (an answer and a notice often tell the same step).
import type { Emitter } from './emitter.js';
import type { RtcRoomEvents } from './events.js';
import type { Call, CallNotice } from './protocol.js';

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

  changed(notice: CallNotice): void {
    const { call } = notice;
    if (call.state === 'CALL_STATE_ENDED') {
      this.calls.delete(call.id);
      if (this.ended.includes(call.id)) return;
      this.ended.push(call.id);
      if (this.ended.length > endedKept) this.ended.shift();
      this.events.emit('callUpdated', notice);
      this.events.emit('callEnded', { call, reason: call.endReason });
      return;
    }
    const known = this.calls.get(call.id);
    if (known && known.state === call.state) return;
    this.calls.set(call.id, call);
    this.events.emit('callUpdated', notice);
    if (call.state === 'CALL_STATE_RINGING' && call.calleeIdentity === this.identity()) this.events.emit('incomingCall', notice);
  }
}
