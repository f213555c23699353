// A scripted stand-in of the gateway for the client's unit tests: an in-memory socket adapter whose
// frames the test reads (sent) and writes (push), and a client connected through it.
import { RtcRoomClient } from '../src/client';
import type { SocketAdapter, SocketHandlers } from '../src/connection/socket';

export interface FakeSocket {
  url: string;
  sent: Record<string, any>[];
  closed?: { code: number; reason: string };
  on: SocketHandlers;
  push(frame: object): void;
}

export function fakeGateway() {
  const sockets: FakeSocket[] = [];
  const waiters: ((s: FakeSocket) => void)[] = [];
  const adapter: SocketAdapter = (url, on) => {
    const socket: FakeSocket = { url, sent: [], on, push: (frame) => on.message(JSON.stringify(frame)) };
    sockets.push(socket);
    setTimeout(() => waiters.splice(0).forEach((w) => w(socket)), 0);
    return {
      send: (text) => socket.sent.push(JSON.parse(text)),
      close: (code, reason) => (socket.closed = { code, reason }),
    };
  };
  const nextSocket = () => new Promise<FakeSocket>((resolve) => waiters.push(resolve));
  return { adapter, sockets, nextSocket };
}

export const welcome = (extra: object = {}) => ({ welcome: { sessionId: 's1', identity: 'alice', pingIntervalMs: 60_000, resumeToken: 'rt-1', resumeGraceMs: 5000, ...extra } });
export const until = async (check: () => boolean, ms = 2000) => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};
export const lastRequest = (s: FakeSocket, kind: string) => [...s.sent].reverse().find((f) => f[kind]);
export const member = (id: string, identity: string) => ({ memberId: id, identity, roomId: 'r_1', state: 'MEMBER_STATE_JOINED', streamId: `st_${id}` });

export async function connectedClient(options: ConstructorParameters<typeof RtcRoomClient>[0] = {}) {
  const gw = fakeGateway();
  const client = new RtcRoomClient({ socket: gw.adapter, reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, ...options });
  const opened = gw.nextSocket();
  const connecting = client.connect('ws://gw/v1/ws', 'tok');
  const socket = await opened;
  socket.push(welcome());
  await connecting;
  return { gw, client, socket };
}
