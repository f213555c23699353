// Silent monitoring in the room fan-out, on an in-memory bus with a stand-in URL issuer: a supervisor
// without a seat is told of streams starting (with a play URL signed for it) and stopping, and the
// room's closing ends it; a closed connection or stopMonitor lets go of the room's subscription. A
// bridged stream's URL that waits for media is asked for again, seatless, and told once it plays. What
// was published while the gateway was off NATS is read back for the supervisor once it is back.
import { createLogger, InMemoryEventBus, subjects } from '@rtcroom/common';
import { gatewayv1, mediav1, roomEventv1, roomv1 } from '@rtcroom/proto';
import type WebSocket from 'ws';
import { Connection } from '../ws/connection';
import { RoomFanout } from './room-fanout';

const logger = createLogger({}, 'silent');
const roomId = 'r_monitored';

function connection(identity: string): { conn: Connection; frames: () => gatewayv1.ServerMessage[] } {
  const sent: string[] = [];
  const socket = { readyState: 1, bufferedAmount: 0, send: (f: string) => sent.push(f) } as unknown as WebSocket;
  const conn = new Connection(socket, `s_${identity}`, { sub: identity } as never, logger, 1 << 20);
  return { conn, frames: () => sent.map((f) => gatewayv1.ServerMessage.fromJSON(JSON.parse(f))) };
}

