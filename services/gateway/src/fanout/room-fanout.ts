// Delivers room events to the connections of this gateway that hold a seat in the room, in seq order.
//
// The gateway listens only to the rooms it serves (interest.ts): a room's subject is held while a
// connection here holds a seat in it or a join naming it is in flight, and dropped with the last one.
// A join that names its room subscribes before it goes out (and waits for NATS to have the
// subscription), so every event after the join's seq reaches the gateway. A join whose room is known
// only from its answer (by name, a call) subscribes then, and reads from the room service what the
// room published after its seq before the subscription was in place; unless the room was listened to
// without a break since before the join began (another member here), or its subscription has already
// delivered an event at or right after the join's seq: the relay publishes a room's events in seq
// order, so everything after that event reaches the subscription that heard it, and nothing can have
// slipped by. Joins of one room that need that read at about the same time (a burst of joins by name,
// all sent before the first was answered) share one: a read made once the subscription was in place
// holds everything that can have slipped by before it, for every join whose seq is at or after the
// read's start (catchUpRead).
// Events of a room are handled one after another (a stream start waits for its play URLs before the
// next event of that room goes out). While joins are in flight, the events that arrive are kept
// (recent-events.ts); when a join answers with its seq, the room's kept events after it are replayed
// before live delivery takes over, so nothing is missed or doubled. Should a connection still be
// behind when an event reaches it, the events it missed are read from the room service first.
// The gateway's connection to NATS lost (a network break, its NATS node gone from a cluster), the
// events published until it is back never reach it: once back, every room with a seat here reads what
// its connections missed from the room service, in the room's order before any event heard since
// (catchUpAfterBreak), rather than waiting for the room's next event to show the gap; and every room
// monitored here reads what its supervisors missed, from the last event they were told (or the room's
// seq when the first of them began: monitorSeq).
import { BusMessage, EventBus, inSpan, Logger, SpanKind, subjects, subjectTemplate } from '@rtcroom/common';
import { gatewayv1, mediav1, roomEventv1, roomv1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import type { GatewayMetrics } from '../gateway-metrics';
import { Connection, HeldSeat } from '../ws/connection';
import { encodeServerMessage } from '../ws/frames';
import { Interest } from './interest';
import { PlayableWatch } from './playable-watch';
import { RecentEvents } from './recent-events';
import { endsSeat, noticeFor, noticeKey, startedStream } from './room-notices';

/** At most this many missed events are read back for a connection that fell behind (else it syncs). */
const maxRepaired = 200;

/** Pages of maxRepaired events a room reads back after the connection to NATS was lost, at most (past that the clients sync). */
const maxPagesAfterBreak = 5;

/** How long a room's read of what joins may have missed is kept for its other joins (catchUpRead). */
const catchUpReadKeptMs = 2000;

/** How long a monitor's stream-start notice waits for a bridged stream's media. */
const monitorWaitForMediaMs = 6000;

/** Room ids as the room service makes them; anything else is not subscribed to before the answer. */
const subscribableRoomId = /^[A-Za-z0-9_-]{1,128}$/;

/** A read of a room's events after `afterSeq`, made while `subscription` held (see catchUpRead). */
interface CatchUpRead {
  afterSeq: number;
  subscription: object;
  /** null when the read failed. */
  events: Promise<roomEventv1.RoomEvent[] | null>;
}

/** A join (or another request that may take a seat) in flight. */
export interface JoinTicket {
  generation: number;
  /** The room the join named, held from before it went out. */
  heldRoomId?: string;
  /** interest.now() as the join went out. */
  since: number;
}

/** What the fan-out needs of the other services. */
export interface FanoutBackends {
  urls: Pick<Backends['urls'], 'issuePlayUrls'>;
  room: Pick<Backends['room'], 'listRoomEvents'>;
}

export class RoomFanout {
  private readonly seated = new Map<string, Set<Connection>>();
  private readonly recent = new RecentEvents();
  private readonly chains = new Map<string, Promise<void>>();
  /** Per room, the read of what joins may have missed that later joins of the room can share. */
  private readonly catchUpReads = new Map<string, CatchUpRead>();
  private readonly interest: Interest;
  /** Connections monitoring a desk call without a seat (supervisors): room id -> connection -> call id. */
  private readonly monitors = new Map<string, Map<Connection, string>>();
  /** Per room, the monitor notices under way: told in the room's order (a start's URL is awaited). */
  private readonly monitorChains = new Map<string, Promise<void>>();
  /** Per monitored room, the seq its monitors have been told up to (a read back after a break starts there). */
  private readonly monitorSeq = new Map<string, number>();
  /** Browser members' play URLs that wait for the media bridge (playable-watch.ts). */
  readonly playable: PlayableWatch;
  private readonly stopHearingConnection: (() => void) | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly backends: FanoutBackends,
    private readonly logger: Logger,
    /** Told of each member.joined event (join -> notified latency). */
    readonly metrics?: GatewayMetrics,
  ) {
    this.interest = new Interest(bus, subjects.roomEvents, (msg) => this.onEvent(msg), logger);
    this.playable = new PlayableWatch(backends.urls, logger);
    this.stopHearingConnection = bus.onConnection?.((state) => {
      if (state === 'lost') this.interest.lost();
      else {
        this.interest.back();
        this.catchUpAfterBreak();
      }
    });
  }

  /** Nothing to do: rooms are subscribed to as they are joined. */
  async start(): Promise<void> {}

  stop(): void {
    this.stopHearingConnection?.();
    this.interest.stop();
  }

  /**
   * A join (or another request that may take a seat) is about to go out: what arrives from now on is
   * kept, and the room it names (if any) is listened to before it goes.
   */
  async beginJoin(conn: Connection, roomId?: string): Promise<JoinTicket> {
    conn.pendingJoins++;
    const generation = this.recent.begin();
    const heldRoomId = roomId && subscribableRoomId.test(roomId) ? roomId : undefined;
    if (heldRoomId) await this.interest.hold(heldRoomId);
    return { generation, heldRoomId, since: this.interest.now() };
  }

  /**
   * The join answered (seat given, or null on failure): `answer` sends the join's reply, then what came
   * after the join is replayed, then live delivery takes over. `playUrls`: those the answer gave, of
   * which the ones waiting for the media bridge are followed (playable-watch.ts).
   */
  async endJoin(conn: Connection, ticket: JoinTicket, seat: HeldSeat | null, answer?: () => void, playUrls: mediav1.PlayUrl[] = []): Promise<void> {
    let holds: string | undefined; // the seat's hold on its room, until the seat is taken
    try {
      answer?.();
      if (seat && !conn.closed) this.playable.watch(conn, seat.roomId, playUrls);
      if (seat && !conn.closed) {
        holds = seat.roomId;
        await this.interest.hold(seat.roomId);
        const previous = conn.seats.get(seat.roomId);
        if (previous) {
          // The same seat taken back (its session joined again: the answer is the room as read then):
          // what its old seat was told meanwhile stands, and is not told again.
          if (previous.memberId === seat.memberId && previous.lastSeq > seat.lastSeq) seat.lastSeq = previous.lastSeq;
          this.release(conn, seat.roomId);
        }
        let ended = false;
        if (!this.interest.heardSince(seat.roomId, ticket.since) && !this.heardFrom(seat)) ended = await this.catchUp(conn, seat);
        // Events that came meanwhile are kept while this join is in flight, so none can slip by
        // between the last one replayed and the seat (nothing is awaited in between).
        for (let event = this.recent.next(seat.roomId, seat.lastSeq); event && !ended; event = this.recent.next(seat.roomId, seat.lastSeq)) {
          const before = seat.lastSeq;
          await this.deliver(event, [{ conn, seat }]);
          if (seat.lastSeq === before) seat.lastSeq = event.seq; // not delivered: move on all the same
          ended = endsSeat(event, seat.memberId); // left, removed or replaced before the answer was out
        }
        if (ended || conn.closed) {
          this.playable.roomEnded(conn, seat.roomId);
          return;
        }
        conn.seats.set(seat.roomId, seat);
        let set = this.seated.get(seat.roomId);
        if (!set) this.seated.set(seat.roomId, (set = new Set()));
        set.add(conn);
        holds = undefined; // the seat holds it now; release() lets it go
      }
    } finally {
      if (holds) this.letGo(holds);
      if (ticket.heldRoomId) this.letGo(ticket.heldRoomId);
      conn.pendingJoins--;
      this.recent.end(ticket.generation);
    }
  }

  /** Whether the room's subscription has delivered an event at or right after the seat's seq (see the top). */
  private heardFrom(seat: HeldSeat): boolean {
    const first = this.interest.firstNoted(seat.roomId);
    return first !== undefined && first <= seat.lastSeq + 1;
  }

  /**
   * The room's events after the seat's seq that were published before this gateway listened to the
   * room, read from the room service. Whether the seat ended among them.
   */
  private async catchUp(conn: Connection, seat: HeldSeat): Promise<boolean> {
    try {
      const events = await this.catchUpRead(seat.roomId, seat.lastSeq);
      for (const event of events) {
        if (event.seq <= seat.lastSeq) continue;
        const before = seat.lastSeq;
        await this.deliver(event, [{ conn, seat }]);
        if (seat.lastSeq === before) seat.lastSeq = event.seq;
        if (endsSeat(event, seat.memberId)) return true;
      }
    } catch (err) {
      // The next event of the room repairs the gap (repair()), or the client's gap check syncs it.
      this.logger.warn('could not read the events a join may have missed', { roomId: seat.roomId, err });
    }
    return false;
  }

  /**
   * The room's events after `afterSeq` that a join answered with that seq may have missed, read from
   * the room service once the room's subscription is in place. An earlier read of this room serves
   * as well when it was made under the same subscription (held without a break since), from a seq at
   * or before `afterSeq`, and not cut at its page size: every event it could not hold was published
   * after the subscription was in place, so it reached the subscription (and is kept while the join is
   * in flight, or came before the join began, when its seq is below the join's).
   */
  private async catchUpRead(roomId: string, afterSeq: number): Promise<roomEventv1.RoomEvent[]> {
    const subscription = this.interest.readySubscription(roomId);
    const shared = this.catchUpReads.get(roomId);
    const serves = subscription !== undefined && shared?.subscription === subscription && shared.afterSeq <= afterSeq;
    if (serves) {
      const events = await shared!.events;
      if (events && events.length < maxRepaired) return events;
    }
    const read = this.backends.room.listRoomEvents({ roomId, afterSeq, pageSize: maxRepaired, principal: undefined }).then((r) => r.events);
    // Kept for the room's joins answered meanwhile (a burst of them): the one from the lowest seq
    // serves the most of them.
    if (subscription && !serves) {
      const entry: CatchUpRead = { afterSeq, subscription, events: read.catch(() => null) };
      this.catchUpReads.set(roomId, entry);
      setTimeout(() => this.catchUpReads.get(roomId) === entry && this.catchUpReads.delete(roomId), catchUpReadKeptMs).unref();
    }
    return read;
  }

  /** Lets go of a hold on the room's subscription; what was read under it goes with the last hold. */
  private letGo(roomId: string): void {
    this.interest.release(roomId);
    if (!this.interest.isHeld(roomId)) this.catchUpReads.delete(roomId);
  }

  /** The connection gave up its seat (left, or the connection closed). */
  release(conn: Connection, roomId: string): void {
    conn.seats.delete(roomId);
    this.playable.roomEnded(conn, roomId);
    const set = this.seated.get(roomId);
    if (set?.delete(conn)) this.letGo(roomId);
    if (set?.size === 0) this.seated.delete(roomId);
  }

  drop(conn: Connection): void {
    for (const roomId of [...conn.seats.keys()]) this.release(conn, roomId);
    for (const [roomId, watching] of [...this.monitors]) if (watching.has(conn)) this.unmonitor(conn, roomId);
  }

  /**
   * Silent monitoring: the connection is told (monitor_notice) when a stream of the room starts or
   * stops and when the room closes, without a seat - the room's notices and members never show it.
   * Resolves once the room is listened to.
   */
  async monitor(conn: Connection, roomId: string, callId: string): Promise<void> {
    if (!subscribableRoomId.test(roomId)) return;
    let watching = this.monitors.get(roomId);
    if (!watching) this.monitors.set(roomId, (watching = new Map()));
    if (watching.has(conn)) return;
    watching.set(conn, callId);
    await this.interest.hold(roomId);
    // Where the room stands now that it is listened to: a read back after a break starts there.
    if (this.monitorSeq.has(roomId)) return;
    try {
      const { lastSeq } = await this.backends.room.listRoomEvents({ roomId, afterSeq: Number.MAX_SAFE_INTEGER, pageSize: 1, principal: undefined });
      if (this.monitors.has(roomId)) this.monitorSeq.set(roomId, Math.max(lastSeq, this.monitorSeq.get(roomId) ?? 0));
    } catch (err) {
      this.logger.warn('could not read where a monitored room stands; what its supervisors miss while NATS is away is not read back', { roomId, err });
    }
  }

  /** Stops the monitor notices of a call; false when the connection was not monitoring it. */
  stopMonitor(conn: Connection, callId: string): boolean {
    for (const [roomId, watching] of this.monitors) {
      if (watching.get(conn) === callId) {
        this.unmonitor(conn, roomId);
        return true;
      }
    }
    return false;
  }

  private unmonitor(conn: Connection, roomId: string): void {
    const watching = this.monitors.get(roomId);
    if (!watching?.delete(conn)) return;
    this.playable.roomEnded(conn, roomId);
    if (watching.size === 0) {
      this.monitors.delete(roomId);
      this.monitorSeq.delete(roomId);
    }
    this.letGo(roomId);
  }

  /** Tells the room's monitors of an event, unless they have been told it (or a later one). */
  private async tellMonitorsOnce(event: roomEventv1.RoomEvent): Promise<void> {
    const watching = this.monitors.get(event.roomId);
    const told = this.monitorSeq.get(event.roomId);
    if (!watching || (told !== undefined && event.seq <= told)) return;
    if (told !== undefined) this.monitorSeq.set(event.roomId, event.seq);
    await this.tellMonitors(event, watching);
  }

  private async tellMonitors(event: roomEventv1.RoomEvent, watching: Map<Connection, string>): Promise<void> {
    const p = event.payload;
    for (const [conn, callId] of [...watching]) {
      const base = { callId, roomId: event.roomId, member: undefined, playUrl: undefined, streamStopped: false, ended: false };
      let notice: gatewayv1.MonitorNotice | null = null;
      if (p?.$case === 'streamStarted' && p.value.member && p.value.member.identity !== conn.identity) {
        const member = p.value.member;
        // A monitor's notices have a chain of their own (no member waits on it): a browser's URL of a
        // bridged stream is awaited here until media flows, so the notice carries one that plays.
        const wait = conn.kind === mediav1.ClientKind.CLIENT_KIND_BROWSER ? monitorWaitForMediaMs : 0;
        const playUrl = await this.backends.urls
          .issuePlayUrls({ roomId: event.roomId, streamId: member.streamId, viewerIdentities: [conn.identity], viewerKinds: [conn.kind], waitForMediaMs: wait, withoutSeat: true }, { timeoutMs: wait + 3000 })
          .then((r) => r.playUrls[0])
          .catch((err) => void this.logger.error('could not issue a play URL for a monitoring supervisor', { roomId: event.roomId, err }));
        notice = { ...base, member, playUrl: playUrl ?? undefined };
        // Still starting: followed up off this chain, as a notice of its own once media flows.
        this.watchMonitored(conn, callId, event.roomId, [member], [playUrl ?? undefined]);
      } else if (p?.$case === 'streamStopped' && p.value.member) {
        notice = { ...base, member: p.value.member, streamStopped: true };
        this.playable.streamEnded(conn, event.roomId, p.value.member.streamId);
      } else if (p?.$case === 'roomClosed') {
        notice = { ...base, ended: true };
        this.unmonitor(conn, event.roomId);
      }
      if (notice && !conn.closed) conn.send({ requestId: '', message: { $case: 'monitorNotice', value: notice } });
    }
  }

  /**
   * A monitoring connection's play URLs that wait for the media bridge: each comes to it, seatless, as
   * a monitor notice of its member's stream once media flows (ended with the monitoring).
   */
  watchMonitored(conn: Connection, callId: string, roomId: string, members: roomv1.Member[], playUrls: (mediav1.PlayUrl | undefined)[]): void {
    const byStream = new Map(members.map((m) => [m.streamId, m]));
    this.playable.watch(conn, roomId, playUrls, {
      asking: { withoutSeat: true },
      send: (c, room, playUrl) => {
        if (this.monitors.get(room)?.get(c) !== callId) return;
        const member = byStream.get(playUrl.streamId);
        c.send({ requestId: '', message: { $case: 'monitorNotice', value: { callId, roomId: room, member, playUrl, streamStopped: false, ended: false } } });
      },
    });
  }

  /** How many rooms and connections this gateway is delivering to. */
  stats(): { rooms: number; subscriptions: number } {
    return { rooms: this.seated.size, subscriptions: this.interest.size };
  }

  private onEvent(msg: BusMessage): void {
    this.metrics?.busEvents.inc({ kind: 'room' });
    let event: roomEventv1.RoomEvent;
    try {
      event = roomEventv1.RoomEvent.decode(msg.data);
    } catch (err) {
      this.logger.warn('undecodable room event dropped', { err });
      return;
    }
    this.interest.noteFirst(event.roomId, event.seq);
    this.recent.add(event);
    if (event.payload?.$case === 'memberJoined') this.metrics?.memberJoined(event.roomId, event.seq);
    if (this.monitors.has(event.roomId)) this.onMonitorChain(event.roomId, () => this.tellMonitorsOnce(event));
    const set = this.seated.get(event.roomId);
    if (!set) return;
    // Delivered in the trace of the change that made the event (carried from the room service's outbox).
    this.onRoomChain(event.roomId, () =>
      inSpan(`deliver ${subjectTemplate(msg.subject)}`, { kind: SpanKind.CONSUMER, parent: msg.trace, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': msg.subject, 'rtcroom.room_id': event.roomId, 'rtcroom.seq': event.seq } }, () =>
        this.deliverLive(event),
      ),
    );
  }

  /** Runs `work` after the room's monitor notices under way. */
  private onMonitorChain(roomId: string, work: () => Promise<void>): void {
    const told = (this.monitorChains.get(roomId) ?? Promise.resolve()).then(work).catch((err) => this.logger.warn('could not tell a monitoring supervisor', { roomId, err }));
    this.monitorChains.set(roomId, told);
    void told.finally(() => {
      if (this.monitorChains.get(roomId) === told) this.monitorChains.delete(roomId);
    });
  }

  /** Runs `work` after what the room's chain holds (its events are handled one after another). */
  private onRoomChain(roomId: string, work: () => Promise<void>): void {
    const previous = this.chains.get(roomId) ?? Promise.resolve();
    const next = previous.then(work);
    this.chains.set(roomId, next);
    void next.finally(() => {
      if (this.chains.get(roomId) === next) this.chains.delete(roomId);
    });
  }

  /**
   * Back on NATS after losing it: once the server surely has the subscriptions again (a flush), each
   * room with a seat here reads what its connections missed, on the room's chain, so it goes out
   * before any event heard since (those already delivered are not sent twice: seq).
   */
  private catchUpAfterBreak(): void {
    void this.bus
      .flush()
      .catch(() => undefined) // lost again: the next 'back' catches up
      .then(() => {
        for (const roomId of this.seated.keys()) this.onRoomChain(roomId, () => this.catchUpRoom(roomId));
        for (const roomId of this.monitors.keys()) this.onMonitorChain(roomId, () => this.catchUpMonitors(roomId));
      });
  }

  /** What the room's monitors missed while NATS was away, from where they were told up to. */
  private async catchUpMonitors(roomId: string): Promise<void> {
    for (let page = 0; page < maxPagesAfterBreak; page++) {
      const afterSeq = this.monitorSeq.get(roomId);
      if (afterSeq === undefined) return;
      let events: roomEventv1.RoomEvent[];
      try {
        events = (await this.backends.room.listRoomEvents({ roomId, afterSeq, pageSize: maxRepaired, principal: undefined })).events;
      } catch (err) {
        this.logger.warn('could not read what monitoring supervisors missed while NATS was away', { roomId, err });
        return;
      }
      for (const event of events) await this.tellMonitorsOnce(event);
      if (events.length < maxRepaired) return;
    }
  }

  private async catchUpRoom(roomId: string): Promise<void> {
    for (let page = 0; page < maxPagesAfterBreak; page++) {
      const seats = this.seatsBehind(roomId, Infinity);
      if (seats.length === 0) return;
      const afterSeq = Math.min(...seats.map((r) => r.seat.lastSeq));
      let events: roomEventv1.RoomEvent[];
      try {
        // The gateway's own catch-up for several connections: the operator's read.
        events = (await this.backends.room.listRoomEvents({ roomId, afterSeq, pageSize: maxRepaired, principal: undefined })).events;
      } catch (err) {
        this.logger.warn('could not read the events missed while NATS was away; the next event of the room repairs the gap', { roomId, err });
        return;
      }
      for (const event of events) {
        const behind = seats.filter((r) => r.seat.lastSeq < event.seq && r.conn.seats.get(roomId) === r.seat);
        if (behind.length > 0) await this.deliver(event, behind);
      }
      if (events.length < maxRepaired) return;
    }
  }

  private async deliverLive(event: roomEventv1.RoomEvent): Promise<void> {
    const recipients = this.seatsBehind(event.roomId, event.seq);
    if (recipients.length > 0) await this.deliver(event, recipients);
  }

  /** The seats held here in the room whose connection has not been told event `seq` yet. */
  private seatsBehind(roomId: string, seq: number): { conn: Connection; seat: HeldSeat }[] {
    const seats: { conn: Connection; seat: HeldSeat }[] = [];
    for (const conn of this.seated.get(roomId) ?? []) {
      const seat = conn.seats.get(roomId);
      if (seat && seat.lastSeq < seq) seats.push({ conn, seat });
    }
    return seats;
  }

  private async deliver(event: roomEventv1.RoomEvent, recipients: { conn: Connection; seat: HeldSeat }[]): Promise<void> {
    const behind = recipients.filter((r) => r.seat.lastSeq < event.seq - 1);
    if (behind.length > 0) await this.repair(event, behind);
    for (const { conn } of recipients) this.endWatches(conn, event);
    const playUrls = await this.playUrlsFor(event, recipients);
    // Everyone gets the same frame, but for a play URL of their own, and a message only those it is
    // addressed to (the others its bare seq): encoded once per key (noticeKey).
    const frames = new Map<mediav1.PlayUrl | boolean | undefined, Buffer | null>();
    for (const { conn, seat } of recipients) {
      if (seat.lastSeq >= event.seq) continue;
      seat.lastSeq = event.seq;
      const playUrl = playUrls.get(conn.identity);
      const key = noticeKey(event, conn.identity, playUrl);
      let frame = frames.get(key);
      if (frame === undefined) {
        const notice = noticeFor(event, conn.identity, playUrl);
        frame = notice ? Buffer.from(encodeServerMessage({ requestId: '', message: { $case: 'notice', value: notice } })) : null;
        frames.set(key, frame);
      }
      if (frame) conn.sendFrame(frame);
      if (endsSeat(event, seat.memberId)) this.release(conn, event.roomId);
      else if (frame && playUrl) this.playable.watch(conn, event.roomId, [playUrl]);
    }
  }

  /** A stream that stops (or whose pusher leaves) or a room that closes ends the connection's watches of it. */
  private endWatches(conn: Connection, event: roomEventv1.RoomEvent): void {
    const p = event.payload;
    if (p?.$case === 'roomClosed') this.playable.roomEnded(conn, event.roomId);
    else if ((p?.$case === 'streamStopped' || p?.$case === 'memberLeft') && p.value.member?.streamId) this.playable.streamEnded(conn, event.roomId, p.value.member.streamId);
  }

  /** Delivers, before `event`, the events of its room that these recipients missed. */
  private async repair(event: roomEventv1.RoomEvent, behind: { conn: Connection; seat: HeldSeat }[]): Promise<void> {
    const afterSeq = Math.min(...behind.map((r) => r.seat.lastSeq));
    if (event.seq - afterSeq - 1 > maxRepaired) return; // too far behind: the client's gap check syncs it
    try {
      // The gateway's own catch-up for several connections: no one principal; the operator's read.
      const { events } = await this.backends.room.listRoomEvents({ roomId: event.roomId, afterSeq, pageSize: event.seq - afterSeq - 1, principal: undefined });
      for (const missed of events) {
        if (missed.seq >= event.seq) break;
        await this.deliver(missed, behind.filter((r) => r.seat.lastSeq < missed.seq));
      }
    } catch (err) {
      this.logger.warn('could not read missed room events; the clients resync on the gap', { roomId: event.roomId, err });
    }
  }

  /** A started stream's play URLs, one per viewer, each signed for its seat's kind. */
  private async playUrlsFor(event: roomEventv1.RoomEvent, recipients: { conn: Connection; seat: HeldSeat }[]): Promise<Map<string, mediav1.PlayUrl>> {
    const started = startedStream(event);
    if (!started) return new Map();
    const kinds = new Map<string, mediav1.ClientKind>();
    for (const { conn, seat } of recipients) if (conn.identity !== started.identity && !kinds.has(conn.identity)) kinds.set(conn.identity, seat.kind);
    if (kinds.size === 0) return new Map();
    try {
      const { playUrls } = await this.backends.urls.issuePlayUrls({ roomId: event.roomId, streamId: started.streamId, viewerIdentities: [...kinds.keys()], viewerKinds: [...kinds.values()], waitForMediaMs: 0 });
      return new Map(playUrls.map((u) => [u.viewerIdentity, u]));
    } catch (err) {
      this.logger.error('could not issue play URLs; notices go out without them', { roomId: event.roomId, err });
      return new Map();
    }
  }
}
