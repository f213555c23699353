// Media facts (a push began or ended, a recording ready, a track muted) are published to NATS as the
// media server reports them. A media server reports each once: nginx-rtmp never repeats a callback, so
// a fact that could not be published then (NATS away, or a stream's leader being elected) would be
// lost - a stream shown live after its push ended, a call's recording the room never hears of. So a
// fact that cannot go at once waits in the url-issuer's store, and every fact after it waits behind it
// (a push's end never overtakes its beginning: facts are handed over one at a time, each once the one
// before is stored or waiting); they go out in the order they came as soon as NATS
// takes them again, retried every `retryMs`. A fact that was stored after all (its acknowledgement
// lost) and is sent again is dropped by JetStream as a copy (its id). Facts left waiting by an
// instance that stopped are sent by the next to start, or by another running instance.
import { EventBus, Logger } from '@rtcroom/common';
import type { MediaFact, MediaFactSink } from '../domain/media-fact';
import type { UrlIssuerDb } from '../store/database';
import { addWaitingFact, countWaitingFacts, sendWaitingFacts, WaitingFact } from '../store/media-fact-waiting.repository';
import { encodeMediaEvent, mediaEventSubject } from './media-events';

/** Waiting facts sent in one transaction. */
const batch = 100;

export class MediaFactOutbox implements MediaFactSink {
  /** Facts known to be waiting in the store (this instance's, and any found at start). */
  private waiting = 0;
  private sending: Promise<void> | undefined;
  /** The fact handed over last: the next waits for it (stored, or waiting). */
  private last: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: UrlIssuerDb,
    private readonly bus: Pick<EventBus, 'publish'>,
    private readonly logger: Logger,
    private readonly retryMs = 1000,
  ) {}

  /** Sends what an earlier run left waiting. */
  async start(): Promise<void> {
    this.waiting = await countWaitingFacts(this.db);
    if (this.waiting > 0) {
      this.logger.warn('media facts left waiting for NATS by an earlier run are sent now', { waiting: this.waiting });
      this.kick();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sending;
  }

  /** Resolves once the fact is on the bus, or safely waiting for it. */
  publish(fact: MediaFact): Promise<void> {
    const handed = this.last.then(() => this.handOver(fact));
    this.last = handed.catch(() => undefined);
    return handed;
  }

  private async handOver(fact: MediaFact): Promise<void> {
    const message = { subject: mediaEventSubject(fact.owner.roomId, fact.type), payload: encodeMediaEvent(fact), msgId: fact.id };
    if (this.waiting === 0) {
      try {
        await this.send(message);
        return;
      } catch (err) {
        this.logger.warn('a media fact waits for NATS', { type: fact.type, roomId: fact.owner.roomId, err });
      }
    }
    await addWaitingFact(this.db, message);
    this.waiting++;
    this.kick();
  }

  /** Facts waiting for NATS (for tests and metrics). */
  get waitingCount(): number {
    return this.waiting;
  }

  private send(m: Omit<WaitingFact, 'position'>): Promise<void> {
    return this.bus.publish(m.subject, m.payload, { msgId: m.msgId });
  }

  private kick(): void {
    if (this.sending || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sending = this.drain().finally(() => (this.sending = undefined));
  }

  private async drain(): Promise<void> {
    for (;;) {
      let result: { sent: number; failed?: unknown };
      try {
        result = await sendWaitingFacts(this.db, batch, (m) => this.send(m));
      } catch (err) {
        result = { sent: 0, failed: err };
      }
      this.waiting = Math.max(0, this.waiting - result.sent);
      if (result.failed === undefined && result.sent > 0) continue;
      if (result.failed === undefined) {
        // Nothing this instance may send: what another instance holds is its to send.
        this.waiting = await countWaitingFacts(this.db).catch(() => this.waiting);
        if (this.waiting === 0) return;
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => this.kick(), this.retryMs);
      this.timer.unref();
      return;
    }
  }
}
