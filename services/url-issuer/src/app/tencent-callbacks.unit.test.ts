import { testLogger } from '@rtcroom/common/testing';
import type { MemberDirectory, MembershipWithRoom } from '../domain/member-directory';
import type { MediaFact } from '../domain/media-fact';
import { tencentCallbackSign } from '../domain/tencent-callback';
import { FactMemory, SignLedger, TencentCallbacks } from './tencent-callbacks';

const key = 'callback-key-123';
const now = new Date(1_700_000_000_000);
const t = 1_700_000_600;
const alice: MembershipWithRoom = {
  member: { memberId: 'm_alice', identity: 'alice', roomId: 'r_1', streamId: '8888_alice', state: 'joined' },
  room: { roomId: 'r_1', open: true, recording: true },
};

function inMemorySigns(): SignLedger {
  const streams = new Map<string, string>();
  return {
    claim: async (pair, streamId) => {
      if (!streams.has(pair)) streams.set(pair, streamId);
      return streams.get(pair) === streamId;
    },
  };
}

function setup(lookupFails = false) {
  const published: MediaFact[] = [];
  const kept: { dedupKey: string }[] = [];
  const remembered = new Set<string>();
  const directory: MemberDirectory = {
    byStream: async (streamId) => {
      if (lookupFails) throw new Error('room service unavailable');
      return streamId === alice.member.streamId ? alice : null;
    },
    seated: async () => null,
  };
  const facts: FactMemory = { seen: async (k) => remembered.has(k), remember: async (k) => void remembered.add(k) };
  const signs = inMemorySigns();
  const recordings = {
    keep: async (dedupKey: string) => {
      kept.push({ dedupKey });
      return { recording: {} as never, fresh: true };
    },
  };
  const settings = { callbackKey: key, maxExpirySeconds: 900 };
  const callbacks = new TencentCallbacks(settings, directory, { publish: async (f) => void published.push(f) }, recordings, facts, signs, testLogger('test'), () => now);
  return { callbacks, published, kept };
}

const callback = (fields: Record<string, unknown>) => ({ t, sign: tencentCallbackSign(key, t), ...fields });
const began = callback({ event_type: 1, stream_id: '8888_alice', sequence: '7', event_time: 1_700_000_000 });
const ended = callback({ event_type: 0, stream_id: '8888_alice', sequence: '7', event_time: 1_700_000_060 });

describe('Tencent callbacks', () => {
  it('turns stream began and ended into facts about the member, answering {"code":0}', async () => {
    const { callbacks, published } = setup();
    expect(await callbacks.handle(began)).toEqual({ status: 200, body: { code: 0 } });
    expect(await callbacks.handle(ended)).toEqual({ status: 200, body: { code: 0 } });
    expect(published.map((f) => [f.type, f.owner.identity, f.server])).toEqual([
      ['stream_began', 'alice', 'tencent'],
      ['stream_ended', 'alice', 'tencent'],
    ]);
  });

  it('changes nothing on a repeated callback, and acknowledges it so Tencent stops retrying', async () => {
    const { callbacks, published } = setup();
    await callbacks.handle(began);
    expect(await callbacks.handle(began)).toEqual({ status: 200, body: { code: 0 } });
    await callbacks.handle(ended);
    await callbacks.handle(ended);
    expect(published.map((f) => f.type)).toEqual(['stream_began', 'stream_ended']);
  });

  it('gives a repeated fact the same id, so the bus drops it too', async () => {
    const first = setup();
    const second = setup();
    await first.callbacks.handle(began);
    await second.callbacks.handle(began);
    expect(first.published[0].id).toBe(second.published[0].id);
    expect(first.published[0].id).toMatch(/^me_[a-z2-7]{20}$/);
  });

  it('ignores a began that arrives after its push ended (a late retry)', async () => {
    const { callbacks, published } = setup();
    await callbacks.handle(ended);
    expect(await callbacks.handle(began)).toEqual({ status: 200, body: { code: 0 } });
    expect(published.map((f) => f.type)).toEqual(['stream_ended']);
  });

  it('refuses forged and stale callbacks without acting on them', async () => {
    const { callbacks, published } = setup();
    expect(await callbacks.handle({ ...began, sign: tencentCallbackSign('guessed-key', t) })).toEqual({ status: 403, body: { code: 1, message: 'BAD_SIGN' } });
    const old = Math.floor(now.getTime() / 1000) - 10;
    expect(await callbacks.handle({ ...began, t: old, sign: tencentCallbackSign(key, old) })).toEqual({ status: 403, body: { code: 1, message: 'STALE' } });
    expect(await callbacks.handle('not an object')).toMatchObject({ status: 400 });
    expect(published).toEqual([]);
  });

  it('refuses a (t, sign) pair already used for another stream, and acts on nothing it says', async () => {
    const { callbacks, published } = setup();
    expect(await callbacks.handle(began)).toEqual({ status: 200, body: { code: 0 } });
    const replayed = { ...began, stream_id: '8888_bob', sequence: '8' };
    expect(await callbacks.handle(replayed)).toEqual({ status: 403, body: { code: 1, message: 'SIGN_REUSED' } });
    // The same stream's other events within the same second share the pair: still taken.
    expect(await callbacks.handle(ended)).toEqual({ status: 200, body: { code: 0 } });
    expect(published.map((f) => [f.type, f.owner.identity])).toEqual([
      ['stream_began', 'alice'],
      ['stream_ended', 'alice'],
    ]);
  });

  it('keeps each recording file once (by file_id)', async () => {
    const { callbacks, kept, published } = setup();
    const ready = callback({ event_type: 100, stream_id: '8888_alice', file_id: 'f1', video_url: 'http://v/f1.mp4', file_format: 'mp4', file_size: 100 });
    expect(await callbacks.handle(ready)).toEqual({ status: 200, body: { code: 0 } });
    expect(kept).toEqual([{ dedupKey: 'tencent:f1' }]);
    // The keeper announces it; the stream facts are not touched.
    expect(published).toEqual([]);
  });

  it("acknowledges a stream that is not rtcroom's, and asks for a retry when the room service is down", async () => {
    const { callbacks, published } = setup();
    expect(await callbacks.handle(callback({ event_type: 1, stream_id: '8888_other', sequence: '1' }))).toEqual({ status: 200, body: { code: 0 } });
    expect(published).toEqual([]);
    const down = setup(true);
    expect(await down.callbacks.handle(began)).toEqual({ status: 503, body: { code: 1, message: 'try again' } });
    // Not remembered: the retry is acted on once the room service answers.
    expect(down.published).toEqual([]);
  });

  it('refuses everything when no callback key is configured', async () => {
    const published: MediaFact[] = [];
    const callbacks = new TencentCallbacks(
      { callbackKey: undefined, maxExpirySeconds: 900 },
      { byStream: async () => alice, seated: async () => null },
      { publish: async (f) => void published.push(f) },
      { keep: async () => ({ recording: {} as never, fresh: true }) },
      { seen: async () => false, remember: async () => undefined },
      inMemorySigns(),
      testLogger('test'),
      () => now,
    );
    expect((await callbacks.handle(began)).status).toBe(503);
    expect(published).toEqual([]);
  });
});
