// The floor: a bare WebSocket hub speaking the same JSON subset as the gateway (welcome, createRoom,
// joinRoom, leaveRoom, reportPusherEvent, getRoom, listRooms, ping, notices with a per-room seq), with
// in-memory rooms and a seat limit - no persistence, no gRPC, no NATS. It is the lower bound every
// rtcroom latency is divided by, so it does only what the protocol needs and nothing else.
//
// With a design path (`--floor-design`, store.ts) it is the floor of rtcroom's fixed design instead:
// the hub still decides in memory, but every change (a join, a leave, a stream started or stopped)
// goes to the store over gRPC, which commits it to Postgres and publishes it to JetStream, and the
// hub answers once the store has, and tells the room's members only when NATS delivers the event.
// Those are the messages the design needs per change; what rtcroom spends beyond them is its own.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { isDomainError, newId, verifyAccessToken } from '@rtcroom/common';
import type { StoreWrite } from './store';
import {
  GATEWAY_WS_PATH,
  PUSH_BEGAN,
  type JoinRoomRequest,
  type ServerFrame,
  type WireMember,
  type WireNotice,
  type WirePlayUrl,
  type WireRoom,
} from '../protocol';

export interface FloorOptions {
  host: string;
  port: number;
  secret: string;
  pingIntervalMs?: number;
  maxPayloadBytes?: number;
  /** Each change through the store and NATS (the design floor); without it, the bare hub. */
  design?: DesignPath;
}

/** How the design floor's hub reaches the store and hears the rooms' events (floor/main.ts). */
export interface DesignPath {
  /** Commits a change (store.ts); resolves once the store answers. */
  write(w: Omit<StoreWrite, 'i'>): Promise<void>;
  /** Listens to a room's events; resolves, with what stops listening, once NATS has the subscription. */
  listen(roomId: string, onEvent: (text: string) => void): Promise<() => void>;
}

interface Session {
  id: string;
  identity: string;
  ws: WebSocket;
  /** The rooms this session holds a seat in, by room id. */
  rooms: Set<string>;
}

interface Seat {
  member: WireMember;
  session: Session;
  /** Design floor: the seq of the seat's own join (earlier events are not its), and whether its join was answered (notices wait until then). */
  joinSeq?: number;
  answered?: boolean;
  pending?: string[];
}

interface FloorRoom {
  wire: WireRoom;
  seq: number;
  /** By identity: one seat per identity. */
  seats: Map<string, Seat>;
  /** Design floor: what to do with each event NATS will deliver, in seq order (one hub writes a room's events). */
  deliveries?: Array<(text: string) => void>;
  listening?: Promise<void>;
  unlisten?: () => void;
  /** Design floor: emptied and forgotten; stops listening once its last write is answered. */
  forgotten?: boolean;
}

class FloorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_MAX_MEMBERS = 6;
const URL_TTL_MS = 3600_000;
/** <live-pusher> codes that mean the push stopped. */
const PUSH_STOPPED = new Set([-1307, 3005, 1004]);

export class FloorHub {
  private readonly rooms = new Map<string, FloorRoom>();
  private readonly roomsByName = new Map<string, FloorRoom>();
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;

  constructor(private readonly options: FloorOptions) {}

