// A bridged stream's start, as the fan-out tells it (stand-ins for the URL issuer and the room
// service): the stream_started notice and the room's next notices go out at once to every member; a
// browser member whose URL waits for the media bridge (WEBRTC_STARTING) gets it as stream_playable
// once the issuer says media flows, after those notices; a stream that stops first is never told as
// playable.
import { createLogger, InMemoryEventBus, subjects } from '@rtcroom/common';
import { gatewayv1, mediav1, roomEventv1, roomv1, urlIssuerv1 } from '@rtcroom/proto';
import type WebSocket from 'ws';
import { Connection } from '../ws/connection';
import { webrtcStarting } from './playable-watch';
import { RoomFanout } from './room-fanout';

const logger = createLogger({}, 'silent');
const { CLIENT_KIND_BROWSER: browser, CLIENT_KIND_MINI_PROGRAM: miniProgram } = mediav1.ClientKind;
const pusher = roomv1.Member.fromPartial({ memberId: 'm_cust', roomId: 'r1', identity: 'cust', streamId: 's_cust', state: roomv1.MemberState.MEMBER_STATE_PUBLISHING });

const started = (seq: number) => roomEventv1.RoomEvent.fromPartial({ id: `e${seq}`, roomId: 'r1', seq, time: new Date(), payload: { $case: 'streamStarted', value: { member: pusher } } });
const stopped = (seq: number) => roomEventv1.RoomEvent.fromPartial({ id: `e${seq}`, roomId: 'r1', seq, time: new Date(), payload: { $case: 'streamStopped', value: { member: pusher } } });
const joined = (seq: number, identity: string) =>
  roomEventv1.RoomEvent.fromPartial({ id: `e${seq}`, roomId: 'r1', seq, time: new Date(), payload: { $case: 'memberJoined', value: { member: roomv1.Member.fromPartial({ memberId: `m_${identity}`, roomId: 'r1', identity }) } } });

function connection(identity: string): { conn: Connection; received: () => string[] } {
  const frames: string[] = [];
  const socket = { readyState: 1, bufferedAmount: 0, send: (f: string) => frames.push(f) } as unknown as WebSocket;
  const conn = new Connection(socket, `s_${identity}`, { sub: identity } as never, logger, 1 << 20);
  const received = () =>
    frames.map((f) => {
      const m = gatewayv1.ServerMessage.fromJSON(JSON.parse(f)).message;
      if (m?.$case === 'streamPlayable') return `playable ${m.value.playUrl?.webrtcUrl}`;
      if (m?.$case !== 'notice') return m?.$case ?? '?';
      const n = m.value.notice;
      if (n?.$case === 'streamStarted') return `${m.value.seq} started ${n.value.playUrl?.webrtcUrl || n.value.playUrl?.webrtcUnavailable || n.value.playUrl?.rtcUrl}`;
      return `${m.value.seq} ${n?.$case}`;
    });
  return { conn, received };
}

/** The URL issuer: a browser's URL is WEBRTC_STARTING until `flow()`; an ask that waits for media answers then. */
function issuer() {
  let flowing = false;
  let flow: () => void = () => undefined;
  const media = new Promise<void>((resolve) => (flow = resolve));
  const asks: number[] = [];
  const url = (viewer: string, kind: mediav1.ClientKind): mediav1.PlayUrl =>
    mediav1.PlayUrl.fromPartial({
      streamId: 's_cust',
      viewerIdentity: viewer,
      rtcUrl: kind === miniProgram ? 'rtmp://m/live/s_cust' : '',
      webrtcUrl: kind === browser && flowing ? 'janus+http://j/janus?token=t&mountpoint=1&pin=p' : '',
      webrtcUnavailable: kind === browser && !flowing ? webrtcStarting : '',
    });
  return {
    asks,
    flow: () => {
      flowing = true;
      flow();
    },
    async issuePlayUrls(req: urlIssuerv1.IssuePlayUrlsRequest) {
      asks.push(req.waitForMediaMs ?? 0);
      if (req.waitForMediaMs) await Promise.race([media, new Promise((r) => setTimeout(r, 50))]);
      return { playUrls: req.viewerIdentities.map((v, i) => url(v, req.viewerKinds[i] ?? miniProgram)) };
    },
  };
}

async function seatedFanout(urls: ReturnType<typeof issuer>) {
  const bus = new InMemoryEventBus();
  const fanout = new RoomFanout(bus, { urls, room: { listRoomEvents: async () => ({ events: [], lastSeq: 0 }) } } as never, logger);
  const agent = connection('agent');
  const viewer = connection('viewer');
  for (const [c, kind] of [[agent, browser], [viewer, miniProgram]] as const) {
    const ticket = await fanout.beginJoin(c.conn, 'r1');
    await fanout.endJoin(c.conn, ticket, { roomId: 'r1', memberId: `m_${c.conn.identity}`, lastSeq: 0, kind });
  }
  const publish = (e: roomEventv1.RoomEvent) => bus.publish(subjects.roomEvent('r1', 'x'), roomEventv1.RoomEvent.encode(e).finish());
  return { fanout, agent, viewer, publish };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe('PlayableWatch (in RoomFanout)', () => {
  it("tells every member of the stream at once and the browser its URL once media flows, after the room's next notices", async () => {
    const urls = issuer();
    const { fanout, agent, viewer, publish } = await seatedFanout(urls);
    await publish(started(1));
    await publish(joined(2, 'late'));
    await until(() => agent.received().length === 2 && viewer.received().length === 2, 'both notices to both members');
    expect(viewer.received()).toEqual(['1 started rtmp://m/live/s_cust', '2 memberJoined']);
    expect(agent.received()).toEqual([`1 started ${webrtcStarting}`, '2 memberJoined']);
    expect(fanout.playable.size).toBe(1);
    urls.flow();
    await until(() => agent.received().length === 3, 'the playable URL');
    expect(agent.received()[2]).toBe('playable janus+http://j/janus?token=t&mountpoint=1&pin=p');
    expect(viewer.received()).toHaveLength(2);
    await until(() => fanout.playable.size === 0, 'the watch to end');
    fanout.stop();
  });

  it('tells nobody a stream plays that stopped before its media flowed', async () => {
    const urls = issuer();
    const { fanout, agent, publish } = await seatedFanout(urls);
    await publish(started(1));
    await until(() => agent.received().length === 1, 'the start');
    const asked = urls.asks.length;
    await publish(stopped(2));
    await until(() => agent.received().length === 2 && fanout.playable.size === 0, 'the stop to end the watch');
    urls.flow();
    // At most the ask in flight as the stop came; none after it.
    expect(urls.asks.length - asked).toBeLessThanOrEqual(1);
    expect(agent.received()).toEqual([`1 started ${webrtcStarting}`, '2 streamStopped']);
    fanout.stop();
  });
});
