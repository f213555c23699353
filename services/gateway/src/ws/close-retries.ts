// A session's close that presence did not take (presence, its store or the room service away for a
// moment) is told again until it does. Nothing else would end that session: presence holds it as
// connected on a gateway that lives on, so it never sweeps it, and its identity would show online and
// its seats stay held by nobody (a member the room sees but no one is behind). Tried again after
// 1 s, then twice as long each time up to 30 s, for as long as this gateway runs; left be when the
// session is held here again (resumed on this gateway: closing it would end the live connection's
// session). A session resumed on another gateway meanwhile is safe: presence closes a session only
// for the gateway holding it.
import { Logger } from '@rtcroom/common';

interface Waiting {
  resumable: boolean;
  holdsNoSeats: boolean;
  delayMs: number;
  timer: NodeJS.Timeout;
}

export class CloseRetries {
  private readonly waiting = new Map<string, Waiting>();
  private stopped = false;

  constructor(
    private readonly close: (sessionId: string, resumable: boolean, holdsNoSeats: boolean) => Promise<void>,
    /** Whether a connection here holds the session now. */
    private readonly heldHere: (sessionId: string) => boolean,
    private readonly logger: Logger,
    private readonly firstDelayMs = 1000,
    private readonly maxDelayMs = 30_000,
  ) {}

  /** The session's close failed: it is told again later. */
  add(sessionId: string, resumable: boolean, holdsNoSeats: boolean): void {
    if (this.stopped) return;
    clearTimeout(this.waiting.get(sessionId)?.timer);
    this.schedule(sessionId, { resumable, holdsNoSeats, delayMs: this.firstDelayMs });
  }

  /** Closes waiting to be told again. */
  get size(): number {
    return this.waiting.size;
  }

  /** Stops trying (shutdown: presence ends the sessions of a gateway gone silent by itself). */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
  }

  private schedule(sessionId: string, w: Omit<Waiting, 'timer'>): void {
    const timer = setTimeout(() => void this.retry(sessionId), w.delayMs);
    timer.unref();
    this.waiting.set(sessionId, { ...w, timer });
  }

  private async retry(sessionId: string): Promise<void> {
    const w = this.waiting.get(sessionId);
    if (!w || this.stopped) return;
    if (this.heldHere(sessionId)) {
      this.waiting.delete(sessionId);
      return;
    }
    try {
      await this.close(sessionId, w.resumable, w.holdsNoSeats);
      if (this.waiting.get(sessionId) === w) this.waiting.delete(sessionId);
      this.logger.info('session closed with presence on a later try', { sessionId });
    } catch (err) {
      if (this.waiting.get(sessionId) !== w || this.stopped) return;
      const delayMs = Math.min(this.maxDelayMs, w.delayMs * 2);
      this.logger.warn('could not close the session with presence; trying again', { sessionId, inMs: delayMs, err });
      this.schedule(sessionId, { ...w, delayMs });
    }
  }
}
