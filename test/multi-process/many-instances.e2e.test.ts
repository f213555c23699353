// Three gateways and two presence instances, each its own process, against one NATS and one
// Postgres: a room of six spread over the gateways stays consistent while one gateway is restarted
// (its clients are told to go away and resume elsewhere) and one presence instance is killed and
// started again. Every member sees the same events in the same order, with no gap. And a gateway hears
// the calls of only the identities connected to it.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { callv1, gatewayv1 } from '@rtcroom/proto';
import { parseSamples, scrape, sum } from '../metrics/scrape';
import { Cluster } from '../support/service-processes';

const secret = 'many-instances-secret-long-enough';
let database: TestDatabase;
let cluster: Cluster;

/** A member that, like the SDK, resumes through another gateway when its connection goes away. */
class Roamer {
  client!: DemoClient;
  seen = new Map<number, string>();
  lastSeq = 0;
  roomId = '';
  gateway: number;
  private consumed = 0;

  constructor(
    readonly identity: string,
    gateway: number,
  ) {
    this.gateway = gateway;
  }

  async connect(resumeToken?: string) {
    this.client = await DemoClient.connect(cluster.gatewayUrl(this.gateway), issueAccessToken(secret, { identity: this.identity }), resumeToken);
    this.consumed = 0;
  }

  /** Moves what arrived live into `seen`. */
  absorb() {
    for (const n of this.client.notices.slice(this.consumed)) this.record(n);
    this.consumed = this.client.notices.length;
  }

  record(n: gatewayv1.RoomNotice) {
    if (n.roomId !== this.roomId) return;
    this.seen.set(n.seq, n.notice?.$case ?? '');
    this.lastSeq = Math.max(this.lastSeq, n.seq);
  }

  /** Resumes on the next gateway that is up, and catches up on what it missed. */
  async roam(up: (i: number) => boolean) {
    this.absorb();
    const token = this.client.welcome!.resumeToken;
    this.client.drop();
    do this.gateway = (this.gateway + 1) % cluster.gateways.length;
    while (!up(this.gateway));
    await this.connect(token);
    expect(this.client.welcome?.resumed).toBe(true);
    const synced = await this.client.request({ $case: 'syncRoom', value: { roomId: this.roomId, afterSeq: this.lastSeq } });
    expect(synced.snapshot).toBe(false);
    for (const n of synced.notices) this.record(n);
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await Cluster.start({
    databaseUrl: database.url,
    natsUrl: testNatsUrl,
    accessTokenSecret: secret,
    gateways: 3,
    presences: 2,
    env: { PRESENCE_SESSION_TIMEOUT_MS: '5000', PRESENCE_RESUME_GRACE_MS: '15000', GATEWAY_KEEPALIVE_INTERVAL_MS: '500' },
  });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
});

it('keeps a room of six consistent across gateways while a gateway and a presence instance restart', async () => {
  const members = Array.from({ length: 6 }, (_, i) => new Roamer(`six-${i}`, i % 3));
  for (const m of members) await m.connect();
  const first = await members[0].client.request({
    $case: 'joinRoom',
    value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: `six-${Date.now().toString(36)}`, createIfMissing: true }),
  });
  const roomId = first.room!.id;
  const joinSeq = new Map<string, number>();
  for (const m of members) {
    m.roomId = roomId;
    const j = m === members[0] ? first : await m.client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
    m.lastSeq = j.seq;
    joinSeq.set(m.identity, j.seq);
  }
  const pushBegan = (m: Roamer) => m.client.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
  await pushBegan(members[0]);

  // Gateway 1 goes away: its clients (members 1 and 4) resume on other gateways.
  const leaving = members.filter((m) => m.gateway === 1);
  await cluster.gateways[1].stop();
  for (const m of leaving) await m.roam((i) => i !== 1);
  await pushBegan(members[1]);

  // A presence instance dies and comes back; the shared state carries on.
  await cluster.presences[1].kill();
  await pushBegan(members[2]);
  await cluster.presences[1].start();
  await cluster.gateways[1].start();
  await pushBegan(members[3]);

  // Everyone converges on the same last seq, and saw the same events in the same order.
  const last = await eventually(async () => {
    const snap = await members[5].client.request({ $case: 'getRoom', value: { roomId, name: '' } });
    for (const m of members) m.absorb();
    return members.every((m) => m.lastSeq === snap.seq) && snap;
  }, 20_000, 'every member to reach the room\'s last seq');
  expect(last.members.map((m) => m.identity).sort()).toEqual(members.map((m) => m.identity).sort());
  for (const m of members) {
    const from = joinSeq.get(m.identity)! + 1;
    const seqs = [...m.seen.keys()].filter((s) => s >= from).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: last.seq - from + 1 }, (_, i) => from + i));
    for (const other of members) {
      for (const s of seqs) if (other.seen.has(s)) expect(other.seen.get(s)).toBe(m.seen.get(s));
    }
    expect([...m.seen.values()]).not.toContain('memberLeft');
  }
  await Promise.all(members.map((m) => m.client.close()));
}, 90_000);

it('hears a call on the gateways of its two sides only', async () => {
  const connect = (identity: string, gateway: number) => DemoClient.connect(cluster.gatewayUrl(gateway), issueAccessToken(secret, { identity }));
  const gauges = async (gateway: number) => {
    const samples = parseSamples((await scrape(cluster.gateways[gateway].listening.GATEWAY_METRICS_ADDRESS!)).body);
    return { callEvents: sum(samples, 'rtcroom_gateway_bus_events_total', { kind: 'call' }) ?? 0, identities: sum(samples, 'rtcroom_gateway_user_subscriptions') };
  };
  // Gateway 0 serves a bystander; the caller is on gateway 1, the callee on gateway 2.
  const bystander = await connect('bystander', 0);
  const caller = await connect('caller', 1);
  const callee = await connect('callee', 2);
  try {
    expect((await Promise.all([0, 1, 2].map(gauges))).map((g) => g.identities)).toEqual([1, 1, 1]);
    const before = await Promise.all([0, 1, 2].map(gauges));
    for (let i = 0; i < 3; i++) {
      const placed = await caller.request({ $case: 'placeCall', value: gatewayv1.PlaceCallRequest.fromPartial({ calleeIdentity: 'callee' }) });
      await caller.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
      const ring = await callee.waitForCallNotice((n) => n.call?.id === placed.call!.id && n.call.state === callv1.CallState.CALL_STATE_RINGING);
      await callee.request({ $case: 'answerCall', value: { callId: ring.call!.id, accept: false } });
      await caller.waitForCallNotice((n) => n.call?.id === placed.call!.id && n.call.state === callv1.CallState.CALL_STATE_ENDED);
    }
    const after = await eventually(async () => {
      const now = await Promise.all([0, 1, 2].map(gauges));
      return now[1].callEvents - before[1].callEvents >= 3 && now[2].callEvents - before[2].callEvents >= 3 && now;
    }, 10_000, 'both sides\' gateways to count the calls');
    // The bystander's gateway received none of the calls' events: it never listened to either side.
    expect(after[0].callEvents - before[0].callEvents).toBe(0);
    expect(bystander.callNotices).toHaveLength(0);
  } finally {
    await Promise.all([bystander.close(), caller.close(), callee.close()]);
  }
  // Each identity's subscription goes with its last connection.
  await eventually(async () => (await Promise.all([0, 1, 2].map(gauges))).every((g) => g.identities === 0), 10_000, 'the subscriptions to go');
}, 60_000);
