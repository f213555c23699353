// The sessions this gateway opens and closes, told to presence in batches: what the connections open
// and close over one short tick goes in one UpdateSessions call, so a busy gateway pays one call per
// tick instead of one per connection (and presence one round of writes). Each open still gets its
// own answer or error. A presence that does not know UpdateSessions (older) gets one call per session.
import { DomainError, isUnimplemented, Logger } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { Backends } from '../backends';

/** The most opens (and closes) one call carries, as presence takes them. */
const maxPerCall = 1000;

interface PendingOpen {
  req: presencev1.OpenSessionRequest;
  resolve: (res: presencev1.OpenSessionResponse) => void;
  reject: (err: unknown) => void;
}

interface PendingClose {
  req: presencev1.CloseSessionRequest;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PresenceBatch {
  private opens: PendingOpen[] = [];
  private closes: PendingClose[] = [];
  /** Cancels the scheduled send, while one is scheduled. */
  private cancelSend: (() => void) | undefined;
  private batched = true;
  private readonly inFlight = new Set<Promise<void>>();

  /** @param tickMs how long the first open or close waits for others; 0: until the end of the event loop's turn. */
  constructor(
    private readonly presence: Backends['presence'],
    private readonly gatewayId: string,
    private readonly tickMs: number,
    private readonly logger: Logger,
  ) {}

  open(sessionId: string, identity: string): Promise<presencev1.OpenSessionResponse> {
    const req = { sessionId, identity, gatewayId: this.gatewayId };
    if (!this.batched) return this.presence.openSession(req);
    return new Promise((resolve, reject) => {
      this.opens.push({ req, resolve, reject });
      this.schedule();
    });
  }

  close(sessionId: string, resumable: boolean, holdsNoSeats: boolean): Promise<void> {
    const req = { sessionId, resumable, gatewayId: this.gatewayId, holdsNoSeats };
    if (!this.batched) return this.presence.closeSession(req).then(() => undefined);
    return new Promise((resolve, reject) => {
      this.closes.push({ req, resolve, reject });
      this.schedule();
    });
  }

  /** Sends what is gathered now and waits for every call under way (shutdown). */
  async flush(): Promise<void> {
    this.send();
    await Promise.all([...this.inFlight]);
  }

  private schedule(): void {
    if (this.cancelSend) return;
    if (this.tickMs > 0) {
      const timer = setTimeout(() => this.send(), this.tickMs);
      this.cancelSend = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.send());
      this.cancelSend = () => clearImmediate(immediate);
    }
  }

  private send(): void {
    this.cancelSend?.();
    this.cancelSend = undefined;
    while (this.opens.length > 0 || this.closes.length > 0) {
      const call = this.call(this.opens.splice(0, maxPerCall), this.closes.splice(0, maxPerCall));
      this.inFlight.add(call);
      void call.finally(() => this.inFlight.delete(call));
    }
  }

  private async call(opens: PendingOpen[], closes: PendingClose[]): Promise<void> {
    let res: presencev1.UpdateSessionsResponse;
    try {
      res = await this.presence.updateSessions({ gatewayId: this.gatewayId, opens: opens.map((o) => o.req), closes: closes.map((c) => c.req) });
    } catch (err) {
      if (isUnimplemented(err)) return this.oneByOne(opens, closes);
      for (const p of [...opens, ...closes]) p.reject(err);
      return;
    }
    opens.forEach((o, i) => {
      const r = res.opens[i];
      if (r?.session) o.resolve({ session: r.session, resumeGraceMs: res.resumeGraceMs });
      else o.reject(new DomainError(r?.errorReason === 'INVALID_ARGUMENT' ? 'INVALID_ARGUMENT' : 'UNAVAILABLE', r?.errorMessage || 'presence did not open the session'));
    });
    const failed = new Set(res.failedCloseSessionIds);
    for (const c of closes) {
      if (failed.has(c.req.sessionId)) c.reject(new DomainError('UNAVAILABLE', 'presence could not close the session'));
      else c.resolve();
    }
  }

  private async oneByOne(opens: PendingOpen[], closes: PendingClose[]): Promise<void> {
    if (this.batched) this.logger.info('presence does not take batched session updates; one call per session from now on');
    this.batched = false;
    await Promise.all([
      ...opens.map((o) => this.presence.openSession(o.req).then(o.resolve, o.reject)),
      ...closes.map((c) => this.presence.closeSession(c.req).then(() => c.resolve(), c.reject)),
    ]);
  }
}
