// Delivers call events (rtcroom.user.<identity>.call) to the connections of their recipient on this
// gateway, in order per recipient. The gateway listens to an identity's subject while it holds a
// connection of that identity (interest.ts); the connection is welcomed once NATS has the subscription,
// so no call placed after the welcome can pass it by. An incoming call (RINGING, to the callee) carries the caller's play
// URL signed for the callee: seed step 4, the callee can play the caller as soon as it accepts.
import { BusMessage, EventBus, inSpan, Logger, SpanKind, subjects, subjectTemplate } from '@rtcroom/common';
import { callv1, gatewayv1, mediav1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import { Connection } from '../ws/connection';
import { Interest } from './interest';

export class CallFanout {
  private readonly byIdentity = new Map<string, Set<Connection>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly interest: Interest;

  constructor(
    bus: EventBus,
    private readonly urls: Backends['urls'],
    private readonly logger: Logger,
  ) {
    this.interest = new Interest(bus, subjects.userEvents, (msg) => this.onEvent(msg), logger);
  }

  /** Nothing to do: identities are subscribed to as they connect. */
  async start(): Promise<void> {}

  stop(): void {
    this.interest.stop();
  }

  /** The connection hears its identity's calls; resolves once NATS has the subscription. */
  add(conn: Connection): Promise<void> {
    let set = this.byIdentity.get(conn.identity);
    if (!set) this.byIdentity.set(conn.identity, (set = new Set()));
    if (set.has(conn)) return Promise.resolve();
    set.add(conn);
    return this.interest.hold(conn.identity);
  }

  drop(conn: Connection): void {
    const set = this.byIdentity.get(conn.identity);
    if (set?.delete(conn)) this.interest.release(conn.identity);
    if (set?.size === 0) this.byIdentity.delete(conn.identity);
  }

  /** Identities listened to. */
  get subscriptions(): number {
    return this.interest.size;
  }

  private onEvent(msg: BusMessage): void {
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
    const notice: gatewayv1.CallNotice = { call, callerPlayUrl: await this.callerPlayUrl(event) };
    for (const conn of this.byIdentity.get(event.recipientIdentity) ?? []) {
      conn.send({ requestId: '', message: { $case: 'callNotice', value: notice } });
    }
  }

  private async callerPlayUrl(event: callv1.CallEvent): Promise<mediav1.PlayUrl | undefined> {
    const call = event.call!;
    const ringing = call.state === callv1.CallState.CALL_STATE_RINGING && event.recipientIdentity === call.calleeIdentity;
    if (!ringing) return undefined;
    try {
      const { playUrls } = await this.urls.issuePlayUrls({ roomId: call.roomId, streamId: call.callerStreamId, viewerIdentities: [call.calleeIdentity] });
      return playUrls[0];
    } catch (err) {
      this.logger.error('could not issue the caller play URL for an incoming call', { callId: call.id, err });
      return undefined;
    }
  }
}
