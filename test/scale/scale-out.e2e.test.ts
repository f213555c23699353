// The scale-out path on one machine: a 3-node NATS JetStream cluster (every stream and the presence
// bucket at 3 replicas), two room-service instances, two presence instances, three gateways and the
// url-issuer, each its own process. Clients churn (join, leave) through every gateway while one NATS
// node (the room events' stream leader), one room-service instance (its outbox shards), one presence
// instance and one gateway are killed with SIGKILL, one after another. Then: every member's notices
// are complete and in order, no seat is held by a client that is gone, and the webhook endpoint got
// every room event at least once, in order per room.
import { performance } from 'node:perf_hooks';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { allStreams, createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, NatsCluster, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, ProtocolError } from '@rtcroom/dev';
import { gatewayv1, webhookv1 } from '@rtcroom/proto';
import { WebhookReceiver } from '../../services/room/test/support/webhook-receiver';
import { Cluster } from '../support/service-processes';

const secret = 'scale-out-secret-long-enough-to-pass';
const graceMs = 5000;
const sessionTimeoutMs = 4000; // presence's default
const roomCount = 3;
const churnersPerGateway = 2;

let nats: NatsCluster;
let database: TestDatabase;
let cluster: Cluster;
let receiver: WebhookReceiver;
let nc: NatsConnection;

/** What one client saw of a room: each notice's seq in arrival order, and when it arrived. */
class Seen {
  readonly seqs: number[] = [];
  readonly at: number[] = [];
}

class Member {
  client!: DemoClient;
  gateway: number;
  readonly seen = new Map<string, Seen>();
  /** Notices the client got by syncing after a resume (not live). */
  readonly synced = new Map<string, number[]>();
  private consumed = 0;

  constructor(
    readonly identity: string,
    gateway: number,
  ) {
    this.gateway = gateway;
  }

  async connect(resumeToken?: string): Promise<void> {
    this.client = await DemoClient.connect(cluster.gatewayUrl(this.gateway), issueAccessToken(secret, { identity: this.identity }), resumeToken);
    this.consumed = 0;
    // Arrival times, for the pauses around each kill (the client's own list has no times).
    this.client.socket.on('message', () => this.absorb());
    this.client.socket.on('close', (code) => step(`${this.identity} closed (${code})`));
  }

  absorb(): void {
    const now = performance.now();
    for (const n of this.client.notices.slice(this.consumed)) {
      if (n.seq === 0) continue; // not a room event (none is expected here)
      const seen = this.seen.get(n.roomId) ?? new Seen();
      this.seen.set(n.roomId, seen);
      seen.seqs.push(n.seq);
      seen.at.push(now);
    }
    this.consumed = this.client.notices.length;
  }

  get alive(): boolean {
    return this.client.closeCode === undefined;
  }

  lastSeq(roomId: string): number {
    return Math.max(0, ...(this.seen.get(roomId)?.seqs ?? []), ...(this.synced.get(roomId) ?? []));
  }

  /** Like the SDK when its gateway goes: resumes on the next gateway that is up and syncs the room. */
  async roam(roomId: string, up: (i: number) => boolean): Promise<void> {
    this.absorb();
    const token = this.client.welcome!.resumeToken;
    this.client.drop();
    do this.gateway = (this.gateway + 1) % cluster.gateways.length;
    while (!up(this.gateway));
    await this.connect(token);
    expect(this.client.welcome?.resumed).toBe(true);
    const synced = await within(this.client.request({ $case: 'syncRoom', value: { roomId, afterSeq: this.lastSeq(roomId) } }), 10_000, `${this.identity}'s syncRoom`);
    expect(synced.snapshot).toBe(false);
    this.synced.set(roomId, [...(this.synced.get(roomId) ?? []), ...synced.notices.map((n) => n.seq)]);
  }
}

/** Progress: printed as it happens with TEST_LOG set, and part of the failure's message. */
const began = performance.now();
const progress: string[] = [];
function step(what: string): void {
  const line = `+${Math.round(performance.now() - began)} ms ${what}`;
  progress.push(line);
  if (process.env.TEST_LOG) process.stderr.write(`[scale-out ${line}]\n`);
}

/** A request that fails rather than waits forever when its gateway is gone. */
function within<T>(p: Promise<T>, ms: number, what = 'a request'): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms).unref())]);
}

