// Delivers call events (rtcroom.user.<identity>.call) to the connections of their recipient on this
// gateway, in order per recipient. Like room events (room-fanout.ts), a gateway listens only to the
// identities connected to it: one NATS subscription per identity (interest.ts), held while any of its
// connections is open here, so a gateway decodes no call of anyone it does not serve however many
// gateways there are. (nats.js keeps about 1.2 KB of heap per subscription.) The SUB is sent as the
// connection is accepted, before its welcome, and the welcome does not wait for the server to confirm
// it: under a storm of 20,000 connects that wait (a PING/PONG behind everything else the loop had to
// do) held welcomes past the clients' timeouts (18,176 of 19,900 opened, against 19,796 before these
// subscriptions and 19,567 without the wait; bench/results/gateway-interest.md). Anything that follows
// the welcome (the client's requests, an agent made available, a caller who learns the callee is
// online) comes after the SUB on the gateway's NATS connection; only a call placed at the very moment
// of connecting can miss it, as one placed a moment before always could.
// The supervisor's audit rows on …call.supervised are not call events and no gateway hears them. An
// incoming call (RINGING, to the callee) carries the caller's play URL signed for the callee: seed
// step 4, the callee can play the caller as soon as it accepts. A whisper's URL that waits for the
// media bridge comes to the agent in a call notice again once it plays.
// The gateway's connection to NATS lost (a network break, its NATS node gone from a cluster), the call
// events published until it is back never reach it. Once back, it reads them from the USER_EVENTS
// stream (from lookbackMs before it noticed the loss: a break noticed late, by missed pings, lost what
// came before), and tells each identity served here the newest step of each call it missed, before
// anything heard since (catchUpAfterBreak). A step already told is not told again (told ids). A client
// that resumes its session after a drop is told the same way what its identity's calls did while it
// was away (catchUpResumed): a call that rang meanwhile still rings for it.
import { BusMessage, inSpan, EventBus, Logger, SpanKind, subjects, subjectTemplate, userEventsStream } from '@rtcroom/common';
import { callv1, gatewayv1, mediav1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import type { GatewayMetrics } from '../gateway-metrics';
import { Connection } from '../ws/connection';
import { Interest } from './interest';
import { PlayableWatch } from './playable-watch';

/** How far before the loss was noticed the read back after a break begins (NATS's ping timeout on a silent break). */
export const lookbackMs = 30_000;

/** Call events read back after a break, at most (all identities', in the order published: past that, the newest are left). */
const maxReplayed = 100_000;

export class CallFanout {
  private readonly byIdentity = new Map<string, Set<Connection>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly interest: Interest;
  private readonly playable: PlayableWatch;
  /** Ids of the call events told lately (insertion order), with when: kept from lookbackMs before the loss on. */
  private readonly told = new Map<string, number>();
  /** When the loss of NATS was noticed, until it is back; then when the read back began, until it is done. */
  private lostAt: number | undefined;
  private readingSince: number | undefined;
  private readonly stopHearingConnection: (() => void) | undefined;
  /** When each connection was taken (add): what was told since reached it. */
  private readonly addedAt = new Map<Connection, number>();

  constructor(
    private readonly bus: EventBus,
    private readonly urls: Backends['urls'],
    private readonly logger: Logger,
    private readonly metrics?: Pick<GatewayMetrics, 'busEvents'>,
  ) {
    this.interest = new Interest(bus, subjects.userCall, (msg) => this.onEvent(msg), logger, 0, false);
    this.playable = new PlayableWatch(urls, logger);
    this.stopHearingConnection = bus.onConnection?.((state) => {
      if (state === 'lost') this.lostAt ??= Date.now();
      else this.catchUpAfterBreak();
    });
  }

  stop(): void {
    this.stopHearingConnection?.();
    this.interest.stop();
  }

  /** Takes the connection's calls from now on: its identity's SUB goes out now (see above). */
  add(conn: Connection): void {
    let set = this.byIdentity.get(conn.identity);
    if (!set) this.byIdentity.set(conn.identity, (set = new Set()));
    if (set.has(conn)) return;
    set.add(conn);
    this.addedAt.set(conn, Date.now());
    void this.interest.hold(conn.identity);
  }

  drop(conn: Connection): void {
    const set = this.byIdentity.get(conn.identity);
    this.addedAt.delete(conn);
    if (!set?.delete(conn)) return;
    if (set.size === 0) this.byIdentity.delete(conn.identity);
    this.interest.release(conn.identity);
  }

  /** Identities whose calls this gateway listens to now (one NATS subscription each). */
  get subscriptions(): number {
    return this.interest.size;
  }

  private onEvent(msg: BusMessage): void {
    this.metrics?.busEvents.inc({ kind: 'call' });
    const event = decodeCallEvent(msg, this.logger);
    if (!event) return;
    const who = event.recipientIdentity;
    if (!this.byIdentity.has(who) || !event.call) return;
    this.onChain(who, () =>
      inSpan(`deliver ${subjectTemplate(msg.subject)}`, { kind: SpanKind.CONSUMER, parent: msg.trace, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject } }, () => this.deliver(event)),
    );
  }

  /** Runs `work` after what the identity's chain holds (its call events go out one after another). */
  private onChain(who: string, work: () => Promise<void>): void {
    const next = (this.chains.get(who) ?? Promise.resolve()).then(work);
    this.chains.set(who, next);
    void next.finally(() => {
      if (this.chains.get(who) === next) this.chains.delete(who);
    });
  }

  /**
   * Back on NATS after losing it: the call events of the break are read from the stream once the
   * subscriptions are surely in place again (a flush), and each identity served here is told, on its
   * chain, the newest step of each call it missed.
   */
  private catchUpAfterBreak(): void {
    const lostAt = this.lostAt;
    if (lostAt === undefined || !this.bus.history) return;
    this.lostAt = undefined;
    const since = lostAt - lookbackMs;
    this.readingSince = Math.min(this.readingSince ?? since, since);
    const steps = new MissedSteps(this.logger);
    const read = this.bus
      .flush()
      .then(() => this.bus.history!(userEventsStream.name, subjects.allUserCalls, new Date(since), maxReplayed, (msg) => steps.add(msg, (who) => this.byIdentity.has(who))))
      .then((all) => {
        if (all > maxReplayed) this.logger.warn('more call events were published while NATS was away than are read back; the newest were left', { read: maxReplayed, published: all });
        return steps.byRecipient((e) => !this.told.has(e.id));
      })
      .catch((err) => {
        this.logger.warn('could not read the call events published while NATS was away', { err });
        this.lostAt ??= lostAt; // read again at the next 'back'
        return new Map<string, callv1.CallEvent[]>();
      });
    for (const who of this.byIdentity.keys()) {
      this.onChain(who, async () => {
        for (const event of (await read).get(who) ?? []) if (!this.told.has(event.id)) await this.deliver(event);
      });
    }
    void read.finally(() => {
      if (this.readingSince === since) this.readingSince = undefined;
    });
  }

  /**
   * A session resumed on this connection after a drop: its identity's call events from `windowMs` ago
   * (the resume grace, and the time a drop takes to be noticed) are read from the stream, and the
   * newest step of each call that this connection has not been told since it came is told to it, on
   * the identity's chain, before anything heard after.
   */
  catchUpResumed(conn: Connection, windowMs: number): void {
    const addedAt = this.addedAt.get(conn);
    if (!this.bus.history || addedAt === undefined) return;
    const toldHere = (id: string) => (this.told.get(id) ?? -Infinity) >= addedAt;
    const steps = new MissedSteps(this.logger);
    const read = this.bus
      .history(userEventsStream.name, subjects.userCall(conn.identity), new Date(Date.now() - windowMs), maxReplayed, (msg) => steps.add(msg, (who) => who === conn.identity))
      .then(() => steps.byRecipient((e) => !toldHere(e.id)).get(conn.identity) ?? [])
      .catch((err) => {
        this.logger.warn('could not read the calls of a resumed session', { sessionId: conn.sessionId, err });
        return [];
      });
    this.onChain(conn.identity, async () => {
      for (const event of await read) if (!conn.closed && !toldHere(event.id)) await this.deliver(event, conn);
    });
  }

  /** Notes a call event as told; forgets those older than any read back could start. */
  private noteTold(id: string): void {
    const now = Date.now();
    this.told.delete(id); // to the end: the map stays in the order told, oldest first
    this.told.set(id, now);
    const keepFrom = Math.min(now, this.lostAt ?? now, this.readingSince ?? now) - lookbackMs;
    for (const [old, at] of this.told) {
      if (at >= keepFrom) break;
      this.told.delete(old);
    }
  }

  /** Tells the event to its recipient's connections here (`only`: to that one). */
  private async deliver(event: callv1.CallEvent, only?: Connection): Promise<void> {
    this.noteTold(event.id);
    const call = event.call!;
    // The callee holds no seat yet: the caller's play URL is signed for each connection's own kind
    // (a desk agent's browser and its phone may both ring), once per kind.
    const notices = new Map<mediav1.ClientKind, Promise<gatewayv1.CallNotice>>();
    const noticeFor = (kind: mediav1.ClientKind) => {
      let notice = notices.get(kind);
      if (!notice) {
        const whisper = event.whisperStreamId ? this.whisperPlayUrl(event, kind) : Promise.resolve(undefined);
        notice = Promise.all([this.callerPlayUrl(event, kind), whisper]).then(([callerPlayUrl, whisperPlayUrl]) => ({
          call,
          callerPlayUrl,
          whisperPlayUrl,
          whisperIdentity: whisperPlayUrl ? event.whisperIdentity : '',
        }));
        notices.set(kind, notice);
      }
      return notice;
    };
    for (const conn of only ? [only] : (this.byIdentity.get(event.recipientIdentity) ?? [])) {
      const notice = await noticeFor(conn.kind);
      conn.send({ requestId: '', message: { $case: 'callNotice', value: notice } });
      this.playable.watch(conn, call.roomId, [notice.whisperPlayUrl], {
        asking: { standInMemberId: event.whisperMemberId },
        send: (c, _roomId, whisperPlayUrl) => c.send({ requestId: '', message: { $case: 'callNotice', value: { ...notice, whisperPlayUrl } } }),
      });
    }
  }

  /** A supervisor's whisper, signed for the one it is addressed to (the agent) and its connection's kind. */
  private async whisperPlayUrl(event: callv1.CallEvent, kind: mediav1.ClientKind): Promise<mediav1.PlayUrl | undefined> {
    try {
      const { playUrls } = await this.urls.issuePlayUrls({
        roomId: event.call!.roomId,
        streamId: event.whisperStreamId,
        viewerIdentities: [event.recipientIdentity],
        viewerKinds: [kind],
        waitForMediaMs: 0,
        standInMemberId: event.whisperMemberId || undefined,
      });
      return playUrls[0];
    } catch (err) {
      this.logger.error('could not issue the play URL of a whisper', { callId: event.call!.id, err });
      return undefined;
    }
  }

  private async callerPlayUrl(event: callv1.CallEvent, kind: mediav1.ClientKind): Promise<mediav1.PlayUrl | undefined> {
    const call = event.call!;
    const ringing = call.state === callv1.CallState.CALL_STATE_RINGING && event.recipientIdentity === call.calleeIdentity;
    if (!ringing) return undefined;
    try {
      const { playUrls } = await this.urls.issuePlayUrls({ roomId: call.roomId, streamId: call.callerStreamId, viewerIdentities: [call.calleeIdentity], viewerKinds: [kind], waitForMediaMs: 0 });
      return playUrls[0];
    } catch (err) {
      this.logger.error('could not issue the caller play URL for an incoming call', { callId: call.id, err });
      return undefined;
    }
  }
}

