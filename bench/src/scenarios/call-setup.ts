// 1:1 call setup as the seed's seven steps run it, on the real system: from the caller's placeCall
// to both sides holding the other's play URL (the callee from its ring, the caller from the callee's
// streamStarted), with both pushers reporting 1002 as soon as they have their push URLs.
import WebSocket from 'ws';
import { percentile } from '../stats';

interface Frame {
  requestId?: string;
  welcome?: unknown;
  error?: { code: string };
  callNotice?: { call?: { id: string; state?: string; roomId: string }; callerPlayUrl?: { rtcUrl?: string } };
  notice?: { streamStarted?: { member?: { identity: string }; playUrl?: { rtcUrl?: string } } };
  placeCall?: { call: { id: string }; room: { id: string } };
  answerCall?: { room: { id: string } };
}

class Peer {
  frames: Frame[] = [];
  private n = 0;
  private waiting = new Map<string, (f: Frame) => void>();
  private watchers: { match: (f: Frame) => boolean; resolve: () => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Frame;
      this.frames.push(f);
      if (f.requestId && this.waiting.has(f.requestId)) this.waiting.get(f.requestId)!(f);
      for (const w of [...this.watchers]) if (w.match(f)) (this.watchers.splice(this.watchers.indexOf(w), 1), w.resolve());
    });
  }

  static open(url: string, token: string): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}?access_token=${encodeURIComponent(token)}`);
      const peer = new Peer(ws);
      // Its welcome (a busy gateway may first say `waiting`).
      const welcomed = (d: WebSocket.RawData) => {
        if (!(JSON.parse(String(d)) as { welcome?: unknown }).welcome) return;
        ws.off('message', welcomed);
        resolve(peer);
      };
      ws.on('message', welcomed);
      ws.once('error', reject);
    });
  }

  request(body: object): Promise<Frame> {
    const requestId = String(++this.n);
    this.ws.send(JSON.stringify({ requestId, ...body }));
    return new Promise((res) => this.waiting.set(requestId, res));
  }

  until(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<void> {
    if (this.frames.some(match)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('call setup timed out')), timeoutMs);
      this.watchers.push({ match, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

/** Sets up `calls` calls, `concurrency` at a time; returns each setup time in ms. */
export async function measureCallSetup(gatewayAddress: string, mintToken: (identity: string) => string, tag: string, calls = 30, concurrency = 5): Promise<number[]> {
  const url = `ws://${gatewayAddress}/v1/ws`;
  const times: number[] = [];
  let next = 0;
  const worker = async (w: number) => {
    while (next < calls) {
      const i = next++;
      const callee = `${tag}-callee-${w}-${i}`;
      const b = await Peer.open(url, mintToken(callee));
      const a = await Peer.open(url, mintToken(`${tag}-caller-${w}-${i}`));
      const t0 = Date.now();
      const placed = await a.request({ placeCall: { calleeIdentity: callee } });
      if (placed.error) throw new Error(`placeCall: ${placed.error.code}`);
      const roomId = placed.placeCall!.room.id;
      await a.request({ reportPusherEvent: { roomId, code: 1002 } });
      await b.until((f) => f.callNotice?.call?.state === 'CALL_STATE_RINGING' && !!f.callNotice.callerPlayUrl?.rtcUrl);
      await b.request({ answerCall: { callId: placed.placeCall!.call.id, accept: true } });
      await b.request({ reportPusherEvent: { roomId, code: 1002 } });
      await a.until((f) => f.notice?.streamStarted?.member?.identity === callee && !!f.notice.streamStarted.playUrl?.rtcUrl);
      times.push(Date.now() - t0);
      await a.request({ hangUp: { callId: placed.placeCall!.call.id } });
      a.ws.close(1000);
      b.ws.close(1000);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return times;
}

export function describeTimes(ms: number[]): string {
  if (ms.length === 0) return 'no sample';
  const s = [...ms].sort((x, y) => x - y);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms, max ${s[s.length - 1]} ms (n=${s.length})`;
}
