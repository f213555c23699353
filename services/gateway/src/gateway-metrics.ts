// The gateway's own metrics: its sockets (open, opened, cut off), its NATS subscriptions and the
// events they bring, frames each way, requests refused by the rate limit, joins and leaves by result,
// and how long a join takes to come back as its room's notice (join -> notified). Counters are kept in
// step on the hot path; nothing is labelled by room, user or connection.
import { ServiceMetrics } from '@rtcroom/common';
import type { Counter, Histogram } from 'prom-client';

/** Joins answered whose room notice has not arrived yet (and notices that came first) are remembered up to this many. */
const remembered = 1000;

export class GatewayMetrics {
  readonly connectionsOpened: Counter;
  readonly framesReceived: Counter;
  readonly framesSent: Counter;
  readonly rateLimited: Counter;
  readonly cutOff: Counter<'reason'>;
  /** Connections sent away before their welcome: too many waiting to open (ws/open-gate.ts). */
  readonly opensSentAway: Counter;
  /** How long connections waited in line to open. */
  readonly openWait: Histogram;
  /** Events received from NATS, by kind (room, call): what this gateway's subscriptions bring it. */
  readonly busEvents: Counter<'kind'>;
  private readonly joins: Counter<'result'>;
  private readonly leaves: Counter<'result'>;
  private readonly joinNotified: Histogram;
  /** `${roomId}:${seq}` of joins answered here -> when the join was asked for (performance.now()). */
  private readonly awaitingNotice = new Map<string, number>();
  /** `${roomId}:${seq}` of member.joined notices that arrived while joins were in flight -> when. */
  private readonly noticedEarly = new Map<string, number>();
  private joinsInFlight = 0;

  constructor(
    readonly metrics: ServiceMetrics,
    openConnections: () => number,
    subscriptions: () => { rooms: number; identities: number } = () => ({ rooms: 0, identities: 0 }),
    opensWaiting: () => number = () => 0,
  ) {
    metrics.gaugeAtScrape('rtcroom_gateway_connections', 'WebSocket connections open now', [], () => [{ value: openConnections() }]);
    metrics.gaugeAtScrape('rtcroom_gateway_room_subscriptions', 'NATS subscriptions to rooms held: one per room a socket here sits in or is joining', [], () => [{ value: subscriptions().rooms }]);
    metrics.gaugeAtScrape('rtcroom_gateway_user_subscriptions', "NATS subscriptions to users' calls held: one per identity connected here", [], () => [{ value: subscriptions().identities }]);
    metrics.gaugeAtScrape('rtcroom_gateway_opens_waiting', 'Connections waiting in line for their session to be opened (admission control: GATEWAY_MAX_OPENING at once)', [], () => [{ value: opensWaiting() }]);
    this.opensSentAway = metrics.counter('rtcroom_gateway_opens_sent_away_total', 'Connections sent away before their welcome to come back later: their wait in line would have passed GATEWAY_MAX_OPEN_WAIT_MS');
    this.openWait = metrics.histogram('rtcroom_gateway_open_wait_seconds', 'How long a connection waited in line before its session was opened (0 when let in at once)');
    this.connectionsOpened = metrics.counter('rtcroom_gateway_connections_opened_total', 'WebSocket connections accepted (token valid)');
    this.framesReceived = metrics.counter('rtcroom_gateway_frames_received_total', 'Frames received from clients');
    this.framesSent = metrics.counter('rtcroom_gateway_frames_sent_total', 'Frames sent to clients (answers and notices)');
    this.rateLimited = metrics.counter('rtcroom_gateway_rate_limited_total', 'Client requests refused with RATE_LIMITED (rate limit or too many queued)');
    this.cutOff = metrics.counter('rtcroom_gateway_cut_off_total', 'Clients dropped by the gateway, by reason (slow_consumer: too much unsent; ping_timeout: silent too long)', ['reason']);
    this.busEvents = metrics.counter(
      'rtcroom_gateway_bus_events_total',
      "Events received from NATS, by kind: room (of the rooms this gateway's sockets sit in or are joining), call (of the identities connected here)",
      ['kind'],
    );
    this.joins = metrics.counter('rtcroom_gateway_joins_total', 'joinRoom requests, by result (ok or the error code the client got)', ['result']);
    this.leaves = metrics.counter('rtcroom_gateway_leaves_total', 'leaveRoom requests, by result (ok or the error code the client got)', ['result']);
    this.joinNotified = metrics.histogram(
      'rtcroom_gateway_join_notified_seconds',
      "From a seat being asked for at this gateway to its room's member.joined event reaching this gateway (what the room's other sockets are sent)",
    );
  }

  /** A joinRoom or leaveRoom request was answered: `result` is ok or the client's error code. */
  request(kind: string | undefined, result: string): void {
    if (kind === 'joinRoom') this.joins.inc({ result });
    else if (kind === 'leaveRoom') this.leaves.inc({ result });
  }

  /** A seat is being asked for; returns when. */
  seatAsked(): number {
    this.joinsInFlight++;
    return performance.now();
  }

  /** The seat request answered: with the room and the seq of its member.joined event when a seat was taken. */
  seatAnswered(askedAt: number, taken: { roomId: string; seq: number } | null): void {
    this.joinsInFlight--;
    if (!taken) return;
    const key = `${taken.roomId}:${taken.seq}`;
    const noticed = this.noticedEarly.get(key);
    if (noticed !== undefined) {
      this.noticedEarly.delete(key);
      this.joinNotified.observe(Math.max(0, noticed - askedAt) / 1000);
    } else {
      remember(this.awaitingNotice, key, askedAt);
    }
  }

  /** A member.joined event arrived from the bus. */
  memberJoined(roomId: string, seq: number): void {
    if (this.awaitingNotice.size === 0 && this.joinsInFlight === 0) return;
    const key = `${roomId}:${seq}`;
    const askedAt = this.awaitingNotice.get(key);
    if (askedAt !== undefined) {
      this.awaitingNotice.delete(key);
      this.joinNotified.observe((performance.now() - askedAt) / 1000);
    } else if (this.joinsInFlight > 0) {
      // It may be one of ours whose answer is still on its way (the bus can be quicker than gRPC).
      remember(this.noticedEarly, key, performance.now());
    }
  }
}

/** Keeps a bounded map: the oldest entry goes (a join that was a repeat never gets a notice). */
function remember(map: Map<string, number>, key: string, value: number): void {
  if (map.size >= remembered) map.delete(map.keys().next().value!);
  map.set(key, value);
}
