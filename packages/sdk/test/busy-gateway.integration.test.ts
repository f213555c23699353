// A gateway with more connections opening than it serves at once (a storm of reconnects after a
// gateway restart), on the real system: it opens one session at a time here (GATEWAY_MAX_OPENING=1),
// holds the others in line and tells them so (`waiting`), and sends away those whose wait would pass
// GATEWAY_MAX_OPEN_WAIT_MS with a time to come back (GoAway, UNAVAILABLE, close 1013). SDK clients wait
// in line without giving up and come back when told: every one connects, and seated ones keep their seats.
import { RtcRoomClient } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { connectClient, cuttableSocket, recorder, roomName, startTestSystem, TestSystem, token } from './system';

let t: TestSystem;
beforeAll(async () => {
  t = await startTestSystem({ GATEWAY_MAX_OPENING: '1', GATEWAY_MAX_OPEN_WAIT_MS: '300' });
});
afterAll(() => t?.stop());

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

interface Opening {
  frames: Array<Record<string, any>>;
  closeCode?: number;
  welcomed: boolean;
  socket: WebSocket;
}

/** Opens a raw socket and records what comes before its welcome or its close. */
function open(identity: string): Promise<Opening> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${t.system.gatewayUrl}?access_token=${encodeURIComponent(token(identity))}`);
    const o: Opening = { frames: [], welcomed: false, socket };
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      o.frames.push(frame);
      if (frame.welcome) {
        o.welcomed = true;
        resolve(o);
      }
    });
    socket.on('close', (code) => {
      o.closeCode = code;
      resolve(o);
    });
  });
}

async function sentAwayTotal(): Promise<number> {
  const body = await (await fetch(`http://${t.system.metricsAddresses.gateway}/metrics`)).text();
  return Number(/^rtcroom_gateway_opens_sent_away_total(?:\{[^}]*\})? (\d+)/m.exec(body)?.[1] ?? NaN);
}

it('holds connections in line, telling them their place, and sends away those that would wait too long', async () => {
  const before = await sentAwayTotal();
  const openings = await Promise.all(Array.from({ length: 30 }, (_, i) => open(`line-${i}`)));
  try {
    const welcomed = openings.filter((o) => o.welcomed);
    const sentAway = openings.filter((o) => !o.welcomed);
    expect(welcomed.length + sentAway.length).toBe(30);
    // In line: told its place (1: next) and the wait, then welcomed.
    const waited = welcomed.filter((o) => o.frames[0]?.waiting);
    expect(waited.length).toBeGreaterThan(0);
    for (const o of waited) {
      expect(o.frames[0].waiting).toEqual({ position: expect.any(Number), expectedWaitMs: expect.any(Number) });
      expect(o.frames[0].waiting.position).toBeGreaterThanOrEqual(1);
      expect(o.frames.at(-1)!.welcome).toBeDefined();
    }
    // Sent away: when to come back, the refusal, close code 1013 (try again later); nothing opened.
    expect(sentAway.length).toBeGreaterThan(0);
    for (const o of sentAway) {
      expect(o.frames.map((f) => Object.keys(f).find((k) => k !== 'requestId'))).toEqual(['goAway', 'error']);
      expect(o.frames[0].goAway.reconnectAfterMs).toBeGreaterThan(0);
      expect(o.frames[1].error.code).toBe('UNAVAILABLE');
      expect(o.closeCode).toBe(1013);
    }
    expect((await sentAwayTotal()) - before).toBe(sentAway.length);
  } finally {
    for (const o of openings) o.socket.close(1000);
  }
});

it('SDK clients wait in line and come back when sent away: every one connects, and seated ones resume with their seats', async () => {
  const before = await sentAwayTotal();
  // Sixteen connect at once: some wait in line, some are sent away and come back when told (at the
  // pace this gateway has shown, at most a few dozen a second, the last of them would wait past 300 ms).
  const first = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const net = cuttableSocket();
      const c = await connectClient(t.system, `storm-${i}`, { socket: net.adapter });
      clients.push(c);
      return { c, net };
    }),
  );
  expect((await sentAwayTotal()) - before).toBeGreaterThan(0);
  const name = roomName('busy');
  const rooms = await Promise.all(first.map(({ c }) => c.joinRoom({ roomName: name, createIfMissing: true, createOptions: { maxMembers: 16 } })));
  const roomId = rooms[0]!.room.id;
  const members = new Map(rooms.map((r) => [r.self.identity, r.self.memberId]));

  // Every one's network drops, and comes back at once: a storm of resumes through the line.
  const sessions = first.map(({ c }) => recorder(c, 'session'));
  for (const { net } of first) net.cut();
  for (const { net } of first) net.restore();
  const resumed = await Promise.all(sessions.map((s) => s.next((w) => w.resumed, 30_000)));
  for (const w of resumed) expect(w.seats.map((s) => s.roomId)).toEqual([roomId]);
  const room = await first[0]!.c.getRoom(roomId);
  expect(new Map(room.members.map((m) => [m.identity, m.memberId]))).toEqual(members);
}, 60_000);
