// Thousands of random and mutated frames thrown at a running gateway: every one is answered with an
// error code or a valid response (never INTERNAL: a client's mistake is INVALID_ARGUMENT naming the
// field), nothing crashes or hangs, and a legitimate client on the same gateway keeps working
// throughout. Seeded, so a failure can be replayed.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { readFileSync } from 'node:fs';
import { createFileRegistry, DescMessage, fromBinary, ScalarType } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { descriptorSetPath, gatewayv1, roomv1 } from '@rtcroom/proto';
import { parseSamples, scrape, sum } from '../metrics/scrape';

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

const requestKinds = [
  'ping', 'createRoom', 'joinRoom', 'leaveRoom', 'listRooms', 'getRoom', 'reportPusherEvent', 'updateMember', 'updateRoom', 'removeMember', 'closeRoom',
  'placeCall', 'answerCall', 'cancelCall', 'hangUp', 'syncRoom', 'getCall', 'setAgentState', 'getTeam', 'callTeam', 'transferCall', 'inviteToCall',
  'getTeamStats', 'refreshToken', 'nonsense',
];
/** The JSON names of a request's fields (and of the room inside createRoom), from the generated code. */
function fieldsOf(kind: string): string[] {
  const type = (gatewayv1 as unknown as Record<string, { fromPartial?: (o: object) => object }>)[`${kind[0].toUpperCase()}${kind.slice(1)}Request`];
  return type?.fromPartial ? Object.keys(type.fromPartial({})) : [];
}
const roomFields = Object.keys(roomv1.Room.fromPartial({}));
const otherKeys = ['room_id', 'max_members', 'page_size', '__proto__', 'constructor', 'nonsense'];

function randomScalar(r: () => number): unknown {
  switch (Math.floor(r() * 6)) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 2 ** (r() * 70));
    case 3: return 'x'.repeat(Math.floor(r() * (r() < 0.2 ? 5000 : 300)));
    case 4: {
      const words = ['ROOM_KIND_CALL', 'AGENT_STATE_AVAILABLE', 'r_aaaaaaaaaaaaaaaaaaaa', 'c_bbbbbbbbbbbbbbbbbbbb', '💥', '\u0000', 'a\u0000b', '\ud800', '../../etc'];
      const numbers = ['999999999999', '-1', '18446744073709551615', '9007199254740993', '1.5', 'NaN', 'Infinity', '0x10', ' 7', '1e3', '2026-13-45T99:99:99Z', '2026-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '4294967295', '9007199254740991', ''];
      const all = [...words, ...numbers];
      return all[Math.floor(r() * all.length)];
    }
    default: {
      // Out of range for some type, and the edges that are in range (they must reach the services intact).
      const numbers = [r() * 1e20, -1, 2 ** 32, 2 ** 32 - 1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, 2 ** 53 + 2, 1.5, -0.5, 0, 1, 7];
      return numbers[Math.floor(r() * numbers.length)];
    }
  }
}

/** Random JSON whose keys are mostly real field names: values land in fields of every type. */
function randomValue(r: () => number, keys: string[], depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 4 : 6));
  if (pick < 3) return randomScalar(r);
  if (pick === 3) return Array.from({ length: Math.floor(r() * 4) }, () => (r() < 0.7 ? randomScalar(r) : randomValue(r, keys, depth + 1)));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 4); i++) {
    const key = r() < 0.85 && keys.length > 0 ? keys[Math.floor(r() * keys.length)] : otherKeys[Math.floor(r() * otherKeys.length)];
    o[key] = key === 'room' || key === 'createOptions' ? randomValue(r, roomFields, depth + 1) : r() < 0.8 ? randomScalar(r) : randomValue(r, keys, depth + 1);
  }
  return o;
}

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
const clientMessage = registry.getMessage('rtcroom.gateway.v1.ClientMessage')!;
const pickOf = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];

