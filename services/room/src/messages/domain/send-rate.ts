// The per-sender rate limit on room messages: a token bucket per (room, identity), in this instance's
// memory. With several room instances a sender's messages spread over them (rooms are not pinned), so
// the effective limit is up to that many times the configured one: a guard against floods, not a quota.
import { DomainError } from '@rtcroom/common/errors';

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most; past it the longest-idle go (a full bucket forgets nothing that matters). */
const maxBuckets = 100_000;

export class SendRate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes one token for the sender, or refuses with RATE_LIMITED saying when to try again. */
  take(roomId: string, identity: string): void {
    const key = `${roomId}\n${identity}`;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
    if (b.tokens < 1) {
      const retryMs = Math.ceil(((1 - b.tokens) / this.ratePerSecond) * 1000);
      throw new DomainError('RATE_LIMITED', `at most ${this.ratePerSecond} messages per second (bursts of ${this.burst}); try again in ${retryMs} ms`, {
        retryAfterMs: String(retryMs),
      });
    }
    b.tokens -= 1;
  }

  /** Gives a token back (the send failed after taking it). */
  refund(roomId: string, identity: string): void {
    const b = this.buckets.get(`${roomId}\n${identity}`);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }
}
