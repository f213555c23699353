// Detection times, on the real system with its default timeouts: a client whose network goes silent
// (socket left open, nothing answered) and a gateway killed with SIGKILL. The watcher sits on another
// gateway and times until the room tells it the member's connection is interrupted
// (memberConnection false, the moment apps can show it) and until the member is gone (memberLeft,
// after the resume grace period).
import { spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { percentile } from '../stats';
import { SystemOptions } from '../system';

export interface DetectionFigures {
  silentInterruptMs: number[];
  silentLeftMs: number[];
  killedInterruptMs: number[];
  killedLeftMs: number[];
}

interface Frame {
  requestId?: string;
  welcome?: unknown;
  notice?: { memberConnection?: { connected?: boolean; member?: { identity: string } }; memberLeft?: { member?: { identity: string } } };
  joinRoom?: { room: { id: string } };
  error?: { code: string };
}

function client(url: string, token: string): Promise<{ ws: WebSocket; frames: Frame[]; request(body: object): Promise<Frame> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?access_token=${encodeURIComponent(token)}`);
    const frames: Frame[] = [];
    const waiting = new Map<string, (f: Frame) => void>();
    let n = 0;
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as Frame;
      frames.push(f);
      if (f.welcome) resolve({ ws, frames, request });
      if (f.requestId && waiting.has(f.requestId)) waiting.get(f.requestId)!(f);
    });
    ws.on('error', reject);
    function request(body: object): Promise<Frame> {
      const requestId = String(++n);
      ws.send(JSON.stringify({ requestId, ...body }));
      return new Promise((res) => waiting.set(requestId, res));
    }
  });
}

async function waitFor(frames: Frame[], match: (f: Frame) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (frames.some(match)) return Date.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('not detected in time');
}

/** Starts a second gateway beside the system's, with the same environment. */
function extraGateway(repoRoot: string, env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [path.join(repoRoot, 'services', 'gateway', 'dist', 'main.js')], { env, stdio: 'ignore' });
}

export async function measureDetection(
  o: SystemOptions,
  gatewayAddress: string,
  gatewayEnv: NodeJS.ProcessEnv,
  mintToken: (identity: string) => string,
  rounds = 3,
): Promise<DetectionFigures> {
  const figures: DetectionFigures = { silentInterruptMs: [], silentLeftMs: [], killedInterruptMs: [], killedLeftMs: [] };
  const url = (addr: string) => `ws://${addr}/v1/ws`;
  const second = `127.0.0.1:${10000 + Math.floor(Math.random() * 50000)}`;
  for (let r = 0; r < rounds; r++) {
    // Silent client: both on the system's gateway.
    const watcher = await client(url(gatewayAddress), mintToken(`${o.tag}-w${r}`));
    const victim = await client(url(gatewayAddress), mintToken(`${o.tag}-v${r}`));
    const j = await watcher.request({ joinRoom: { roomName: `${o.tag}-det-${r}`, createIfMissing: true } });
    await victim.request({ joinRoom: { roomId: j.joinRoom!.room.id } });
    const t0 = Date.now();
    (victim.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const who = `${o.tag}-v${r}`;
    figures.silentInterruptMs.push((await waitFor(watcher.frames, (f) => f.notice?.memberConnection?.member?.identity === who && f.notice.memberConnection.connected !== true, 60_000)) - t0);
    figures.silentLeftMs.push((await waitFor(watcher.frames, (f) => f.notice?.memberLeft?.member?.identity === who, 90_000)) - t0);
    victim.ws.terminate();
    watcher.ws.close(1000);

    // Killed gateway: the victim on a second gateway that is killed; the watcher on the system's.
    const gw = extraGateway(o.repoRoot, { ...gatewayEnv, GATEWAY_ADDRESS: second, GATEWAY_GRPC_ADDRESS: `127.0.0.1:${10000 + Math.floor(Math.random() * 50000)}`, GATEWAY_ID: `${o.tag}-gw-extra-${r}` });
    try {
      let doomed: Awaited<ReturnType<typeof client>> | undefined;
      for (let i = 0; i < 100 && !doomed; i++) doomed = await client(url(second), mintToken(`${o.tag}-k${r}`)).catch(() => new Promise<undefined>((res) => setTimeout(() => res(undefined), 100)));
      if (!doomed) throw new Error('the extra gateway did not come up');
      const w2 = await client(url(gatewayAddress), mintToken(`${o.tag}-w2${r}`));
      const j2 = await w2.request({ joinRoom: { roomName: `${o.tag}-kill-${r}`, createIfMissing: true } });
      await doomed.request({ joinRoom: { roomId: j2.joinRoom!.room.id } });
      const k0 = Date.now();
      gw.kill('SIGKILL');
      const kw = `${o.tag}-k${r}`;
      figures.killedInterruptMs.push((await waitFor(w2.frames, (f) => f.notice?.memberConnection?.member?.identity === kw && f.notice.memberConnection.connected !== true, 60_000)) - k0);
      figures.killedLeftMs.push((await waitFor(w2.frames, (f) => f.notice?.memberLeft?.member?.identity === kw, 90_000)) - k0);
      w2.ws.close(1000);
    } finally {
      gw.kill('SIGKILL');
    }
  }
  return figures;
}

export function describeDetection(ms: number[]): string {
  if (ms.length === 0) return 'no sample';
  const sorted = [...ms].sort((a, b) => a - b);
  return `p50 ${(percentile(sorted, 50) / 1000).toFixed(2)} s, max ${(sorted[sorted.length - 1] / 1000).toFixed(2)} s (n=${ms.length})`;
}
