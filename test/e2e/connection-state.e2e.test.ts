// How a connection's state reaches the others in the room, on the real Postgres and NATS: a client that
// stops reading is cut off at the buffer limit and the room hears of it at once; a JSON client sees
// `connected: false` and the other false and zero fields it tests for.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';
import WebSocket from 'ws';
import { parseSamples, scrape, sum } from '../metrics/scrape';

const secret = 'conn-state-secret-long-enough-to-count';
const token = (identity: string) => issueAccessToken(secret, { identity });
let system: RunningSystem;
let database: TestDatabase;
let counter = 0;
const roomName = () => `cs-${Date.now().toString(36)}-${counter++}`;
const join = (c: DemoClient, value: Partial<gatewayv1.JoinRoomRequest>) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      // The smallest buffer allowed, and no ping timeout to speak of: only the buffer limit can end a
      // connection that stops reading here.
      GATEWAY_MAX_BUFFERED_BYTES: String(64 * 1024),
      GATEWAY_PING_TIMEOUT_MS: '120000',
      GATEWAY_RATE_LIMIT_PER_SECOND: '10000',
      GATEWAY_RATE_LIMIT_BURST: '100000',
    },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await system?.stop();
  await database?.drop();
});

async function gatewayConnections(): Promise<number> {
  const res = await fetch(`http://${system.gatewayAddress}/healthz`);
  return ((await res.json()) as { connections: number }).connections;
}

describe('a client that stops reading', () => {
  it('is cut off at the buffer limit, and the room hears of the interruption at once', async () => {
    const reader = await DemoClient.connect(system.gatewayUrl, token('reader'));
    const stalled = await DemoClient.connect(system.gatewayUrl, token('stalled'));
    const r = await join(reader, { roomName: roomName(), createIfMissing: true });
    const roomId = r.room!.id;
    await join(stalled, { roomId });
    // Big answers: the room as getRoom returns it carries 4 KB of the stalled member's profile.
    await stalled.request({ $case: 'updateMember', value: { roomId, displayName: '', avatarUrl: '', customData: 'x'.repeat(4000), updateMask: ['custom_data'] } });
    expect(await gatewayConnections()).toBe(2);

    // The client's socket stops reading (the kernel buffers fill, then the gateway's), while it keeps
    // asking for the room.
    stalled.silence();
    const interrupted = reader.waitForNotice((n) => n.notice?.$case === 'memberConnection' && n.notice.value.member?.identity === 'stalled', 80_000);
    let cutAt = 0;
    const started = Date.now();
    // How soon the buffers fill depends on how fast the backends answer getRoom (and on the kernel's
    // socket buffers): seconds on a quiet machine, much longer on a busy one; only the outcome is tested.
    while (!cutAt && Date.now() - started < 75_000) {
      for (let i = 0; i < 50; i++) stalled.sendRaw(JSON.stringify({ requestId: `g${i}`, getRoom: { roomId } }));
      await sleep(20);
      if ((await gatewayConnections()) < 2) cutAt = Date.now();
    }
    expect(cutAt).toBeGreaterThan(0);
    const notice = await interrupted;
    // Within a second or so of the cut (measured loosely: the poll above sees it late, not early).
    expect(Date.now() - cutAt).toBeLessThan(3000);
    expect(notice.notice?.$case === 'memberConnection' && notice.notice.value.connected).toBe(false);
    // And the operator sees it: one client cut off as a slow consumer.
    const metrics = parseSamples((await scrape(system.metricsAddresses.gateway!)).body);
    expect(sum(metrics, 'rtcroom_gateway_cut_off_total', { reason: 'slow_consumer' })).toBe(1);
    stalled.drop();
    await reader.close();
  }, 100_000);
});

describe('false, zero and empty values, as a JSON client reads them', () => {
  it('are written: connected false, resumed false, recording false, the profile fields', async () => {
    // A client with no protobuf library: the welcome as it comes off the socket.
    const raw = new WebSocket(`${system.gatewayUrl}?access_token=${token('plain')}`);
    const welcome = await new Promise<Record<string, unknown>>((resolve, reject) => {
      raw.once('message', (data) => resolve(JSON.parse(String(data))));
      raw.once('error', reject);
    });
    raw.close(1000);
    expect(welcome).toMatchObject({ welcome: { identity: 'plain', resumed: false } });

    const watcher = await DemoClient.connect(system.gatewayUrl, token('watcher'));
    const leaver = await DemoClient.connect(system.gatewayUrl, token('leaver'));
    const frames: Record<string, any>[] = [];
    watcher.socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    const w = await join(watcher, { roomName: roomName(), createIfMissing: true });
    await join(leaver, { roomId: w.room!.id });
    leaver.drop();
    await watcher.waitForNotice((n) => n.notice?.$case === 'memberConnection');

    const joined = frames.find((f) => f.joinRoom)!.joinRoom;
    expect(joined.room).toMatchObject({ recording: false, metadata: '', displayName: '' });
    expect(joined.member).toMatchObject({ identity: 'watcher', connectionInterrupted: false, avatarUrl: '', customData: '' });
    const dropped = frames.find((f) => f.notice?.memberConnection)!.notice.memberConnection;
    expect(dropped.connected).toBe(false);
    expect(dropped.member).toMatchObject({ identity: 'leaver', connectionInterrupted: true });
    await watcher.close();
  });
});

describe('a session resumed on the same gateway while its old socket is still open', () => {
  it('stays connected when the old socket drops after: nobody sees it dropped, and the new connection is kept', async () => {
    const watcher = await DemoClient.connect(system.gatewayUrl, token('stayer'));
    const mover = await DemoClient.connect(system.gatewayUrl, token('mover'));
    const w = await join(watcher, { roomName: roomName(), createIfMissing: true });
    const roomId = w.room!.id;
    await join(mover, { roomId });
    // The client reconnected (a network switch, say) before the gateway noticed its old socket go.
    const back = await DemoClient.connect(system.gatewayUrl, token('mover'), mover.welcome!.resumeToken);
    expect(back.welcome).toMatchObject({ resumed: true, sessionId: mover.welcome!.sessionId });
    await back.request({ $case: 'syncRoom', value: gatewayv1.SyncRoomRequest.fromPartial({ roomId, afterSeq: 0 }) });
    let closedWith: number | undefined;
    back.socket.on('close', (code) => (closedWith = code));
    mover.drop();
    // Past two of the gateway's keepalives (1 s apart), which would have it close a session presence
    // no longer counts as connected here.
    await sleep(2500);
    expect(watcher.notices.filter((n) => n.notice?.$case === 'memberConnection')).toEqual([]);
    expect(closedWith).toBeUndefined();
    const room = await back.request({ $case: 'getRoom', value: gatewayv1.GetRoomRequest.fromPartial({ roomId }) });
    expect(room.members.find((m) => m.identity === 'mover')).toMatchObject({ connectionInterrupted: false });
    await back.close();
    await watcher.close();
  });
});