beforeAll(async () => {
  nats = await NatsCluster.start(3);
  database = await createTestDatabase();
  receiver = new WebhookReceiver();
  await receiver.start();
  cluster = await Cluster.start({
    databaseUrl: database.url,
    natsUrl: nats.url,
    accessTokenSecret: secret,
    rooms: 2,
    presences: 2,
    gateways: 3,
    env: {
      NATS_REPLICAS: '3',
      ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ROOM_WEBHOOK_POLL_INTERVAL_MS: '100',
      ROOM_WEBHOOK_MIN_BACKOFF_MS: '200',
      PRESENCE_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
      PRESENCE_RESUME_GRACE_MS: String(graceMs),
      GATEWAY_KEEPALIVE_INTERVAL_MS: '500',
      GATEWAY_RATE_LIMIT_PER_SECOND: '1000',
      GATEWAY_RATE_LIMIT_BURST: '1000',
    },
  });
  nc = await connect({ servers: nats.url.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
}, 90_000);

afterAll(async () => {
  // Each step on its own, so one that fails leaves no process of this test behind.
  const steps = [() => nc?.close(), () => cluster?.stop(), () => receiver?.stop(), () => database?.drop(), () => nats?.dispose()];
  const failed: unknown[] = [];
  for (const s of steps) await Promise.resolve().then(s).catch((err: unknown) => failed.push(err));
  if (failed.length) throw failed[0];
}, 60_000);

it('keeps every notice, seat and webhook through the loss of a NATS node and one instance of each service', async () => {
  try {
    await scenario();
  } catch (err) {
    if (err instanceof Error) err.message += `\nprogress:\n${progress.join('\n')}`;
    throw err;
  }
}, 150_000);

async function scenario(): Promise<void> {
  const figures: Record<string, number | string> = {};
  const jsm = await nc.jetstreamManager();

  // Every stream and the presence bucket are kept by all three nodes.
  for (const name of [...allStreams.map((s) => s.name), `KV_${cluster.bucket}`]) {
    const info = await eventually(() => jsm.streams.info(name).catch(() => undefined), 10_000, `stream ${name}`);
    expect([name, info.config.num_replicas, info.cluster?.replicas?.length]).toEqual([name, 3, 2]);
  }

  const webhooks = createClient(webhookv1.WebhookServiceService, cluster.rooms[1].address);
  await webhooks.createWebhook({ url: receiver.url, secret: '' });
  webhooks.close();

  // Two members that stay in each room, on different gateways; the rooms have room for the churners.
  const stable = Array.from({ length: roomCount * 2 }, (_, i) => new Member(`stay-${i}`, i % 3));
  for (const m of stable) await m.connect();
  const roomIds: string[] = [];
  const joinSeq = new Map<Member, number>();
  const roomOf = new Map<Member, string>();
  for (let r = 0; r < roomCount; r++) {
    const [a, b] = [stable[2 * r], stable[2 * r + 1]];
    const first = await a.client.request({
      $case: 'joinRoom',
      value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: `scale-${r}-${Date.now().toString(36)}`, createIfMissing: true, createOptions: { maxMembers: 20 } }),
    });
    const roomId = first.room!.id;
    roomIds.push(roomId);
    const second = await b.client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
    joinSeq.set(a, first.seq).set(b, second.seq);
    roomOf.set(a, roomId).set(b, roomId);
  }

  // One member per room on the gateway that will die, which never comes back: its seat must go.
  const gone = 1;
  const doomed = roomIds.map((_, r) => new Member(`doomed-${r}`, gone));
  for (const [r, d] of doomed.entries()) {
    await d.connect();
    await d.client.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId: roomIds[r] }) });
  }

  // Churners: each joins a room, leaves it, and goes on to the next, through its own gateway.
  const churners = Array.from({ length: 3 * churnersPerGateway }, (_, i) => new Member(`churn-${i}`, i % 3));
  for (const c of churners) await c.connect();
  const errors = new Map<string, number>();
  let cycles = 0;
  let churning = true;
  const churn = churners.map(async (c, i) => {
    for (let k = i; churning && c.alive; k++) {
      const roomId = roomIds[k % roomCount];
      for (const $case of ['joinRoom', 'leaveRoom'] as const) {
        if (!c.alive) break; // its gateway is gone: nothing would answer
        try {
          if ($case === 'joinRoom') await within(c.client.request({ $case, value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) }), 15_000);
          else await within(c.client.request({ $case, value: { roomId } }), 15_000);
        } catch (err) {
          const code = err instanceof ProtocolError ? err.code : 'no answer';
          errors.set(`${$case} ${code}`, (errors.get(`${$case} ${code}`) ?? 0) + 1);
        }
      }
      cycles++;
    }
  });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const started = performance.now();
  await pause(3000);

  step('started churn');
  // 1. The NATS node that leads the room events' stream dies; the others elect a new leader.
  const before = await jsm.streams.info('ROOM_EVENTS');
  const leader = before.cluster!.leader!;
  // Asked with a short timeout, so the figure is the election's and not a request's wait.
  const quick = await nc.jetstreamManager({ timeout: 500, checkAPI: false });
  const natsKilledAt = performance.now();
  await nats.kill([0, 1, 2].find((i) => nats.nodeName(i) === leader)!);
  const after = await eventually(
    async () => {
      const info = await quick.streams.info('ROOM_EVENTS').catch(() => undefined);
      return info?.cluster?.leader && info.cluster.leader !== leader ? info : undefined;
    },
    20_000,
    'a new leader of ROOM_EVENTS',
  );
  figures.natsLeaderElectedMs = Math.round(performance.now() - natsKilledAt);
  expect(after.cluster!.leader).not.toBe(leader);
  await pause(2500);

  step('NATS leader elected');
  // 2. A room-service instance (its relay owns half the outbox shards) dies; its
  // callers reach the other, as a Service would send them once the endpoint is gone.
  const roomKilledAt = performance.now();
  await cluster.rooms[0].killAndHandOver(cluster.rooms[1]);
  await pause(2500);

  step('room killed');
  // 3. A presence instance dies.
  const presenceKilledAt = performance.now();
  await cluster.presences[1].killAndHandOver(cluster.presences[0]);
  await pause(2500);

  step('presence killed');
  // 4. A gateway dies: its stable members resume through another gateway (as the SDK does); its
  // churners are gone for good, and their seats must go after the grace period.
  const gatewayKilledAt = performance.now();
  await cluster.gateways[gone].kill();
  for (const m of stable.filter((s) => s.gateway === gone)) await m.roam(roomOf.get(m)!, (i) => i !== gone);
  await pause(3000);
  churning = false;
  await Promise.all(churn);
  figures.churnSeconds = Math.round((performance.now() - started) / 100) / 10;
  figures.churnCycles = cycles;
  figures.churnErrors = [...errors].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none';

  step('churn stopped');
  // The churners still connected say goodbye; those of the dead gateway never do.
  await Promise.all(churners.filter((c) => c.alive).map((c) => c.client.close()));

  // No ghost seat: once the grace period has passed, each room holds exactly its two stable members.
  const settledFrom = performance.now();
  for (const roomId of roomIds) {
    const asker = stable.find((m) => roomOf.get(m) === roomId)!;
    const want = stable.filter((m) => roomOf.get(m) === roomId).map((m) => m.identity).sort();
    await eventually(
      async () => {
        const snap = await within(asker.client.request({ $case: 'getRoom', value: { roomId, name: '' } }), 10_000, `${asker.identity}'s getRoom (socket ${asker.alive ? 'open' : 'closed'})`);
        return JSON.stringify(snap.members.map((m) => m.identity).sort()) === JSON.stringify(want);
      },
      sessionTimeoutMs + graceMs + 20_000,
      `room ${roomId} to hold only ${want.join(', ')}`,
    );
  }
  figures.ghostSeatsGoneMs = Math.round(performance.now() - gatewayKilledAt);

  step('no ghost seats');
  // One more event per room, after everything has settled: a gateway that missed the tail while its
  // NATS connection moved repairs it when the next event arrives.
  for (const roomId of roomIds) {
    const m = stable.find((s) => roomOf.get(s) === roomId)!;
    await within(m.client.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } }), 10_000, `${m.identity}'s reportPusherEvent`);
  }
  const finalSeq = new Map<string, number>();
  for (const roomId of roomIds) {
    const asker = stable.find((m) => roomOf.get(m) === roomId)!;
    const snap = await eventually(
      async () => {
        const s = await within(asker.client.request({ $case: 'getRoom', value: { roomId, name: '' } }), 10_000, `${asker.identity}'s getRoom (socket ${asker.alive ? 'open' : 'closed'})`);
        return stable.filter((m) => roomOf.get(m) === roomId).every((m) => m.lastSeq(roomId) === s.seq) && s;
      },
      20_000,
      `the members of ${roomId} to reach its last seq`,
    );
    finalSeq.set(roomId, snap.seq);
  }

  step('converged');
  // Every stable member got every notice after its join, in order, exactly once (a member that
  // resumed: live, then synced, then live again, each part in order and together complete).
  for (const m of stable) {
    const roomId = roomOf.get(m)!;
    const live = m.seen.get(roomId)?.seqs ?? [];
    for (let i = 1; i < live.length; i++) expect([m.identity, live[i] > live[i - 1]]).toEqual([m.identity, true]);
    const all = [...new Set([...live, ...(m.synced.get(roomId) ?? [])])].sort((a, b) => a - b);
    const from = joinSeq.get(m)! + 1;
    expect([m.identity, all.filter((s) => s >= from)]).toEqual([m.identity, Array.from({ length: finalSeq.get(roomId)! - from + 1 }, (_, i) => from + i)]);
  }
  // Every churner saw each room's notices in order (it sees a room only while seated in it).
  for (const c of churners) {
    for (const [roomId, seen] of c.seen) {
      for (let i = 1; i < seen.seqs.length; i++) expect([c.identity, roomId, seen.seqs[i] > seen.seqs[i - 1]]).toEqual([c.identity, roomId, true]);
    }
  }

  step('notices checked');
  // The order webhooks walk the outbox in (room_events.tx, position) is each room's seq order: checked
  // first, so a webhook order failure below is the dispatcher's and not the events' stamping.
  const outbox = new Client({ connectionString: database.url });
  await outbox.connect();
  try {
    for (const roomId of roomIds) {
      const { rows } = await outbox.query<{ seq: string }>('select seq from room_events where room_id = $1 and seq is not null order by tx, position', [roomId]);
      const walked = rows.map((r) => Number(r.seq));
      expect([roomId, 'outbox order', walked]).toEqual([roomId, 'outbox order', [...walked].sort((a, b) => a - b)]);
    }
  } finally {
    await outbox.end();
  }
  // Webhooks: every event of every room, at least once, first arrivals in seq order.
  await eventually(
    () => roomIds.every((r) => new Set(receiver.seqsOf(r)).size >= finalSeq.get(r)!),
    30_000,
    () => `every room event at the webhook (${roomIds.map((r) => `${new Set(receiver.seqsOf(r)).size} of ${finalSeq.get(r)}`).join(', ')})`,
  );
  let duplicates = 0;
  for (const roomId of roomIds) {
    const arrivals = receiver.seqsOf(roomId);
    const firsts = [...new Set(arrivals)];
    duplicates += arrivals.length - firsts.length;
    expect([roomId, firsts]).toEqual([roomId, Array.from({ length: finalSeq.get(roomId)! }, (_, i) => i + 1)]);
  }
  figures.webhookEvents = receiver.received.length - duplicates;
  figures.webhookDuplicates = duplicates;
  figures.settleAfterChurnMs = Math.round(performance.now() - settledFrom);

  // The longest a stable member on a live gateway waited between two notices, around each kill.
  const pauseAround = (t: number) => {
    let longest = 0;
    for (const m of stable) {
      const at = m.seen.get(roomOf.get(m)!)?.at ?? [];
      for (let i = 1; i < at.length; i++) if (at[i] >= t && at[i - 1] <= t + 2000) longest = Math.max(longest, at[i] - at[i - 1]);
    }
    return Math.round(longest);
  };
  figures.longestNoticePauseNatsKillMs = pauseAround(natsKilledAt);
  figures.longestNoticePauseRoomKillMs = pauseAround(roomKilledAt);
  figures.longestNoticePausePresenceKillMs = pauseAround(presenceKilledAt);
  figures.events = [...finalSeq.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`scale-out figures: ${JSON.stringify(figures)}\n`);
  await Promise.all(stable.map((m) => m.client.close()));
}
