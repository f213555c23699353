// A draining gateway's sessions that hold seats are handed off rather than closed: their clients were
// told (goAway) to reconnect elsewhere, and one that resumes on another gateway takes its session over
// without its rooms ever hearing it dropped (no memberConnection flicker, no room writes). Presence
// hears of the others only when the hold is over; the hold ends early once every session is taken
// over, as the gateway learns from its keepalives (a session presence no longer counts as this
// gateway's), or at once when presence has heard of no other gateway alive to take one.

export class HandOff {
  private readonly pending = new Set<string>();
  private readonly over: Promise<void>;
  private finish!: () => void;

  constructor(holdMs: number) {
    this.over = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, holdMs);
      this.finish = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The sessions still waiting to be taken over. */
  get sessionIds(): string[] {
    return [...this.pending];
  }

  /** Waits for the hold: true when the session was taken over elsewhere meanwhile, false if it is still this gateway's. */
  async wait(sessionId: string): Promise<boolean> {
    this.pending.add(sessionId);
    await this.over;
    return !this.pending.has(sessionId);
  }

  /** No other gateway could take a session over: the hold ends now, every session still this gateway's. */
  end(): void {
    this.finish();
  }

  /** Presence no longer counts these as this gateway's (resumed elsewhere, or ended); with none left, the hold ends. */
  takenOver(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.pending.delete(id);
    if (this.pending.size === 0) this.finish();
  }
}
