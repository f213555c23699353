// The fan-out's ordering guarantees, on an in-memory bus with stand-ins for the room service and the
// URL issuer: a connection that fell behind (held events lost while its join waited) gets the events
// it missed, read from the room service, before the next one, in order, once each.
import { createLogger, InMemoryEventBus, subjects } from '@rtcroom/common';
import { gatewayv1, mediav1, roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import type WebSocket from 'ws';
import { Connection } from '../ws/connection';
import { RoomFanout } from './room-fanout';

const logger = createLogger({}, 'silent');

function event(roomId: string, seq: number, identity: string): roomEventv1.RoomEvent {
  const member = roomv1.Member.fromPartial({ memberId: `m_${identity}`, roomId, identity, state: roomv1.MemberState.MEMBER_STATE_JOINED });
  return roomEventv1.RoomEvent.fromPartial({ id: `e${seq}`, roomId, seq, time: new Date(), payload: { $case: 'memberJoined', value: { member } } });
}

function connection(identity: string): { conn: Connection; seqs: () => number[] } {
  const frames: string[] = [];
  const socket = { readyState: 1, bufferedAmount: 0, send: (f: string) => frames.push(f) } as unknown as WebSocket;
  const conn = new Connection(socket, `s_${identity}`, { sub: identity } as never, logger, 1 << 20);
  const seqs = () => frames.map((f) => gatewayv1.ServerMessage.fromJSON(JSON.parse(f))).map((m) => (m.message?.$case === 'notice' ? m.message.value.seq : -1));
  return { conn, seqs };
}

describe('RoomFanout', () => {
  const stored = [1, 2, 3, 4, 5, 6].map((seq) => event('r1', seq, `u${seq}`));
  const asked: Pick<roomServicev1.ListRoomEventsRequest, 'roomId' | 'afterSeq' | 'pageSize'>[] = [];
  const backends = {
    urls: { issuePlayUrls: async () => ({ playUrls: [] }) },
    room: {
      listRoomEvents: async (req: Pick<roomServicev1.ListRoomEventsRequest, 'roomId' | 'afterSeq' | 'pageSize'>) => {
        asked.push(req);
        return { events: stored.filter((e) => e.seq > req.afterSeq).slice(0, req.pageSize), lastSeq: 6 };
      },
    },
  };

  it('fills a gap from the room service before delivering what comes after it', async () => {
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, backends, logger);
    await fanout.start();
    const { conn, seqs } = connection('alice');
    const ticket = await fanout.beginJoin(conn, 'r1');
    await fanout.endJoin(conn, ticket, { roomId: 'r1', memberId: 'm_alice', lastSeq: 1, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    // Events 2 to 4 never reach this gateway (as if dropped while held); 5 and 6 do.
    for (const e of [stored[4], stored[5]]) await bus.publish(subjects.roomEvent('r1', 'member.joined'), roomEventv1.RoomEvent.encode(e).finish());
    await new Promise((r) => setTimeout(r, 20));
    expect(seqs()).toEqual([2, 3, 4, 5, 6]);
    expect(asked).toEqual([{ roomId: 'r1', afterSeq: 1, pageSize: 3 }]);
    fanout.stop();
  });

  it('replays, after the answer, the events of the joined room that came while the join was in flight', async () => {
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, backends, logger);
    await fanout.start();
    const { conn, seqs } = connection('bob');
    const ticket = await fanout.beginJoin(conn, 'r1');
    const publish = (e: roomEventv1.RoomEvent) => bus.publish(subjects.roomEvent(e.roomId, 'member.joined'), roomEventv1.RoomEvent.encode(e).finish());
    // Seq 2 is the join's own (its answer says so); 3 and 4 come after it, r2's event is another room's.
    for (const e of [stored[1], stored[2], event('r2', 7, 'x'), stored[3]]) await publish(e);
    const order: string[] = [];
    await fanout.endJoin(conn, ticket, { roomId: 'r1', memberId: 'm_bob', lastSeq: 2, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM }, () => order.push('answer'));
    await publish(stored[4]);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['answer']);
    expect(seqs()).toEqual([3, 4, 5]);
    fanout.stop();
  });

  it('a seat taken back by its own session (the same member) tells nothing twice: what its old seat was told stands', async () => {
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, backends, logger);
    await fanout.start();
    const { conn, seqs } = connection('olga');
    const publish = (e: roomEventv1.RoomEvent) => bus.publish(subjects.roomEvent(e.roomId, 'member.joined'), roomEventv1.RoomEvent.encode(e).finish());
    const seat = (lastSeq: number) => ({ roomId: 'r1', memberId: 'm_olga', lastSeq, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    await fanout.endJoin(conn, await fanout.beginJoin(conn, 'r1'), seat(1));
    await publish(stored[1]);
    // The session joins again: the answer's room was read at seq 2, and 3 reaches the seat it holds
    // before the answer is out.
    const ticket = await fanout.beginJoin(conn, 'r1');
    await publish(stored[2]);
    await new Promise((r) => setTimeout(r, 20));
    await fanout.endJoin(conn, ticket, seat(2));
    await publish(stored[3]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seqs()).toEqual([2, 3, 4]);
    fanout.stop();
  });

  it('reads nothing back for a join whose room the gateway began to listen to meanwhile, once it heard the join\'s own event', async () => {
    const bus = new InMemoryEventBus();
    const reads: number[] = [];
    const room = { listRoomEvents: async (req: Pick<roomServicev1.ListRoomEventsRequest, 'afterSeq'>) => (reads.push(req.afterSeq), { events: [], lastSeq: 0 }) };
    const fanout = new RoomFanout(bus, { ...backends, room }, logger);
    const publish = (e: roomEventv1.RoomEvent) => bus.publish(subjects.roomEvent(e.roomId, 'member.joined'), roomEventv1.RoomEvent.encode(e).finish());
    // Two joins by name to r3 in flight at once: the first answers (seq 1) and the gateway begins to
    // listen; it reads what it may have missed. The second's own event (seq 2) is then heard on that
    // subscription before the second answers: everything after seq 2 reaches it, so nothing is read.
    const frank = connection('frank');
    const grace = connection('grace');
    const t1 = await fanout.beginJoin(frank.conn);
    const t2 = await fanout.beginJoin(grace.conn);
    await fanout.endJoin(frank.conn, t1, { roomId: 'r3', memberId: 'm_frank', lastSeq: 1, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    expect(reads).toEqual([1]);
    await publish(event('r3', 2, 'grace'));
    await fanout.endJoin(grace.conn, t2, { roomId: 'r3', memberId: 'm_grace', lastSeq: 2, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    expect(reads).toEqual([1]);
    await publish(event('r3', 3, 'heidi'));
    await new Promise((r) => setTimeout(r, 20));
    expect(frank.seqs()).toEqual([2, 3]);
    expect(grace.seqs()).toEqual([3]);
    // Heard only from seq 5 on (3 and 4 came before the gateway listened again): a join at seq 3 reads them.
    fanout.drop(frank.conn);
    fanout.drop(grace.conn);
    const ivan = connection('ivan');
    const t3 = await fanout.beginJoin(ivan.conn);
    await fanout.endJoin(ivan.conn, t3, { roomId: 'r3', memberId: 'm_ivan', lastSeq: 2, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    expect(reads).toEqual([1, 2]); // a new subscription: what the old one heard does not count
    const judy = connection('judy');
    const t4 = await fanout.beginJoin(judy.conn);
    fanout.drop(ivan.conn);
    const t5 = await fanout.beginJoin(ivan.conn, 'r3'); // holds r3 again, from now on
    await publish(event('r3', 5, 'x'));
    await fanout.endJoin(judy.conn, t4, { roomId: 'r3', memberId: 'm_judy', lastSeq: 3, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    expect(reads[2]).toBe(3); // (this stand-in has nothing to give: 5 then reads from 3 again, as a gap)
    await fanout.endJoin(ivan.conn, t5, null);
    fanout.stop();
  });

  it('shares one read back among the joins of a room answered at about the same time', async () => {
    const bus = new InMemoryEventBus();
    const reads: number[] = [];
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const room = {
      listRoomEvents: async (req: Pick<roomServicev1.ListRoomEventsRequest, 'afterSeq' | 'pageSize'>) => {
        reads.push(req.afterSeq);
        await answered;
        return { events: stored.filter((e) => e.seq > req.afterSeq).slice(0, req.pageSize), lastSeq: 6 };
      },
    };
    const fanout = new RoomFanout(bus, { ...backends, room }, logger);
    const seat = (identity: string, lastSeq: number) => ({ roomId: 'r1', memberId: `m_${identity}`, lastSeq, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    // Three joins by name to r1, all sent before the first answered (a burst): kim's answer (seq 2)
    // starts the gateway listening and a read of what came before; lee's (seq 4) shares that read.
    const [kim, lee, max] = ['kim', 'lee', 'max'].map(connection);
    const [t1, t2, t3] = await Promise.all([kim, lee, max].map((c) => fanout.beginJoin(c.conn)));
    const joins = [fanout.endJoin(kim.conn, t1, seat('kim', 2)), fanout.endJoin(lee.conn, t2, seat('lee', 4))];
    while (reads.length === 0) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
    expect(reads).toEqual([2]);
    // max's answer has seq 1, before where that read starts: it reads for itself.
    joins.push(fanout.endJoin(max.conn, t3, seat('max', 1)));
    while (reads.length === 1) await new Promise((r) => setImmediate(r));
    answer();
    await Promise.all(joins);
    expect(reads).toEqual([2, 1]);
    expect(kim.seqs()).toEqual([3, 4, 5, 6]);
    expect(lee.seqs()).toEqual([5, 6]);
    expect(max.seqs()).toEqual([2, 3, 4, 5, 6]);
    // After a break in listening (everyone left), a join reads afresh.
    for (const c of [kim, lee, max]) fanout.drop(c.conn);
    const ned = connection('ned');
    await fanout.endJoin(ned.conn, await fanout.beginJoin(ned.conn), seat('ned', 5));
    expect(reads).toEqual([2, 1, 5]);
    expect(ned.seqs()).toEqual([6]);
    fanout.stop();
  });

  it('listens to a room only while it serves it; a join by name reads what came before it listened', async () => {
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, backends, logger);
    await fanout.start();
    const publish = (e: roomEventv1.RoomEvent) => bus.publish(subjects.roomEvent(e.roomId, 'member.joined'), roomEventv1.RoomEvent.encode(e).finish());
    asked.length = 0;
    // A join by name (the room known only from its answer, seq 2): 3 and 4 were published before the
    // gateway listened to r1, so they are read from the room service; 5 comes live.
    const carol = connection('carol');
    const ticket = await fanout.beginJoin(carol.conn);
    await publish(stored[2]);
    await fanout.endJoin(carol.conn, ticket, { roomId: 'r1', memberId: 'm_carol', lastSeq: 2, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    expect(fanout.stats()).toEqual({ rooms: 1, subscriptions: 1 });
    expect(asked).toEqual([{ roomId: 'r1', afterSeq: 2, pageSize: 200 }]);
    await publish(stored[4]);
    await new Promise((r) => setTimeout(r, 20));
    expect(carol.seqs()).toEqual([3, 4, 5, 6]); // 5 and 6 already read: the live 5 is not sent twice
    // A second member by name while r1 is listened to: nothing can have slipped by, nothing read.
    const dave = connection('dave');
    const t2 = await fanout.beginJoin(dave.conn);
    await fanout.endJoin(dave.conn, t2, { roomId: 'r1', memberId: 'm_dave', lastSeq: 6, kind: mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM });
    expect(asked).toHaveLength(1);
    // The last one out lets r1 go.
    fanout.release(carol.conn, 'r1');
    expect(fanout.stats()).toEqual({ rooms: 1, subscriptions: 1 });
    fanout.drop(dave.conn);
    expect(fanout.stats()).toEqual({ rooms: 0, subscriptions: 0 });
    fanout.stop();
  });
});