  /** Listens; resolves with the host:port it listens on. */
  async start(): Promise<string> {
    const server = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({
      server,
      path: GATEWAY_WS_PATH,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayloadBytes ?? 64 * 1024,
    });
    wss.on('connection', (ws, req) => this.accept(ws, req));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.host, port: this.options.port, backlog: 4096 }, resolve);
    });
    this.server = server;
    this.wss = wss;
    const addr = server.address() as AddressInfo;
    return `${addr.address}:${addr.port}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    await new Promise<void>((resolve) => this.wss?.close(() => resolve()) ?? resolve());
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    // Frames that come while the token is checked (verification is async) wait for it.
    const early: Array<string | undefined> = [];
    const hold = (data: RawData, isBinary: boolean) => early.push(isBinary ? undefined : data.toString());
    ws.on('message', hold);
    ws.on('error', () => undefined);
    void this.admit(ws, req).then((session) => {
      ws.off('message', hold);
      if (!session) return;
      for (const text of early) this.receive(session, text);
    });
  }

  private async admit(ws: WebSocket, req: IncomingMessage): Promise<Session | undefined> {
    const token = new URL(req.url ?? '/', 'http://floor').searchParams.get('access_token') ?? '';
    let identity: string;
    try {
      identity = (await verifyAccessToken(this.options.secret, token)).sub;
    } catch (err) {
      const code = isDomainError(err) ? err.reason : 'UNAUTHENTICATED';
      send(ws, { error: { code, message: err instanceof Error ? err.message : 'bad token' } });
      ws.close(4001, code);
      return undefined;
    }
    const session: Session = { id: newId('s'), identity, ws, rooms: new Set() };
    ws.on('message', (data, isBinary) => this.receive(session, isBinary ? undefined : data.toString()));
    ws.on('close', () => this.disconnect(session));
    send(ws, {
      welcome: {
        sessionId: session.id,
        identity,
        pingIntervalMs: this.options.pingIntervalMs ?? 20_000,
        serverTime: new Date().toISOString(),
      },
    });
    return session;
  }

  private receive(session: Session, text: string | undefined): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text ?? '');
      if (!frame || typeof frame !== 'object' || Array.isArray(frame)) throw new Error('not an object');
    } catch {
      return send(session.ws, { error: { code: 'MALFORMED_FRAME', message: 'a frame is one JSON object' } });
    }
    const requestId = typeof frame.requestId === 'string' ? frame.requestId : '';
    if (this.options.design) {
      void this.receiveDesign(session, requestId, frame);
      return;
    }
    try {
      send(session.ws, { requestId, ...this.dispatch(session, frame) });
    } catch (err) {
      send(session.ws, { requestId, error: errorOf(err) });
    }
  }

  private async receiveDesign(session: Session, requestId: string, frame: Record<string, any>): Promise<void> {
    try {
      const { out, after } = await this.dispatchDesign(session, frame);
      send(session.ws, { requestId, ...out });
      after?.();
    } catch (err) {
      send(session.ws, { requestId, error: errorOf(err) });
    }
  }

  /** The changes go through the store; the rest is answered as the bare floor answers it. */
  private async dispatchDesign(session: Session, frame: Record<string, any>): Promise<{ out: ServerFrame; after?: () => void }> {
    if (frame.joinRoom) return this.joinDesign(session, frame.joinRoom);
    if (frame.leaveRoom) {
      const roomId = String(frame.leaveRoom.roomId ?? '');
      const room = this.rooms.get(roomId);
      const seat = room?.seats.get(session.identity);
      if (!room || !seat || seat.session !== session) throw new FloorError('NOT_A_MEMBER', 'not in this room');
      return { out: { leaveRoom: { member: await this.unseatDesign(room, seat, 'LEAVE_REASON_LEFT') } } };
    }
    if (frame.reportPusherEvent) return { out: { reportPusherEvent: { action: await this.pusherEventDesign(session, frame.reportPusherEvent) } } };
    return { out: this.dispatch(session, frame) };
  }

  private dispatch(session: Session, frame: Record<string, any>): ServerFrame {
    if (frame.ping) return { ping: { serverTime: new Date().toISOString() } };
    if (frame.joinRoom) return { joinRoom: this.join(session, frame.joinRoom) };
    if (frame.leaveRoom) return { leaveRoom: { member: this.leave(session, String(frame.leaveRoom.roomId ?? '')) } };
    if (frame.reportPusherEvent) return { reportPusherEvent: { action: this.pusherEvent(session, frame.reportPusherEvent) } };
    if (frame.createRoom) return { createRoom: { room: this.create(frame.createRoom.room ?? {}, session.identity).wire } };
    if (frame.getRoom) {
      const room = this.find(frame.getRoom.roomId, frame.getRoom.name);
      return { getRoom: { room: room.wire, members: [...room.seats.values()].map((s) => s.member), seq: room.seq } };
    }
    if (frame.listRooms) {
      const size = Math.min(Math.max(Number(frame.listRooms.pageSize) || 50, 1), 500);
      const offset = Number(frame.listRooms.pageToken) || 0;
      const all = [...this.rooms.values()];
      const next = offset + size < all.length ? String(offset + size) : '';
      return { listRooms: { rooms: all.slice(offset, offset + size).map((r) => r.wire), nextPageToken: next } };
    }
    throw new FloorError('UNKNOWN_MESSAGE', 'the floor does not know this message');
  }

  private create(spec: { name?: string; maxMembers?: number }, owner: string): FloorRoom {
    const name = spec.name || newId('room');
    if (this.roomsByName.has(name)) throw new FloorError('ALREADY_EXISTS', `an open room is named ${name}`);
    const room: FloorRoom = {
      wire: {
        id: newId('r'),
        name,
        kind: 'ROOM_KIND_GROUP',
        maxMembers: spec.maxMembers || DEFAULT_MAX_MEMBERS,
        state: 'ROOM_STATE_OPEN',
        ownerIdentity: owner,
        memberCount: 0,
        createTime: new Date().toISOString(),
      },
      seq: 0,
      seats: new Map(),
    };
    this.rooms.set(room.wire.id!, room);
    this.roomsByName.set(name, room);
    return room;
  }

  private find(roomId?: string, name?: string): FloorRoom {
    const room = roomId ? this.rooms.get(roomId) : name ? this.roomsByName.get(name) : undefined;
    if (!room) throw new FloorError('ROOM_NOT_FOUND', 'no such open room');
    return room;
  }

  private join(session: Session, req: JoinRoomRequest) {
    const { room, member, playUrls } = this.seatMember(session, req, (r, previous) => this.unseat(r, previous, 'LEAVE_REASON_REPLACED'));
    const seq = this.notify(room, { memberJoined: { member } }, session);
    return this.joined(room, member, playUrls, seq, [...room.seats.values()].map((s) => s.member));
  }

  /** Decides a join: the room (made if asked), the identity's earlier seat replaced, the seat limit. */
  private seatMember(session: Session, req: JoinRoomRequest, replace: (room: FloorRoom, previous: Seat) => void): { room: FloorRoom; member: WireMember; playUrls: WirePlayUrl[]; seat: Seat } {
    let room = req.roomId ? this.rooms.get(req.roomId) : req.roomName ? this.roomsByName.get(req.roomName) : undefined;
    if (!room && req.createIfMissing && req.roomName) {
      room = this.create({ name: req.roomName, maxMembers: req.createOptions?.maxMembers }, session.identity);
    }
    if (!room) throw new FloorError('ROOM_NOT_FOUND', 'no such open room');
    const previous = room.seats.get(session.identity);
    if (previous) replace(room, previous);
    if (room.seats.size >= (room.wire.maxMembers ?? DEFAULT_MAX_MEMBERS)) throw new FloorError('ROOM_FULL', 'every seat is taken');
    const member: WireMember = {
      roomId: room.wire.id,
      memberId: newId('m'),
      identity: session.identity,
      displayName: session.identity,
      state: 'MEMBER_STATE_JOINED',
      streamId: newId('st'),
      joinTime: new Date().toISOString(),
    };
    const playUrls = [...room.seats.values()]
      .filter((s) => s.member.state === 'MEMBER_STATE_PUBLISHING')
      .map((s) => playUrl(s.member, session.identity));
    const seat: Seat = { member, session };
    room.seats.set(session.identity, seat);
    session.rooms.add(room.wire.id!);
    room.wire.memberCount = room.seats.size;
    return { room, member, playUrls, seat };
  }

  /** A join's answer: the room's members as of the join's seq. */
  private joined(room: FloorRoom, member: WireMember, playUrls: WirePlayUrl[], seq: number, members: WireMember[]) {
    return {
      room: room.wire,
      member,
      members,
      pushUrl: {
        streamId: member.streamId,
        url: `rtmp://127.0.0.1/live/${member.streamId}?txSecret=floor`,
        expireTime: new Date(Date.now() + URL_TTL_MS).toISOString(),
      },
      playUrls,
      seq,
    };
  }

  // The design floor's changes: decided here as above, committed through the store, told on delivery.

  private async joinDesign(session: Session, req: JoinRoomRequest): Promise<{ out: ServerFrame; after: () => void }> {
    const { room, member, playUrls, seat } = this.seatMember(session, req, (r, previous) => void this.unseatDesign(r, previous, 'LEAVE_REASON_REPLACED').catch(() => undefined));
    seat.answered = false;
    const { seq, text } = this.nextNotice(room, { memberJoined: { member } });
    seat.joinSeq = seq;
    // As of its seq: seats taken while its write is under way are told of it by their own answers.
    const members = [...room.seats.values()].map((s) => s.member);
    const listening = this.listen(room);
    const deliver = (t: string) => this.fanOut(room, t, seq, session);
    await this.write(room, listening, deliver, { r: room.wire.id!, s: seq, k: 'join', m: member.memberId!, u: session.identity, st: 'joined', n: text });
    const after = () => {
      seat.answered = true;
      for (const t of seat.pending ?? []) send(session.ws, t);
      seat.pending = undefined;
    };
    return { out: { joinRoom: this.joined(room, member, playUrls, seq, members) }, after };
  }

  private async unseatDesign(room: FloorRoom, seat: Seat, reason: string): Promise<WireMember> {
    room.seats.delete(seat.member.identity!);
    seat.session.rooms.delete(room.wire.id!);
    room.wire.memberCount = room.seats.size;
    const member = { ...seat.member, state: 'MEMBER_STATE_LEFT', leaveTime: new Date().toISOString(), leaveReason: reason };
    const { seq, text } = this.nextNotice(room, { memberLeft: { member, reason } });
    const emptied = room.seats.size === 0;
    if (emptied) {
      this.rooms.delete(room.wire.id!);
      this.roomsByName.delete(room.wire.name!);
      room.forgotten = true;
    }
    try {
      const w = { r: room.wire.id!, s: seq, k: 'leave', m: member.memberId!, u: member.identity!, st: 'left', n: text } as const;
      await this.write(room, this.listen(room), (t) => this.fanOut(room, t, seq), w);
    } finally {
      if (emptied && room.seats.size === 0) room.unlisten?.();
    }
    return member;
  }

  private async pusherEventDesign(session: Session, req: { roomId?: string; code?: number }): Promise<string> {
    const room = req.roomId ? this.rooms.get(req.roomId) : undefined;
    const seat = room?.seats.get(session.identity);
    if (!room || !seat || seat.session !== session) throw new FloorError('NOT_A_MEMBER', 'not in this room');
    const member = seat.member;
    const change = { r: room.wire.id!, m: member.memberId!, u: session.identity, k: 'stream' } as const;
    if (req.code === PUSH_BEGAN && member.state === 'MEMBER_STATE_JOINED') {
      member.state = 'MEMBER_STATE_PUBLISHING';
      const { seq, text } = this.nextNotice(room, { streamStarted: { member } });
      // Everyone gets the stream's play URL of their own, as the bare floor sends it.
      const base = { roomId: room.wire.id, seq, time: new Date().toISOString() };
      const deliver = () => {
        for (const s of room.seats.values()) {
          if ((s.joinSeq ?? 0) < seq) this.tell(s, JSON.stringify({ notice: { ...base, streamStarted: { member, playUrl: playUrl(member, s.session.identity) } } }));
        }
      };
      await this.write(room, this.listen(room), deliver, { ...change, s: seq, st: 'publishing', n: text });
      return 'STREAM_STARTED';
    }
    if (PUSH_STOPPED.has(req.code ?? 0) && member.state === 'MEMBER_STATE_PUBLISHING') {
      member.state = 'MEMBER_STATE_JOINED';
      const { seq, text } = this.nextNotice(room, { streamStopped: { member } });
      await this.write(room, this.listen(room), (t) => this.fanOut(room, t, seq), { ...change, s: seq, st: 'joined', n: text });
      return 'STREAM_STOPPED';
    }
    return 'NONE';
  }

  /** Takes the room's next seq and makes its notice (the event's payload). */
  private nextNotice(room: FloorRoom, body: Omit<WireNotice, 'roomId' | 'seq' | 'time'>): { seq: number; text: string } {
    room.seq++;
    return { seq: room.seq, text: JSON.stringify({ notice: { roomId: room.wire.id, seq: room.seq, time: new Date().toISOString(), ...body } }) };
  }

  /** Listens to the room's events (once per room); resolves once NATS has the subscription. */
  private listen(room: FloorRoom): Promise<void> {
    room.listening ??= this.options.design!.listen(room.wire.id!, (t) => room.deliveries?.shift()?.(t)).then((unlisten) => {
      room.unlisten = unlisten;
      if (room.forgotten && room.seats.size === 0) unlisten();
    });
    return room.listening;
  }

  /** Queues what the event's delivery does (in seq order: taken before any await), then commits it. */
  private async write(room: FloorRoom, listening: Promise<void>, deliver: (text: string) => void, w: Omit<StoreWrite, 'i'>): Promise<void> {
    (room.deliveries ??= []).push(deliver);
    try {
      await listening;
      await this.options.design!.write(w);
    } catch (err) {
      room.deliveries.splice(room.deliveries.indexOf(deliver), 1);
      throw new FloorError('INTERNAL', `the store did not take the change: ${(err as Error).message}`);
    }
  }

  /** An event's notice to the room's seats that joined before it, but `except`'s. */
  private fanOut(room: FloorRoom, text: string, seq: number, except?: Session): void {
    for (const s of room.seats.values()) {
      if (s.session !== except && (s.joinSeq ?? 0) < seq) this.tell(s, text);
    }
  }

  /** A notice to a seat: sent, or kept until its join is answered. */
  private tell(seat: Seat, text: string): void {
    if (seat.answered === false) (seat.pending ??= []).push(text);
    else send(seat.session.ws, text);
  }

  private leave(session: Session, roomId: string): WireMember {
    const seat = this.rooms.get(roomId)?.seats.get(session.identity);
    if (!seat || seat.session !== session) throw new FloorError('NOT_A_MEMBER', 'not in this room');
    return this.unseat(this.rooms.get(roomId)!, seat, 'LEAVE_REASON_LEFT');
  }

  private pusherEvent(session: Session, req: { roomId?: string; code?: number }): string {
    const room = req.roomId ? this.rooms.get(req.roomId) : undefined;
    const seat = room?.seats.get(session.identity);
    if (!room || !seat || seat.session !== session) throw new FloorError('NOT_A_MEMBER', 'not in this room');
    const member = seat.member;
    if (req.code === PUSH_BEGAN && member.state === 'MEMBER_STATE_JOINED') {
      member.state = 'MEMBER_STATE_PUBLISHING';
      room.seq++;
      const base = { roomId: room.wire.id, seq: room.seq, time: new Date().toISOString() };
      for (const s of room.seats.values()) {
        send(s.session.ws, { notice: { ...base, streamStarted: { member, playUrl: playUrl(member, s.session.identity) } } });
      }
      return 'STREAM_STARTED';
    }
    if (PUSH_STOPPED.has(req.code ?? 0) && member.state === 'MEMBER_STATE_PUBLISHING') {
      member.state = 'MEMBER_STATE_JOINED';
      this.notify(room, { streamStopped: { member } });
      return 'STREAM_STOPPED';
    }
    return 'NONE';
  }

  private unseat(room: FloorRoom, seat: Seat, reason: string): WireMember {
    room.seats.delete(seat.member.identity!);
    seat.session.rooms.delete(room.wire.id!);
    room.wire.memberCount = room.seats.size;
    const member = { ...seat.member, state: 'MEMBER_STATE_LEFT', leaveTime: new Date().toISOString(), leaveReason: reason };
    this.notify(room, { memberLeft: { member, reason } });
    // An empty room has nobody to tell; the floor forgets it at once.
    if (room.seats.size === 0) {
      this.rooms.delete(room.wire.id!);
      this.roomsByName.delete(room.wire.name!);
    }
    return member;
  }

  /** Takes the room's next seq and sends the notice to every seat but `except`'s. */
  private notify(room: FloorRoom, body: Omit<WireNotice, 'roomId' | 'seq' | 'time'>, except?: Session): number {
    room.seq++;
    const text = JSON.stringify({ notice: { roomId: room.wire.id, seq: room.seq, time: new Date().toISOString(), ...body } });
    for (const s of room.seats.values()) {
      if (s.session !== except && s.session.ws.readyState === WebSocket.OPEN) s.session.ws.send(text);
    }
    return room.seq;
  }

  private disconnect(session: Session): void {
    for (const roomId of session.rooms) {
      const room = this.rooms.get(roomId);
      const seat = room?.seats.get(session.identity);
      if (!room || !seat || seat.session !== session) continue;
      if (this.options.design) void this.unseatDesign(room, seat, 'LEAVE_REASON_CONNECTION_LOST').catch(() => undefined);
      else this.unseat(room, seat, 'LEAVE_REASON_CONNECTION_LOST');
    }
    session.rooms.clear();
  }
}

function playUrl(member: WireMember, viewer: string): WirePlayUrl {
  return {
    streamId: member.streamId,
    viewerIdentity: viewer,
    rtcUrl: `webrtc://127.0.0.1/live/${member.streamId}?viewer=${encodeURIComponent(viewer)}&sig=floor`,
    flvUrl: `http://127.0.0.1/live/${member.streamId}.flv`,
    expireTime: new Date(Date.now() + URL_TTL_MS).toISOString(),
  };
}

function send(ws: WebSocket, frame: ServerFrame | string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
}

function errorOf(err: unknown): { code: string; message: string } {
  return err instanceof FloorError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String(err) };
}