/** A random value that fits the field's type: the edges of its range, odd text, far-off times. */
function typedScalar(r: () => number, type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return pickOf(r, ['', 'x', 'fuzz-home', 'r_aaaaaaaaaaaaaaaaaaaa', 'c_bbbbbbbbbbbbbbbbbbbb', 'display_name', '💥', '\ud800', 'x'.repeat(Math.floor(r() * 200))]);
    case ScalarType.BOOL:
      return r() < 0.5;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return pickOf(r, [-(2 ** 31), 2 ** 31 - 1, -1, 0, 1002, -1307, 3004, String(2 ** 31 - 1)]);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return pickOf(r, [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0, 5, String(Number.MAX_SAFE_INTEGER)]);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return pickOf(r, [0, 1, 3, Number.MAX_SAFE_INTEGER, String(Number.MAX_SAFE_INTEGER)]);
    default:
      return pickOf(r, [0, 1, 6, 100, 2 ** 31, 2 ** 32 - 1, '4294967295']);
  }
}

function typedValue(r: () => number, desc: DescMessage, depth: number): unknown {
  if (desc.typeName === 'google.protobuf.Timestamp') return pickOf(r, ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '2026-01-01T08:00:00+08:00', '1970-01-01T00:00:00Z']);
  if (desc.typeName.startsWith('google.protobuf.')) return {};
  const o: Record<string, unknown> = {};
  // One oneof member (the request, in a ClientMessage), and some of the other fields.
  const members = desc.oneofs.flatMap((oneof) => (oneof.fields.length ? [pickOf(r, oneof.fields)] : []));
  const fields = [...members, ...desc.fields.filter((f) => !f.oneof && r() < 0.6)];
  for (const f of fields) {
    const one = (): unknown => {
      if (f.fieldKind === 'enum' || (f.fieldKind === 'list' && f.listKind === 'enum')) return pickOf(r, f.enum!.values).name;
      if (f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')) return depth > 3 ? {} : typedValue(r, f.message!, depth + 1);
      if (f.fieldKind === 'scalar' || (f.fieldKind === 'list' && f.listKind === 'scalar')) return typedScalar(r, f.scalar!);
      return {};
    };
    o[f.jsonName] = f.fieldKind === 'list' ? Array.from({ length: Math.floor(r() * 3) }, one) : one();
  }
  return o;
}

function randomFrame(r: () => number, i: number): { frame: string | Buffer; requestId: string } {
  const requestId = `f${i}`;
  switch (Math.floor(r() * 8)) {
    case 0: // raw bytes
      return { frame: Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))), requestId: '' };
    case 1: // broken JSON
      return { frame: JSON.stringify({ requestId, ping: {} }).slice(0, Math.floor(r() * 20)), requestId: '' };
    case 2: // deep nesting
      return { frame: '['.repeat(5000 + Math.floor(r() * 20000)), requestId: '' };
    case 3:
    case 4: // well-typed: every value fits its field, so the frame reaches the services with edge values
      return { frame: JSON.stringify({ ...(typedValue(r, clientMessage, 0) as object), requestId }), requestId };
    default: {
      const kind = requestKinds[Math.floor(r() * requestKinds.length)];
      const body = randomValue(r, fieldsOf(kind), 1);
      return { frame: JSON.stringify({ requestId, [kind]: body }), requestId };
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
  const internal: string[] = [];
  const codes: Record<string, number> = {};
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
            const code = a.$case === 'error' ? a.value.code : 'OK';
            codes[code] = (codes[code] ?? 0) + 1;
            if (a.$case === 'error') {
              expect(a.value.code).toMatch(/^[A-Z_]+$/);
              if (a.value.code === 'INTERNAL') internal.push(`${String(frame).slice(0, 300)} -> ${a.value.message}`);
            }
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
  expect(internal).toEqual([]);
  // Well-typed frames got through to the services (and some were served).
  expect(codes.OK).toBeGreaterThan(0);
  expect(codes.ROOM_NOT_FOUND).toBeGreaterThan(0);
  for (const c of fuzzers) expect(c.closeCode).toBeUndefined();
  const snap = await legit.request({ $case: 'getRoom', value: { roomId: room.room!.id, name: '' } });
  expect(snap.members.map((m) => m.identity)).toContain('legit');
  await Promise.all([legit.close(), ...fuzzers.map((c) => c.close())]);
}, 120_000);

