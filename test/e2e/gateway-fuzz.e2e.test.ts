// Thousands of random and mutated frames thrown at a running gateway: every one is answered with an
// error code or a valid response, nothing crashes or hangs, and a legitimate client on the same
// gateway keeps working throughout. Seeded, so a failure can be replayed.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';

const secret = 'fuzz-secret-long-enough-to-count';
let system: RunningSystem;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', GATEWAY_RATE_LIMIT_PER_SECOND: '10000', GATEWAY_RATE_LIMIT_BURST: '100000' },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await system?.stop();
  await database?.drop();
});

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const requestKinds = ['ping', 'createRoom', 'joinRoom', 'leaveRoom', 'listRooms', 'getRoom', 'reportPusherEvent', 'updateMember', 'updateRoom', 'removeMember', 'closeRoom', 'placeCall', 'answerCall', 'cancelCall', 'hangUp', 'syncRoom', 'nonsense'];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 2 ** (r() * 70));
    case 3: return 'x'.repeat(Math.floor(r() * 300));
    case 4: return ['ROOM_KIND_CALL', 'r_aaaaaaaaaaaaaaaaaaaa', 'c_bbbbbbbbbbbbbbbbbbbb', '💥', '\u0000', '../../etc', '1e309', ''][Math.floor(r() * 8)];
    case 5: return r() * 1e20;
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = ['roomId', 'roomName', 'name', 'room', 'code', 'maxMembers', 'kind', 'calleeIdentity', 'callId', 'accept', 'afterSeq', 'updateMask', 'banSeconds', 'createIfMissing', 'createOptions', 'identity', '__proto__', 'constructor'];
      for (let i = 0; i < Math.floor(r() * 5); i++) o[keys[Math.floor(r() * keys.length)]] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function randomFrame(r: () => number, i: number): { frame: string | Buffer; requestId: string } {
  const requestId = `f${i}`;
  switch (Math.floor(r() * 6)) {
    case 0: // raw bytes
      return { frame: Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))), requestId: '' };
    case 1: // broken JSON
      return { frame: JSON.stringify({ requestId, ping: {} }).slice(0, Math.floor(r() * 20)), requestId: '' };
    case 2: // deep nesting
      return { frame: '['.repeat(5000 + Math.floor(r() * 20000)), requestId: '' };
    default: {
      const kind = requestKinds[Math.floor(r() * requestKinds.length)];
      return { frame: JSON.stringify({ requestId, [kind]: randomValue(r) }), requestId };
    }
  }
}

it('answers every random or mutated frame, stays up, and keeps serving a legitimate client', async () => {
  const legit = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'legit' }));
  const room = await legit.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: 'fuzz-home', createIfMissing: true }) });
  const fuzzers = await Promise.all(
    [1, 2, 3].map((i) => DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: `fuzzer-${i}`, grants: { roomCreate: true, roomJoin: true, roomList: true, roomAdmin: i === 3 } }))),
  );
  const r = rng(20261123);
  let answered = 0;
  const total = 3000;
  for (let batch = 0; batch < total / 100; batch++) {
    const waits: Promise<unknown>[] = [];
    for (let j = 0; j < 100; j++) {
      const i = batch * 100 + j;
      const c = fuzzers[i % fuzzers.length];
      const { frame, requestId } = randomFrame(r, i);
      if (requestId) {
        waits.push(
          c.answerTo(requestId).then((a) => {
            answered++;
            if (a.$case === 'error') expect(a.value.code).toMatch(/^[A-Z_]+$/);
          }),
        );
      }
      c.sendRaw(frame);
    }
    await Promise.race([Promise.all(waits), new Promise((_, rej) => setTimeout(() => rej(new Error(`batch ${batch} hung`)), 15_000))]);
    // The legitimate client is served between batches.
    await legit.request({ $case: 'ping', value: {} });
  }
  expect(answered).toBeGreaterThan(total / 3);
  for (const c of fuzzers) expect(c.closeCode).toBeUndefined();
  const snap = await legit.request({ $case: 'getRoom', value: { roomId: room.room!.id, name: '' } });
  expect(snap.members.map((m) => m.identity)).toContain('legit');
  await Promise.all([legit.close(), ...fuzzers.map((c) => c.close())]);
}, 120_000);

it('answers a client that sends too fast with RATE_LIMITED and keeps the connection', async () => {
  const limited = await startAll({
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', GATEWAY_RATE_LIMIT_PER_SECOND: '5', GATEWAY_RATE_LIMIT_BURST: '5' },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
  try {
    const c = await DemoClient.connect(limited.gatewayUrl, issueAccessToken(secret, { identity: 'hasty' }));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => c.request({ $case: 'ping', value: {} })));
    const limitedCount = results.filter((x) => x.status === 'rejected' && (x.reason as { code?: string }).code === 'RATE_LIMITED').length;
    expect(limitedCount).toBeGreaterThan(10);
    await new Promise((res) => setTimeout(res, 1200));
    await expect(c.request({ $case: 'ping', value: {} })).resolves.toBeDefined();
    await c.close();
  } finally {
    await limited.stop();
  }
});
