// The session bucket on the real NATS: what the store writes is what nats.js's key-value API reads
// (puts and delete markers), each write without the error nats.js makes after a request, and closed
// sessions' delete markers do not pile up; a write that fails leaves the instance's copy as the bucket has it.
import { deleteTestBucket, eventually, HeldAddress, testNatsUrl, uniqueTestName } from '@rtcroom/common/testing';
import { connect, NatsConnection, NatsError } from 'nats';
import { Session } from '../src/domain/session';
import { NatsKvSessionStore } from '../src/store/nats-kv-session-store';

describe('sessions in a NATS key-value bucket', () => {
  const bucket = uniqueTestName('presence_kv');
  let nc: NatsConnection;
  const stores: NatsKvSessionStore[] = [];
  const open = async () => {
    const store = await NatsKvSessionStore.open(nc, bucket, { tombstoneMs: 1000 });
    stores.push(store);
    return store;
  };
  const session = (sessionId: string): Session => ({ sessionId, identity: 'kim', gatewayId: 'gw', state: 'connected', openedAt: new Date(), interruptedAt: null, connectedAt: new Date() });
  /** Messages the bucket's stream holds for a key (0 or 1: the bucket keeps one revision). */
  const held = async (key: string) => {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `$KV.${bucket}.${key}` });
    return info.state.subjects?.[`$KV.${bucket}.${key}`] ?? 0;
  };

  beforeAll(async () => {
    nc = await connect({ servers: testNatsUrl });
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    await nc.close();
    await deleteTestBucket(bucket);
  });

  it("writes what nats.js's key-value API reads as its own puts and deletes, and makes no error doing so", async () => {
    const store = await open();
    const errors = jest.spyOn(NatsError, 'errorForCode');
    try {
      await store.put(session('s9'));
      await store.touchGateway('gw-9', new Date('2026-01-02T03:04:05Z'));
      await store.delete('s9');
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    const kv = await nc.jetstream().views.kv(bucket);
    const gateway = await kv.get('gateway.gw-9');
    expect([gateway?.operation, gateway?.string()]).toEqual(['PUT', '2026-01-02T03:04:05.000Z']);
    expect((await kv.get('session.s9'))?.operation).toBe('DEL');
    await store.put(session('s9'));
    expect(JSON.parse((await kv.get('session.s9'))!.string())).toMatchObject({ sessionId: 's9', identity: 'kim' });
    // Every instance's copy (here a second one, from the bucket) sees the same.
    const other = await open();
    expect((await other.get('s9'))?.identity).toBe('kim');
    expect((await other.gatewaysLastSeen()).get('gw-9')?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    await expect(store.touchGateway('bad key', new Date())).rejects.toThrow(/invalid key/);
  });

  it('replaces a session only over the copy it was judged on: a write from elsewhere meanwhile wins', async () => {
    const store = await open();
    await store.put(session('s-cas'));
    const basis = (await store.get('s-cas'))!;
    const interrupted: Session = { ...basis, state: 'interrupted', interruptedAt: new Date() };
    expect(await store.replace(interrupted, basis)).toBe(true);
    // Another instance resumes it on gw-2 (straight to the bucket); this copy may not show it yet,
    // so either it or the bucket's expected revision refuses the stale change.
    const fresh = (await store.get('s-cas'))!;
    const kv = await nc.jetstream().views.kv(bucket);
    await kv.put('session.s-cas', JSON.stringify({ ...fresh, gatewayId: 'gw-2', state: 'connected', interruptedAt: null }));
    expect(await store.replace({ ...fresh, gatewayId: 'gw-1', interruptedAt: new Date() }, fresh)).toBe(false);
    expect(JSON.parse((await kv.get('session.s-cas'))!.string())).toMatchObject({ gatewayId: 'gw-2', state: 'connected' });
    await eventually(async () => (await store.get('s-cas'))?.gatewayId === 'gw-2', 5000, 'the copy to show the resume');
  });

  it('takes a write that failed back out of its own copy, so it reads what the bucket holds', async () => {
    const front = await HeldAddress.open();
    front.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
    const cut = await connect({ servers: front.address, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    try {
      const store = await NatsKvSessionStore.open(cut, bucket, { tombstoneMs: 1000 });
      await store.put(session('s-kept'));
      await store.put(session('s-gone'));
      const moved = { ...session('s-kept'), state: 'interrupted' as const, interruptedAt: new Date() };
      front.forwardTo(undefined);
      front.cut();
      // Written while the connection is down: nats.js drops them at its next dial, so they fail.
      const writes = [store.put(moved), store.delete('s-gone'), store.put(session('s-new'))].map((w) => w.then(() => 'stored', () => 'failed'));
      expect((await store.get('s-kept'))?.state).toBe('interrupted'); // read its own write meanwhile
      front.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
      expect(await Promise.all(writes)).toEqual(['failed', 'failed', 'failed']);
      expect((await store.get('s-kept'))?.state).toBe('connected');
      expect((await store.get('s-gone'))?.sessionId).toBe('s-gone');
      expect(await store.get('s-new')).toBeUndefined();
      await store.close();
    } finally {
      await cut.close();
      await front.close();
    }
  });

  it("purges a closed session's marker after the tombstone period, and keeps a session put again meanwhile", async () => {
    const store = await open();
    await store.put(session('s1'));
    await store.put(session('s2'));
    await store.delete('s1');
    await store.delete('s2');
    await store.put(session('s2')); // back before the purge: the purge must not take it
    expect(await held('session.s1')).toBe(1); // the marker, for every watch to see
    await eventually(async () => ((await held('session.s1')) === 0 ? true : undefined), 5000, "s1's marker purged");
    await eventually(() => (store.tombstonesPending === 0 ? true : undefined), 5000, 'every marker dealt with');
    expect(await held('session.s2')).toBe(1);
    const again = await open();
    expect((await again.get('s2'))?.identity).toBe('kim');
    expect(await again.get('s1')).toBeUndefined();
  });

  it('purges, on start, the old markers an instance left behind when it stopped before purging them', async () => {
    const first = await open();
    await first.put(session('s3'));
    await first.delete('s3');
    await first.close(); // before its tombstone period
    expect(await held('session.s3')).toBe(1);
    await open();
    await eventually(async () => ((await held('session.s3')) === 0 ? true : undefined), 5000, "s3's marker purged by the next instance");
  });
});