const member = (identity: string) => roomv1.Member.fromPartial({ memberId: `m_${identity}`, roomId, identity, streamId: `s_${identity}` });
const publish = (bus: InMemoryEventBus, seq: number, payload: roomEventv1.RoomEvent['payload']) =>
  bus.publish(subjects.roomEvent(roomId, 'x'), roomEventv1.RoomEvent.encode(roomEventv1.RoomEvent.fromPartial({ id: `e${seq}`, roomId, seq, time: new Date(), payload })).finish());
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('RoomFanout monitoring', () => {
  const signed: { streamId: string; viewer: string; kind: mediav1.ClientKind }[] = [];
  const backends = {
    urls: {
      issuePlayUrls: async (req: { streamId: string; viewerIdentities: string[]; viewerKinds: mediav1.ClientKind[] }) => {
        signed.push({ streamId: req.streamId, viewer: req.viewerIdentities[0]!, kind: req.viewerKinds[0]! });
        return { playUrls: [mediav1.PlayUrl.fromPartial({ streamId: req.streamId, viewerIdentity: req.viewerIdentities[0], rtmpUrl: `rtmp://x/${req.streamId}` })] };
      },
    },
    room: { listRoomEvents: async () => ({ events: [], lastSeq: 0 }) },
  };

  it('tells the supervisor of streams starting and stopping, then that the call ended', async () => {
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, backends, logger);
    const { conn, frames } = connection('boss');
    conn.kind = mediav1.ClientKind.CLIENT_KIND_BROWSER;
    await fanout.monitor(conn, roomId, 'c_1');
    await publish(bus, 3, { $case: 'streamStarted', value: { member: member('agent'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } });
    await publish(bus, 4, { $case: 'streamStopped', value: { member: member('agent'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } });
    await publish(bus, 5, { $case: 'memberJoined', value: { member: member('guest'), audienceCount: 0 } });
    await publish(bus, 6, { $case: 'roomClosed', value: { room: roomv1.Room.fromPartial({ id: roomId }), reason: roomv1.CloseReason.CLOSE_REASON_CALL_ENDED } });
    await settle();
    const notices = frames().map((f) => (f.message?.$case === 'monitorNotice' ? f.message.value : null));
    expect(notices.map((n) => n && [n.callId, n.member?.identity ?? '', n.playUrl?.streamId ?? '', n.streamStopped, n.ended])).toEqual([
      ['c_1', 'agent', 's_agent', false, false],
      ['c_1', 'agent', '', true, false],
      ['c_1', '', '', false, true],
    ]);
    expect(signed).toEqual([{ streamId: 's_agent', viewer: 'boss', kind: mediav1.ClientKind.CLIENT_KIND_BROWSER }]);
    expect(fanout.stats().subscriptions).toBe(0); // the room's end let go of it
    expect(fanout.stopMonitor(conn, 'c_1')).toBe(false);
    fanout.stop();
  });

  it('lets go of the room when the connection closes or stops monitoring', async () => {
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, backends, logger);
    const a = connection('boss-a');
    const b = connection('boss-b');
    await fanout.monitor(a.conn, roomId, 'c_2');
    await fanout.monitor(b.conn, roomId, 'c_2');
    await fanout.monitor(b.conn, roomId, 'c_2'); // twice is once
    expect(fanout.stats().subscriptions).toBe(1);
    fanout.drop(a.conn);
    expect(fanout.stats().subscriptions).toBe(1);
    expect(fanout.stopMonitor(b.conn, 'c_2')).toBe(true);
    expect(fanout.stats().subscriptions).toBe(0);
    await publish(bus, 7, { $case: 'streamStarted', value: { member: member('agent'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } });
    await settle();
    expect([...a.frames(), ...b.frames()]).toEqual([]);
    fanout.stop();
  });
  it("follows up a bridged stream's URL that waits for media: asked again seatless, told as a monitor notice once it plays", async () => {
    const asked: { withoutSeat?: boolean; waitForMediaMs?: number }[] = [];
    let flowing = false;
    const bridged = {
      ...backends,
      urls: {
        issuePlayUrls: async (req: { streamId: string; viewerIdentities: string[]; withoutSeat?: boolean; waitForMediaMs?: number }) => {
          asked.push({ withoutSeat: req.withoutSeat, waitForMediaMs: req.waitForMediaMs });
          const url = flowing ? { webrtcUrl: `janus+http://x/${req.streamId}` } : { webrtcUnavailable: 'WEBRTC_STARTING' };
          return { playUrls: [mediav1.PlayUrl.fromPartial({ streamId: req.streamId, viewerIdentity: req.viewerIdentities[0], ...url })] };
        },
      },
    };
    const bus = new InMemoryEventBus();
    const fanout = new RoomFanout(bus, bridged, logger);
    const { conn, frames } = connection('boss');
    conn.kind = mediav1.ClientKind.CLIENT_KIND_BROWSER;
    await fanout.monitor(conn, roomId, 'c_3');
    flowing = true;
    fanout.watchMonitored(conn, 'c_3', roomId, [member('agent')], [mediav1.PlayUrl.fromPartial({ streamId: 's_agent', viewerIdentity: 'boss', webrtcUnavailable: 'WEBRTC_STARTING' })]);
    await settle();
    const notices = frames().flatMap((f) => (f.message?.$case === 'monitorNotice' ? [f.message.value] : []));
    expect(notices.map((n) => [n.callId, n.member?.identity, n.playUrl?.webrtcUrl])).toEqual([['c_3', 'agent', 'janus+http://x/s_agent']]);
    expect(asked).toEqual([{ withoutSeat: true, waitForMediaMs: 6000 }]);
    expect(fanout.playable.size).toBe(0);
    fanout.stop();
  });

  it('reads back for the supervisor what the room published while NATS was away, from where it was told, once', async () => {
    const stored: roomEventv1.RoomEvent[] = [];
    const store = (seq: number, payload: roomEventv1.RoomEvent['payload']) => {
      const event = roomEventv1.RoomEvent.fromPartial({ id: `e${seq}`, roomId, seq, time: new Date(), payload });
      stored.push(event);
      return event;
    };
    const reads: number[] = [];
    const room = {
      listRoomEvents: async (req: { afterSeq: number; pageSize: number }) => {
        reads.push(req.afterSeq);
        const events = stored.filter((e) => e.seq > req.afterSeq).slice(0, req.pageSize);
        return { events, lastSeq: stored.length ? stored[stored.length - 1]!.seq : 0 };
      },
    };
    const listeners: ((state: 'lost' | 'back') => void)[] = [];
    const bus = Object.assign(new InMemoryEventBus(), { onConnection: (l: (state: 'lost' | 'back') => void) => (listeners.push(l), () => undefined) });
    const live = (event: roomEventv1.RoomEvent) => bus.publish(subjects.roomEvent(roomId, 'x'), roomEventv1.RoomEvent.encode(event).finish());
    const fanout = new RoomFanout(bus, { ...backends, room }, logger);
    const { conn, frames } = connection('boss');
    store(1, { $case: 'memberJoined', value: { member: member('agent'), audienceCount: 0 } });
    store(2, { $case: 'streamStarted', value: { member: member('agent'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } });
    await fanout.monitor(conn, roomId, 'c_4'); // the call's streams so far come in the answer, not as notices
    await live(store(3, { $case: 'streamStarted', value: { member: member('customer'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } }));
    await settle();
    for (const l of listeners) l('lost');
    store(4, { $case: 'streamStopped', value: { member: member('agent'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } });
    store(5, { $case: 'streamStarted', value: { member: member('agent'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } });
    for (const l of listeners) l('back');
    await settle();
    await live(stored[4]!); // heard again after the read: not told twice
    await live(store(6, { $case: 'streamStopped', value: { member: member('customer'), source: roomv1.StreamSource.STREAM_SOURCE_CLIENT } }));
    await settle();
    const notices = frames().flatMap((f) => (f.message?.$case === 'monitorNotice' ? [f.message.value] : []));
    expect(notices.map((n) => [n.member?.identity, n.streamStopped])).toEqual([
      ['customer', false],
      ['agent', true],
      ['agent', false],
      ['customer', true],
    ]);
    expect(reads).toEqual([Number.MAX_SAFE_INTEGER, 3]);
    fanout.stop();
  });
});
