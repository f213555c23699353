// The calls' store on Postgres: the port (call-store.ts) over the repository's functions, bound to the
// pool or to one transaction.
import type { RoomDb } from '../../db/database';
import type { Call } from '../domain/call';
import { callsPastDeadline, findCall, findCallByRoom, inLiveCall, insertCall, liveCallsOf, saveCall } from './call.repository';
import type { CallStore } from './call-store';

export class PgCallStore implements CallStore {
  constructor(private readonly db: RoomDb) {}

  insertCall(call: Call) {
    return insertCall(this.db, call);
  }
  saveCall(call: Call) {
    return saveCall(this.db, call);
  }
  findCall(id: string) {
    return findCall(this.db, id);
  }
  findCallByRoom(roomId: string) {
    return findCallByRoom(this.db, roomId);
  }
  inLiveCall(identity: string) {
    return inLiveCall(this.db, identity);
  }
  liveCallsOf(identity: string, limit: number) {
    return liveCallsOf(this.db, identity, limit);
  }
  callsPastDeadline(now: Date, limit: number) {
    return callsPastDeadline(this.db, now, limit);
  }
}
