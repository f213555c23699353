// The calls' store as the application sees it (a port). Postgres in production (pg-call-store.ts),
// memory in unit tests (in-memory-call-store.ts).
import type { Call } from '../domain/call';

export interface CallStore {
  insertCall(call: Call): Promise<void>;
  saveCall(call: Call): Promise<void>;
  findCall(id: string): Promise<Call | null>;
  /** A call room's call (one each). */
  findCallByRoom(roomId: string): Promise<Call | null>;
  /** Whether the identity is a party to a call that has not ended. */
  inLiveCall(identity: string): Promise<boolean>;
  /** The calls that have not ended whose caller or callee is the identity, oldest first, at most `limit`. */
  liveCallsOf(identity: string, limit: number): Promise<Call[]>;
  /** Calls still dialing or ringing whose deadline has passed. */
  callsPastDeadline(now: Date, limit: number): Promise<Call[]>;
}
