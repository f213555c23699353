// The room service, reached over gRPC, as presence's RoomPort.
//
// A session's seats marked back (a resume), or dropped (the sweep finding a gateway silent), are sent
// together when they come close together: one call goes at once, and those that come while it is in
// flight go in the next, as one SetSessionsConnection (a storm of resumes after a gateway went away
// costs the room one read of seats and one of seqs per call, not per resume). Nothing waits on a timer, so a lone resume is sent
// as soon as it comes. A room service that does not know SetSessionsConnection yet (UNIMPLEMENTED, as
// during a rolling upgrade) is called once per session instead.
import { createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig, isUnimplemented, optionsOf, RequestScope } from '@rtcroom/common';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomPort } from '../presence-app';

type SessionSeats = { members: roomv1.Member[]; roomSeqs: Record<string, number> };

/** The most resumes in one call (the room service takes up to 1,000). */
const maxBatch = 200;

export function grpcRoomPort(address: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): RoomPort & { close(): void } {
  const client = createClient(roomServicev1.RoomServiceService, address, 5000, { tls, metrics, inproc });
  const one = async (sessionId: string, connected: boolean, scope?: RequestScope): Promise<SessionSeats> => {
    const { members, roomSeqs } = await client.setSessionConnection({ sessionId, connected }, optionsOf(scope));
    return { members, roomSeqs };
  };
  const coalesced = (connected: boolean) =>
    new Coalesced<SessionSeats>(async (batch) => {
      // The first one's request id names the call in the room service's log.
      const { sessions } = await client.setSessionsConnection({ sessionIds: batch.map((b) => b.sessionId), connected }, optionsOf(batch[0].scope));
      return sessions.map(({ members, roomSeqs }) => ({ members, roomSeqs }));
    }, (sessionId, scope) => one(sessionId, connected, scope));
  const back = coalesced(true);
  const dropped = coalesced(false);
  return {
    async leaveSession(sessionId, why, scope) {
      const reason = why === 'left' ? roomv1.LeaveReason.LEAVE_REASON_LEFT : roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST;
      const { members } = await client.leaveSession({ sessionId, reason }, optionsOf(scope));
      return members.length;
    },
    async setSessionConnection(sessionId, connected, scope) {
      return (connected ? back : dropped).add(sessionId, scope);
    },
    async setStreamState(roomId, identity, publishing, scope) {
      const res = await client.setStreamState({ roomId, identity, publishing, source: roomv1.StreamSource.STREAM_SOURCE_CLIENT }, optionsOf(scope));
      return res.changed;
    },
    close: () => client.close(),
  };
}

interface Waiting<T> {
  sessionId: string;
  scope?: RequestScope;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** One call in flight at a time; what comes meanwhile goes together in the next. `single` serves a callee without the batch call. */
export class Coalesced<T> {
  private waiting: Waiting<T>[] = [];
  private sending = false;
  private batchUnknown = false;

  constructor(
    private readonly batchCall: (batch: Waiting<T>[]) => Promise<T[]>,
    private readonly single: (sessionId: string, scope?: RequestScope) => Promise<T>,
  ) {}

  add(sessionId: string, scope?: RequestScope): Promise<T> {
    if (this.batchUnknown) return this.single(sessionId, scope);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ sessionId, scope, resolve, reject });
      if (!this.sending) void this.send();
    });
  }

  private async send(): Promise<void> {
    this.sending = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, maxBatch);
      try {
        const results = await this.batchCall(batch);
        batch.forEach((w, i) => w.resolve(results[i]));
      } catch (err) {
        if (isUnimplemented(err)) {
          this.batchUnknown = true;
          for (const w of [...batch, ...this.waiting.splice(0)]) this.single(w.sessionId, w.scope).then(w.resolve, w.reject);
        } else for (const w of batch) w.reject(err);
      }
    }
    this.sending = false;
  }
}
