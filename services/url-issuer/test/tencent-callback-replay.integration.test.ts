// Tencent's callback sign covers only t, so a captured (t, sign) pair could sign any body until t
// passes. Two url-issuer instances on one real Postgres: a pair taken for one stream is refused for
// another at either instance, an identical repeat is still acknowledged, a t beyond the window is
// refused, and pairs are forgotten once their t has passed.
import { createLogger, InMemoryEventBus, openDatabase } from '@rtcroom/common';
import { createTestDatabase, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { mediaEventv1 } from '@rtcroom/proto';
import { loadUrlIssuerConfig, startUrlIssuer, tencentCallbackPath, tencentCallbackSign } from '../src';
import type { MemberDirectory, MembershipWithRoom } from '../src/domain/member-directory';
import { claimCallbackSign, forgetExpiredCallbackSigns } from '../src/store/callback-sign.repository';
import type { UrlIssuerDatabase } from '../src/store/database';

const callbackKey = 'replay-callback-key';
const seat = (identity: string): MembershipWithRoom => ({
  member: { memberId: `m_${identity}`, identity, roomId: 'r_replay', streamId: `8888_${identity}`, state: 'joined' },
  room: { roomId: 'r_replay', open: true, recording: false },
});
const members: MemberDirectory = {
  byStream: async (streamId) => [seat('alice'), seat('bob')].find((m) => m.member.streamId === streamId) ?? null,
  seated: async () => null,
};

describe('Tencent callback (t, sign) pairs', () => {
  let database: TestDatabase;
  let bus: InMemoryEventBus;
  let events: mediaEventv1.MediaEvent[];
  let instances: Awaited<ReturnType<typeof startUrlIssuer>>[];

  beforeAll(async () => {
    database = await createTestDatabase();
    bus = new InMemoryEventBus();
    events = [];
    bus.subscribe('rtcroom.media.>', (m) => events.push(mediaEventv1.MediaEvent.decode(m.data)));
    const config = loadUrlIssuerConfig({
      RTCROOM_DEV: 'true',
      URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
      URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
      DATABASE_URL: database.url,
      STREAM_ID_KEY: 'replay-stream-id-key-0123456789',
      MEDIA_SIGNING_KEY: 'replay-signing-key-0123456789',
      TENCENT_CALLBACK_KEY: callbackKey,
      TENCENT_CALLBACK_EXPIRY_WINDOW_SECONDS: '900',
    });
    // One after the other: both run the same migrations on the shared database.
    instances = [await startUrlIssuer(config, testLogger('url-issuer-1'), { bus, members })];
    instances.push(await startUrlIssuer(config, testLogger('url-issuer-2'), { bus, members }));
  });
  afterAll(async () => {
    for (const i of instances ?? []) await i.stop();
    await bus?.close();
    await database?.drop();
  });

  const send = async (instance: number, fields: Record<string, unknown>) => {
    const res = await fetch(`http://${instances[instance].httpAddress}${tencentCallbackPath}`, { method: 'POST', body: JSON.stringify(fields) });
    return { status: res.status, body: (await res.json()) as { code: number; message?: string } };
  };
  const nowS = () => Math.floor(Date.now() / 1000);

  it('refuses a captured pair replayed with another stream id, at any instance; a repeat stays acknowledged', async () => {
    const t = nowS() + 600;
    const pair = { t, sign: tencentCallbackSign(callbackKey, t) };
    const began = { ...pair, event_type: 1, stream_id: '8888_alice', sequence: 'a1', event_time: nowS() };
    expect(await send(0, began)).toEqual({ status: 200, body: { code: 0 } });
    expect(await send(1, began)).toEqual({ status: 200, body: { code: 0 } });
    for (const instance of [0, 1]) {
      expect(await send(instance, { ...began, stream_id: '8888_bob', sequence: 'b1' })).toEqual({ status: 403, body: { code: 1, message: 'SIGN_REUSED' } });
      expect(await send(instance, { ...pair, event_type: 0, channel_id: '8888_bob', sequence: 'b1' })).toEqual({ status: 403, body: { code: 1, message: 'SIGN_REUSED' } });
    }
    // Alice's stream ending in the same second shares the pair, and is taken.
    expect(await send(1, { ...pair, event_type: 0, stream_id: '8888_alice', sequence: 'a1' })).toEqual({ status: 200, body: { code: 0 } });
    expect(events.map((e) => [e.identity, e.payload?.$case])).toEqual([
      ['alice', 'streamBegan'],
      ['alice', 'streamEnded'],
    ]);
  });

  it('refuses a t further ahead than TENCENT_CALLBACK_EXPIRY_WINDOW_SECONDS, and a t that passed', async () => {
    const far = nowS() + 3600;
    expect(await send(0, { t: far, sign: tencentCallbackSign(callbackKey, far), event_type: 1, stream_id: '8888_bob' })).toEqual({
      status: 403,
      body: { code: 1, message: 'EXPIRY_TOO_FAR' },
    });
    const past = nowS() - 1;
    expect((await send(0, { t: past, sign: tencentCallbackSign(callbackKey, past), event_type: 1, stream_id: '8888_bob' })).body.message).toBe('STALE');
  });

  it('forgets pairs once their t has passed', async () => {
    const store = await openDatabase<UrlIssuerDatabase>({ url: database.url, poolSize: 1 }, createLogger({}, 'silent'));
    try {
      const passed = new Date(Date.now() - 1000);
      expect(await claimCallbackSign(store.db, 'old:pair', '8888_alice', passed)).toBe(true);
      expect(await claimCallbackSign(store.db, 'old:pair', '8888_bob', passed)).toBe(false);
      expect(await forgetExpiredCallbackSigns(store.db, new Date())).toBeGreaterThanOrEqual(1);
      const left = await store.db.selectFrom('tencent_callback_signs').select('sign_pair').execute();
      expect(left.map((r) => r.sign_pair)).not.toContain('old:pair');
      expect(left.length).toBeGreaterThanOrEqual(1); // the first test's pair, whose t is still ahead
    } finally {
      await store.close();
    }
  });
});
