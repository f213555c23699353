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
import { BusMessage, inSpan, EventBus, Logger, SpanKind, subjects, subjectTemplate } from '@rtcroom/common';
import { callv1, gatewayv1, mediav1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import type { GatewayMetrics } from '../gateway-metrics';
import { Connection } from '../ws/connection';
import { Interest } from './interest';
import { PlayableWatch } from './playable-watch';

export class CallFanout {
  private readonly byIdentity = new Map<string, Set<Connection>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly interest: Interest;
  private readonly playable: PlayableWatch;

  constructor(
    bus: EventBus,
    private readonly urls: Backends['urls'],
    private readonly logger: Logger,
    private readonly metrics?: Pick<GatewayMetrics, 'busEvents'>,
  ) {
    this.interest = new Interest(bus, subjects.userCall, (msg) => this.onEvent(msg), logger, 0, false);
    this.playable = new PlayableWatch(urls, logger);
  }

  stop(): void {
    this.interest.stop();
  }

  /** Takes the connection's calls from now on: its identity's SUB goes out now (see above). */
  add(conn: Connection): void {
    let set = this.byIdentity.get(conn.identity);
    if (!set) this.byIdentity.set(conn.identity, (set = new Set()));
    if (set.has(conn)) return;
    set.add(conn);
    void this.interest.hold(conn.identity);
  }

  drop(conn: Connection): void {
    const set = this.byIdentity.get(conn.identity);
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
    let event: callv1.CallEvent;
    try {
      event = callv1.CallEvent.decode(msg.data);
    } catch (err) {
      this.logger.warn('undecodable call event dropped', { err });
      return;
    }
    const who = event.recipientIdentity;
    if (!this.byIdentity.has(who) || !event.call) return;
    const next = (this.chains.get(who) ?? Promise.resolve()).then(() =>
      inSpan(`deliver ${subjectTemplate(msg.subject)}`, { kind: SpanKind.CONSUMER, parent: msg.trace, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject } }, () => this.deliver(event)),
    );
    this.chains.set(who, next);
    void next.finally(() => {
      if (this.chains.get(who) === next) this.chains.delete(who);
    });
  }

  private async deliver(event: callv1.CallEvent): Promise<void> {
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
    for (const conn of this.byIdentity.get(event.recipientIdentity) ?? []) {
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