/** A call event off the bus; undefined (and a warning) when it does not decode. */
function decodeCallEvent(msg: BusMessage, logger: Logger): callv1.CallEvent | undefined {
  try {
    return callv1.CallEvent.decode(msg.data);
  } catch (err) {
    logger.warn('undecodable call event dropped', { err });
    return undefined;
  }
}

/**
 * The call events read back after a break, folded as they come into the newest step of each call
 * (and each whisper) per recipient: the states in between are past.
 */
export class MissedSteps {
  private readonly newest = new Map<string, { event: callv1.CallEvent; at: number }>(); // recipient + call (+ whisper) -> its newest step
  private read = 0;

  constructor(private readonly logger: Logger) {}

  /** Takes a call event read back, if it decodes and is addressed to someone `served` here. */
  add(msg: BusMessage, served: (identity: string) => boolean): void {
    const at = this.read++;
    const event = decodeCallEvent(msg, this.logger);
    if (!event?.call || !served(event.recipientIdentity)) return;
    this.newest.set(`${event.recipientIdentity}\n${event.call.id}\n${event.whisperStreamId}`, { event, at });
  }

  /** Per recipient, the newest steps still `wanted` (not told yet: a call whose newest step was told is left out), in the order published. */
  byRecipient(wanted: (event: callv1.CallEvent) => boolean): Map<string, callv1.CallEvent[]> {
    const byRecipient = new Map<string, callv1.CallEvent[]>();
    for (const { event } of [...this.newest.values()].sort((a, b) => a.at - b.at)) {
      if (!wanted(event)) continue;
      let list = byRecipient.get(event.recipientIdentity);
      if (!list) byRecipient.set(event.recipientIdentity, (list = []));
      list.push(event);
    }
    return byRecipient;
  }
}