// Each: a request with one mistake, and the field the answer must name (as the client wrote it).
const mistakes: [string, Record<string, unknown>, string][] = [
  ['a negative uint32', { listRooms: { pageSize: -1 } }, 'listRooms.pageSize'],
  ['a uint32 too large, as a string', { createRoom: { room: { name: 'big', maxMembers: '999999999999' } } }, 'createRoom.room.maxMembers'],
  ['a uint64 past what the gateway can hold exactly', { syncRoom: { roomId: 'r_x', afterSeq: '18446744073709551615' } }, 'syncRoom.afterSeq'],
  ['an int32 too large', { reportPusherEvent: { roomId: 'r_x', code: 2 ** 40 } }, 'reportPusherEvent.code'],
  ['a fraction for an integer', { placeCall: { calleeIdentity: 'bob', ringTimeoutSeconds: 1.5 } }, 'placeCall.ringTimeoutSeconds'],
  ['a number that is not one', { removeMember: { roomId: 'r_x', identity: 'bob', banSeconds: 'soon' } }, 'removeMember.banSeconds'],
  ['a string for a boolean', { joinRoom: { roomName: 'x', createIfMissing: 'false' } }, 'joinRoom.createIfMissing'],
  ['a number for a string', { joinRoom: { roomName: 5 } }, 'joinRoom.roomName'],
  ['an unknown enum name', { createRoom: { room: { name: 'x', kind: 'ROOM_KIND_NOPE' } } }, 'createRoom.room.kind'],
  ['an unknown enum number', { setAgentState: { team: 't', state: 42 } }, 'setAgentState.state'],
  ['a timestamp that is none', { createRoom: { room: { name: 'x', createTime: 'yesterday' } } }, 'createRoom.room.createTime'],
  ['an object for a list', { updateRoom: { roomId: 'r_x', updateMask: { a: 1 } } }, 'updateRoom.updateMask'],
  ['a number in a list of strings', { updateMember: { roomId: 'r_x', updateMask: ['display_name', 7] } }, 'updateMember.updateMask[1]'],
  ['a list for a message', { createRoom: { room: [1, 2] } }, 'createRoom.room'],
  ['a display name over its limit', { updateMember: { roomId: 'r_x', displayName: 'x'.repeat(129), updateMask: ['display_name'] } }, 'updateMember.displayName'],
  ['room metadata over its limit', { createRoom: { room: { name: 'x', metadata: 'é'.repeat(2049) } } }, 'createRoom.room.metadata'],
  ['call metadata over its limit', { callTeam: { team: 'claims', metadata: 'x'.repeat(1025) } }, 'callTeam.metadata'],
  ['a NUL character in a string', { joinRoom: { roomName: 'x', displayName: 'a\u0000b', createIfMissing: true } }, 'joinRoom.displayName'],
  ['two requests in one frame', { ping: {}, getRoom: { roomId: 'r_x' } }, 'ping'],
];

it.each(mistakes)('answers %s with INVALID_ARGUMENT naming the field, before asking any service', async (_what, body, field) => {
  const c = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'mistaken', grants: { roomCreate: true, roomJoin: true, roomList: true, roomAdmin: true } }));
  try {
    const answer = c.answerTo('m1');
    c.sendRaw(JSON.stringify({ requestId: 'm1', ...body }));
    const a = await answer;
    expect(a.$case).toBe('error');
    const error = a.$case === 'error' ? a.value : undefined;
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toContain(field);
  } finally {
    await c.close();
  }
});

