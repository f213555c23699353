// A gateway with more connections opening than it serves at once (a storm of reconnects after a
// gateway restart), on the real system: it opens one session at a time here (GATEWAY_MAX_OPENING=1).
// With room in line it holds the others and tells them so (`waiting`); past GATEWAY_MAX_OPEN_WAIT_MS
// (0 here: any wait) it sends them away with a time to come back (GoAway, UNAVAILABLE, close 1013).
// SDK clients wait in line without giving up and come back when told: every one connects, and seated
// ones keep their seats.
import { RtcRoomClient } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { connectClient, cuttableSocket, recorder, roomName, startTestSystem, TestSystem, token } from './system';

interface Opening {
  frames: Array<Record<string, any>>;
  closeCode?: number;
  welcomed: boolean;
  socket: WebSocket;
}

/** Opens a raw socket and records what comes before its welcome or its close. */
function open(t: TestSystem, identity: string): Promise<Opening> {
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

/** Twenty sockets at once: with one open at a time, all but the first meet a line. */
async function crowd(t: TestSystem, prefix: string): Promise<Opening[]> {
  return Promise.all(Array.from({ length: 20 }, (_, i) => open(t, `${prefix}-${i}`)));
}

async function gatewayMetric(t: TestSystem, name: string): Promise<number> {
  const body = await (await fetch(`http://${t.system.metricsAddresses.gateway}/metrics`)).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(body)?.[1] ?? NaN);
}

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A system of the describe block's own, with this gateway configuration. */
function systemWith(env: Record<string, string>): () => TestSystem {
  let t: TestSystem | undefined;
  beforeAll(async () => {
    t = await startTestSystem({ GATEWAY_MAX_OPENING: '1', ...env });
  });
  afterAll(() => t?.stop());
  return () => t!;
}

/** `count` SDK clients connected at once, each on a network the test can cut. */
async function sdkCrowd(t: TestSystem, prefix: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const net = cuttableSocket();
      const c = await connectClient(t.system, `${prefix}-${i}`, { socket: net.adapter });
      clients.push(c);
      return { c, net };
    }),
  );
}

describe('room in line (GATEWAY_MAX_OPEN_WAIT_MS 60 s)', () => {
  const system = systemWith({ GATEWAY_MAX_OPEN_WAIT_MS: '60000' });

  it('holds connections in line, telling each its place and wait, and welcomes every one in turn', async () => {
    const openings = await crowd(system(), 'line');
    try {
      expect(openings.filter((o) => o.welcomed)).toHaveLength(20);
      const waited = openings.filter((o) => o.frames[0]?.waiting);
      expect(waited.length).toBeGreaterThan(0);
      for (const o of waited) {
        expect(o.frames[0].waiting).toEqual({ position: expect.any(Number), expectedWaitMs: expect.any(Number) });
        expect(o.frames[0].waiting.position).toBeGreaterThanOrEqual(1);
        expect(o.frames.at(-1)!.welcome).toBeDefined();
      }
      expect(await gatewayMetric(system(), 'rtcroom_gateway_open_wait_seconds_count')).toBeGreaterThanOrEqual(20);
    } finally {
      for (const o of openings) o.socket.close(1000);
    }
  });

  it('SDK clients whose network drops at once resume through the line, told where they stand, seats kept', async () => {
    const crowdOf = await sdkCrowd(system(), 'resume', 12);
    const name = roomName('line');
    const rooms = await Promise.all(crowdOf.map(({ c }) => c.joinRoom({ roomName: name, createIfMissing: true, createOptions: { maxMembers: 12 } })));
    const roomId = rooms[0]!.room.id;
    const members = new Map(rooms.map((r) => [r.self.identity, r.self.memberId]));

    const sessions = crowdOf.map(({ c }) => recorder(c, 'session'));
    const waiting = crowdOf.map(({ c }) => recorder(c, 'connectionWaiting'));
    for (const { net } of crowdOf) net.cut();
    for (const { net } of crowdOf) net.restore();
    const resumed = await Promise.all(sessions.map((s) => s.next((w) => w.resumed, 30_000)));
    for (const w of resumed) expect(w.seats).toEqual([expect.objectContaining({ roomId, role: 'MEMBER_ROLE_SEAT' })]);
    const told = waiting.flatMap((w) => w.seen);
    expect(told.length).toBeGreaterThan(0);
    for (const e of told) expect(e.position).toBeGreaterThanOrEqual(1);
    const room = await crowdOf[0]!.c.getRoom(roomId);
    expect(new Map(room.members.map((m) => [m.identity, m.memberId]))).toEqual(members);
  }, 60_000);
});

describe('no room in line (GATEWAY_MAX_OPEN_WAIT_MS 0)', () => {
  const system = systemWith({ GATEWAY_MAX_OPEN_WAIT_MS: '0' });

  it('sends away each connection that would have to wait: when to come back, UNAVAILABLE, close 1013, nothing opened', async () => {
    const before = await gatewayMetric(system(), 'rtcroom_gateway_opens_sent_away_total');
    const openings = await crowd(system(), 'away');
    try {
      const sentAway = openings.filter((o) => !o.welcomed);
      expect(sentAway.length).toBeGreaterThan(0);
      for (const o of sentAway) {
        expect(o.frames.map((f) => Object.keys(f).find((k) => k !== 'requestId'))).toEqual(['goAway', 'error']);
        expect(o.frames[0].goAway.reconnectAfterMs).toBeGreaterThan(0);
        expect(o.frames[1].error.code).toBe('UNAVAILABLE');
        expect(o.closeCode).toBe(1013);
      }
      // Nobody waits here: welcomed at once or sent away.
      for (const o of openings.filter((x) => x.welcomed)) expect(o.frames).toHaveLength(1);
      expect((await gatewayMetric(system(), 'rtcroom_gateway_opens_sent_away_total')) - before).toBe(sentAway.length);
    } finally {
      for (const o of openings) o.socket.close(1000);
    }
  });

  it('SDK clients sent away come back when told, and every one connects', async () => {
    const before = await gatewayMetric(system(), 'rtcroom_gateway_opens_sent_away_total');
    const crowdOf = await sdkCrowd(system(), 'back', 6);
    expect(crowdOf.every(({ c }) => c.state === 'connected')).toBe(true);
    expect((await gatewayMetric(system(), 'rtcroom_gateway_opens_sent_away_total')) - before).toBeGreaterThan(0);
  }, 60_000);
});
