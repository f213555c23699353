// A draining gateway's sessions that hold seats are handed off rather than closed: their clients were
// told (goAway) to reconnect elsewhere, and one that resumes on another gateway takes its session over
// without its rooms ever hearing it dropped (no memberConnection flicker, no room writes). Presence
// hears of the others only when the hold is over. The hold lasts `holdMs`, and again from each time a
// session is taken over (a storm of resumes still under way on a busy system), up to three times
// `holdMs` in all; it ends early once every session is taken over, as the gateway learns from its
// keepalives (a session presence no longer counts as this gateway's), or at once when presence has
// heard of no other gateway alive to take one.

export class HandOff {
  private readonly pending = new Set<string>();
  private readonly over: Promise<void>;
  private finish!: () => void;
  private timer: NodeJS.Timeout | undefined;
  private readonly endsBy: number;

  constructor(private readonly holdMs: number) {
    this.endsBy = Date.now() + 3 * holdMs;
    this.over = new Promise<void>((resolve) => {
      this.finish = () => {
        clearTimeout(this.timer);
        resolve();
      };
    });
    this.extend();
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
    let progress = false;
    for (const id of sessionIds) progress = this.pending.delete(id) || progress;
    if (this.pending.size === 0) this.finish();
    else if (progress) this.extend();
  }

  /** The hold runs `holdMs` from now, but not past three times `holdMs` from its start. */
  private extend(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.finish(), Math.max(0, Math.min(this.holdMs, this.endsBy - Date.now())));
  }
}
