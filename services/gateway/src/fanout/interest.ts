// The subjects this gateway listens to: one NATS subscription per room (or identity) it serves, held
// while anything here needs it and dropped with the last holder, so a gateway decodes only the events
// of its own rooms and users, however many gateways there are.
//
// A subscription is of use to a join only once the server has it: hold() resolves when it does (a
// PING/PONG after the SUB; every subscription made in one turn of the event loop shares one flush).
// heardSince() tells whether a key has been listened to without a break since a moment of now(), so
// a join knows whether something published before the subscription could have slipped by. Its owner
// may also note a mark of the first message a subscription delivered (noteFirst, firstNoted): a room's
// first event heard on it says, by its seq, from where on nothing of that room can have slipped by.
// The connection to NATS lost is a break of every subscription (lost()): what was published until it
// is back (back(), the subscriptions in place again) did not arrive, so each counts from then on as a
// new subscription: not heard before, no mark, another readySubscription().
import type { BusMessage, BusSubscription, EventBus, Logger } from '@rtcroom/common';

interface Held {
  holders: number;
  subscription: BusSubscription;
  /** Stands for the subscription while it holds without a break (readySubscription). */
  token: object;
  /** now() once the server had the subscription; undefined until then. */
  readyAt: number | undefined;
  ready: Promise<void>;
  /** The owner's mark of the first message this subscription delivered (noteFirst). */
  firstMark: number | undefined;
}

export class Interest {
  private readonly held = new Map<string, Held>();
  private clock = 0;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly subjectOf: (key: string) => string,
    private readonly onMessage: (msg: BusMessage) => void,
    private readonly logger: Logger,
    /** How long a hold waits for the server at most (NATS away): then it goes on, not heard. */
    private readonly readyTimeoutMs = 2000,
    /**
     * Whether hold() waits for the server to confirm the subscription (a PING/PONG after the SUB). A
     * holder that needs no more than the SUB leaving before its next message passes false: its hold
     * resolves at once, with no round trip (call-fanout.ts).
     */
    private readonly confirm = true,
  ) {}

  /** Holds the key's subscription; resolves once the server has it (or after the timeout). */
  hold(key: string): Promise<void> {
    const existing = this.held.get(key);
    if (existing) {
      existing.holders++;
      return existing.ready;
    }
    const held: Held = { holders: 1, subscription: this.bus.subscribe(this.subjectOf(key), this.onMessage), token: {}, readyAt: undefined, ready: Promise.resolve(), firstMark: undefined };
    this.held.set(key, held);
    if (!this.confirm) {
      held.readyAt = ++this.clock;
      return held.ready;
    }
    const flushed = this.flushSoon().then(
      () => {
        held.readyAt = ++this.clock;
      },
      (err) => this.logger.warn('could not confirm a subscription with NATS; joins to it catch up from the room service', { key, err }),
    );
    held.ready = this.bounded(flushed);
    return held.ready;
  }

  release(key: string): void {
    const held = this.held.get(key);
    if (!held || --held.holders > 0) return;
    this.held.delete(key);
    held.subscription.unsubscribe();
  }

  /** A moment to compare heardSince() with. */
  now(): number {
    return ++this.clock;
  }

  /**
   * The key's subscription, once the server has it: the same object for as long as it is held without
   * a break (a later hold after its release gets another), so what was learnt while it held can be
   * told apart from what a break may have missed.
   */
  readySubscription(key: string): object | undefined {
    const held = this.held.get(key);
    return held?.readyAt !== undefined ? held.token : undefined;
  }

  /** The connection to NATS is lost: every subscription breaks (see the top). */
  lost(): void {
    this.renew(undefined);
  }

  /** The connection is back, the subscriptions in place again: heard from now on. */
  back(): void {
    this.renew(++this.clock);
  }

  /** Every subscription counts as a new one from now on, ready at `readyAt`. */
  private renew(readyAt: number | undefined): void {
    for (const held of this.held.values()) {
      held.token = {};
      held.readyAt = readyAt;
      held.firstMark = undefined;
    }
  }

  /** Whether anything here holds the key's subscription. */
  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  /** Whether the key's subject has reached this gateway without a break since `since` (a now()). */
  heardSince(key: string, since: number): boolean {
    const readyAt = this.held.get(key)?.readyAt;
    return readyAt !== undefined && readyAt < since;
  }

  /**
   * Notes a mark of a message the key's subscription just delivered (call it from the message
   * handler, synchronously), kept only for the first one: a new subscription starts without a mark.
   */
  noteFirst(key: string, mark: number): void {
    const held = this.held.get(key);
    if (held && held.firstMark === undefined) held.firstMark = mark;
  }

  /** The mark noted for the first message the key's current subscription delivered, if any yet. */
  firstNoted(key: string): number | undefined {
    return this.held.get(key)?.firstMark;
  }

  /** Subscriptions held. */
  get size(): number {
    return this.held.size;
  }

  stop(): void {
    for (const held of this.held.values()) held.subscription.unsubscribe();
    this.held.clear();
  }

  private flushSoon(): Promise<void> {
    if (!this.flushing) {
      this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.flushing = undefined;
        return this.bus.flush();
      });
    }
    return this.flushing;
  }

  private bounded(p: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.readyTimeoutMs)));
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
