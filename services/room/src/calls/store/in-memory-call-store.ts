// The calls' store in memory, for fast unit tests of the use cases: the port (call-store.ts) with a
// call's unique keys (its id, its room) refused as Postgres refuses them, and copies in and out.
import { uniqueViolation } from '../../db/store';
import type { Call } from '../domain/call';
import type { CallStore } from './call-store';

const live = (c: Call) => c.state !== 'ended';
/** A call not ended whose caller or callee is the identity. */
const liveFor = (c: Call, identity: string) => live(c) && (c.callerIdentity === identity || c.calleeIdentity === identity);

export const copyCall = (c: Call): Call => ({
  ...c,
  agentIdentities: [...c.agentIdentities],
  invitedIdentities: [...c.invitedIdentities],
  declinedBy: [...c.declinedBy],
});

export class InMemoryCallStore implements CallStore {
  private calls = new Map<string, Call>();

  /** Every call as stored, not copied (the in-memory desk store queries them). */
  all(): readonly Call[] {
    return [...this.calls.values()];
  }

  /** Takes a copy of everything; the function returned puts it back (a transaction rolling back). */
  snapshot(): () => void {
    const calls = new Map(this.calls);
    return () => {
      this.calls = calls;
    };
  }

  async insertCall(call: Call) {
    if (this.calls.has(call.id)) throw uniqueViolation('calls_pkey');
    if (this.all().some((c) => c.roomId === call.roomId)) throw uniqueViolation('calls_room_id_key');
    this.calls.set(call.id, copyCall(call));
  }

  async saveCall(call: Call) {
    if (this.calls.has(call.id)) this.calls.set(call.id, copyCall(call));
  }

  async findCall(id: string) {
    const call = this.calls.get(id);
    return call ? copyCall(call) : null;
  }

  async findCallByRoom(roomId: string) {
    const call = this.all().find((c) => c.roomId === roomId);
    return call ? copyCall(call) : null;
  }

  async inLiveCall(identity: string) {
    return this.all().some((c) => liveFor(c, identity));
  }

  async liveCallsOf(identity: string, limit: number) {
    return this.all()
      .filter((c) => liveFor(c, identity))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map(copyCall);
  }

  async callsPastDeadline(now: Date, limit: number) {
    return this.all()
      .filter((c) => (c.state === 'dialing' || c.state === 'ringing') && c.deadlineAt && c.deadlineAt <= now)
      .slice(0, limit)
      .map(copyCall);
  }
}
