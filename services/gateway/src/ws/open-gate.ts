// Admission control for opening sessions. At most `maxOpening` connections are opened at once (the
// session's resume or open with presence, its seats' seqs); the others wait their turn in order, their
// sockets open and idle, and are told so (Waiting, again every few seconds) so a client does not give
// up on its welcome. A storm of reconnects (a gateway restarted under thousands of clients) is then
// served at the pace the system keeps, where before every open slowed down together until clients
// gave up after the SDK's 10 s and came back, doing the work again from the back of the line.
//
// A new connection whose wait would pass `maxWaitMs` is not queued: it is sent away with a time to come
// back (GoAway before the welcome), spread over about the time the line takes to shorten, so the
// clients sent away do not all return at once. The wait is foretold from how long opens have lasted
// lately: with a line, every place is taken, so it moves `maxOpening` places per open's time. A
// resume always waits in line: its seats' grace is running, and coming back later would only be
// later. A connection that goes away while waiting gives its place up without costing anything.

/** What an open is taken to last before any has finished (the first of a storm). */
const firstGuessMs = 50;
/** How much each finished open moves the running average of how long one lasts. */
const averageWeight = 0.1;

export interface OpenGateOptions {
  maxOpening: number;
  maxWaitMs: number;
  now?: () => number;
  random?: () => number;
}

/** A connection let in: `done()` when its opening has finished (welcomed or failed), once. */
export interface Admitted {
  admitted: true;
  /** How long it waited in line (0: let in at once). */
  waitedMs: number;
  done(): void;
}

/** A connection sent away: come back after this long. */
export interface SentAway {
  admitted: false;
  retryAfterMs: number;
}

/** What a connection waiting in line hears until its turn: its place (1: next) and the expected wait. */
export type WaitingUpdate = (position: number, expectedWaitMs: number) => void;

interface Waiter {
  since: number;
  update: WaitingUpdate;
  gone: () => boolean;
  resolve: (r: Admitted | null) => void;
}

export class OpenGate {
  private opening = 0;
  private closed = false;
  private readonly line: Waiter[] = [];
  /** How long an open lasts, on average of the last few dozen (each finished one weighs averageWeight). */
  private openMs = firstGuessMs;
  private finishedCount = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: OpenGateOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Connections waiting in line now. */
  get waiting(): number {
    return this.line.length;
  }

  /** Connections being opened now. */
  get inFlight(): number {
    return this.opening;
  }

  /**
   * Lets the connection in at once, puts it in line (resolves when its turn comes; null if it went
   * away meanwhile, `gone()` true), or sends it away (never a resume).
   */
  enter(update: WaitingUpdate, gone: () => boolean, resuming = false): Admitted | SentAway | Promise<Admitted | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.opening < this.options.maxOpening && this.line.length === 0) return this.admit(0);
    const position = this.line.length + 1;
    const expectedWaitMs = this.expectedWaitMs(position);
    // A resume is never sent away: its seats' grace is running, and coming back later only makes it later.
    if (expectedWaitMs > this.options.maxWaitMs && !resuming) {
      // Back once about the line ahead has gone through, spread over half as long again.
      return { admitted: false, retryAfterMs: Math.round(expectedWaitMs * (1 + this.random() / 2)) };
    }
    update(position, expectedWaitMs);
    return new Promise((resolve) => this.line.push({ since: this.now(), update, gone, resolve }));
  }

  /** The gateway stops: nobody waiting will be let in (each resolves null), nor anyone after. */
  close(): void {
    this.closed = true;
    for (const w of this.line.splice(0)) w.resolve(null);
  }

  /** Tells each waiting connection its place again (every few seconds); drops those gone, as their turn would. */
  tell(): void {
    this.dropGone();
    this.line.forEach((w, i) => w.update(i + 1, this.expectedWaitMs(i + 1)));
  }

  /**
   * How long the connection at `position` in line may wait. While there is a line every place is
   * taken, so the line moves maxOpening places each time an open lasts.
   */
  expectedWaitMs(position: number): number {
    return Math.ceil((position * this.openMs) / this.options.maxOpening);
  }

  private admit(waitedMs: number): Admitted {
    this.opening++;
    const startedAt = this.now();
    let finished = false;
    return {
      admitted: true,
      waitedMs,
      done: () => {
        if (finished) return;
        finished = true;
        this.opening--;
        // The first ones set the average more than their share (a storm's first guess is only a guess).
        const weight = Math.max(averageWeight, 1 / ++this.finishedCount);
        this.openMs += (this.now() - startedAt - this.openMs) * weight;
        this.next();
      },
    };
  }

  private next(): void {
    while (this.opening < this.options.maxOpening && this.line.length > 0) {
      const w = this.line.shift()!;
      w.resolve(w.gone() ? null : this.admit(this.now() - w.since));
    }
  }

  /** One pass over the line (thousands long in a storm): those gone resolve null, the others keep their order. */
  private dropGone(): void {
    let kept = 0;
    for (const w of this.line) {
      if (w.gone()) w.resolve(null);
      else this.line[kept++] = w;
    }
    this.line.length = kept;
  }
}