it("logs one client's mistakes a few lines at a time, without stack traces", async () => {
  const lines: string[] = [];
  let sessionId = '';
  const logged = await startAll({
    logWrite: (line) => lines.push(line),
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', GATEWAY_RATE_LIMIT_PER_SECOND: '10000', GATEWAY_RATE_LIMIT_BURST: '100000' },
    ephemeralPorts: true,
    logLevel: 'info',
  });
  try {
    const c = await DemoClient.connect(logged.gatewayUrl, issueAccessToken(secret, { identity: 'noisy', grants: { roomList: true } }));
    sessionId = c.welcome!.sessionId;
    // 500 bad requests, in batches the connection's request queue (64) takes.
    for (let batch = 0; batch < 10; batch++) {
      const answers = Array.from({ length: 50 }, (_, j) => {
        const answer = c.answerTo(`n${batch}-${j}`);
        c.sendRaw(JSON.stringify({ requestId: `n${batch}-${j}`, listRooms: { pageSize: -1 - j } }));
        return answer;
      });
      for (const a of await Promise.all(answers)) expect(a.$case === 'error' && a.value.code).toBe('INVALID_ARGUMENT');
    }
    await c.close();
  } finally {
    await logged.stop();
  }
  // What its requests left in the gateway's log (its session's end, cut short by the stop, is
  // another matter).
  const aboutRequests = lines.filter((l) => l.includes(sessionId) && /"msg":"(client request refused|request failed)"/.test(l));
  expect(aboutRequests.length).toBeGreaterThan(0);
  expect(aboutRequests.length).toBeLessThanOrEqual(10);
  expect(aboutRequests.filter((l) => l.includes('"level":"error"') || l.includes('stack'))).toEqual([]);
  // Each names its connection and its request (the connection's logger and the frame's ids, connection.ts).
  expect(aboutRequests.filter((l) => !/"connectionId":"cn_\w+"/.test(l) || !/"requestId":"rq_\w+"/.test(l) || !/"clientRequestId":"n\d+-\d+"/.test(l))).toEqual([]);
}, 60_000);

it("answers a heartbeat written the SDK's way at once, other spellings through the pipeline, never ahead of an earlier request", async () => {
  const c = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'beating' }));
  try {
    const plain = c.answerTo('p1');
    c.sendRaw('{"requestId":"p1","ping":{}}');
    expect(await plain).toMatchObject({ $case: 'ping', value: { serverTime: expect.any(Date) } });
    const spaced = c.answerTo('p2');
    c.sendRaw('{ "ping": {}, "requestId": "p2" }');
    expect(await spaced).toMatchObject({ $case: 'ping', value: { serverTime: expect.any(Date) } });
    // A ping sent while a join is still being handled is answered after the join.
    const order: string[] = [];
    const joined = c.answerTo('j1').then((a) => (order.push(a.$case), a));
    const ponged = c.answerTo('p3').then((a) => (order.push(a.$case), a));
    c.sendRaw(JSON.stringify({ requestId: 'j1', joinRoom: { roomName: 'heartbeats', displayName: 'Beat', createIfMissing: true } }));
    c.sendRaw('{"requestId":"p3","ping":{}}');
    await Promise.all([joined, ponged]);
    expect(order).toEqual(['joinRoom', 'ping']);
  } finally {
    await c.close();
  }
});

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
    // Counted as the operator sees it.
    const metrics = parseSamples((await scrape(limited.metricsAddresses.gateway!)).body);
    expect(sum(metrics, 'rtcroom_gateway_rate_limited_total')).toBe(limitedCount);
    await new Promise((res) => setTimeout(res, 1200));
    await expect(c.request({ $case: 'ping', value: {} })).resolves.toBeDefined();
    await c.close();
  } finally {
    await limited.stop();
  }
});
