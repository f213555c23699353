import { createHmac } from 'node:crypto';
import { applyTrtcEvent, audienceMayStay, checkTrtcCallback, isPublishing, readTrtcEvent, TrtcEvent, unseenUser } from './trtc-callback';

const check = { callbackKey: 'trtc-callback-key', sdkAppId: 1400123456, maxAgeMs: 300_000, maxSkewMs: 60_000 };
const now = new Date('2026-12-06T00:00:00Z');
const body = (fields: Record<string, unknown> = {}) => JSON.stringify({ EventGroupId: 1, EventType: 103, CallbackTs: now.getTime() - 1000, EventInfo: { RoomId: 'r_1', EventTs: 1, EventMsTs: 1000, UserId: 't_user', Role: 20, UserType: 2, Reason: 1 }, ...fields });
// Computed here from the documented rule, not with the code under test.
const sign = (raw: string, key = check.callbackKey) => createHmac('sha256', key).update(raw).digest('base64');

describe('checkTrtcCallback', () => {
  it('takes a body signed with the key, for this application, sent lately', () => {
    const raw = body();
    expect(checkTrtcCallback(check, '1400123456', sign(raw), raw, now)).toBe('OK');
  });

  it('refuses a forged, altered, foreign, stale or future callback', () => {
    const raw = body();
    expect(checkTrtcCallback(check, '1400123456', sign(raw, 'another-key'), raw, now)).toBe('BAD_SIGN');
    expect(checkTrtcCallback(check, '1400123456', sign(raw), raw.replace('t_user', 't_other'), now)).toBe('BAD_SIGN');
    expect(checkTrtcCallback(check, '1400999999', sign(raw), raw, now)).toBe('WRONG_APP');
    const old = body({ CallbackTs: now.getTime() - 301_000 });
    expect(checkTrtcCallback(check, '1400123456', sign(old), old, now)).toBe('STALE');
    const ahead = body({ CallbackTs: now.getTime() + 61_000 });
    expect(checkTrtcCallback(check, '1400123456', sign(ahead), ahead, now)).toBe('FROM_THE_FUTURE');
    expect(checkTrtcCallback(check, undefined, sign(raw), raw, now)).toBe('MALFORMED');
    expect(checkTrtcCallback(check, '1400123456', 'not base64', raw, now)).toBe('MALFORMED');
    const noTs = body({ CallbackTs: 'soon' });
    expect(checkTrtcCallback(check, '1400123456', sign(noTs), noTs, now)).toBe('MALFORMED');
  });
});

describe('readTrtcEvent', () => {
  it('reads 103/104 and 201-204, ignores the rest and rooms rtcroom never names', () => {
    expect(readTrtcEvent(JSON.parse(body()))).toEqual({ kind: 'event', event: { kind: 'entered', roomId: 'r_1', userId: 't_user', atMs: 1000, reason: 1, role: 'anchor' } });
    expect(readTrtcEvent(JSON.parse(body({ EventInfo: { RoomId: 'r_1', EventMsTs: 1000, UserId: 't_user', Role: 21 } })))).toMatchObject({ event: { role: 'audience' } });
    expect(readTrtcEvent(JSON.parse(body({ EventType: 204 })))).toMatchObject({ kind: 'event', event: { kind: 'audio_off' } });
    expect(readTrtcEvent(JSON.parse(body({ EventType: 101 })))).toMatchObject({ kind: 'ignored', eventType: 101 });
    expect(readTrtcEvent(JSON.parse(body({ EventInfo: { RoomId: 'not ours', UserId: 't_user' } })))).toMatchObject({ kind: 'ignored' });
    expect(readTrtcEvent(JSON.parse(body({ EventInfo: { RoomId: 'r_1' } })))).toMatchObject({ kind: 'malformed' });
    expect(readTrtcEvent([])).toMatchObject({ kind: 'malformed' });
  });
});

describe('applyTrtcEvent', () => {
  const ev = (kind: TrtcEvent['kind'], atMs: number): TrtcEvent => ({ kind, roomId: 'r_1', userId: 't_user', atMs, reason: 1, role: null });
  const run = (...events: TrtcEvent[]) => events.reduce(applyTrtcEvent, unseenUser);

  it('publishes while the camera or the microphone is on, and not after leaving', () => {
    expect(isPublishing(run(ev('entered', 1)))).toBe(false);
    expect(isPublishing(run(ev('entered', 1), ev('audio_on', 2)))).toBe(true);
    expect(isPublishing(run(ev('entered', 1), ev('audio_on', 2), ev('video_on', 3), ev('audio_off', 4)))).toBe(true);
    expect(isPublishing(run(ev('entered', 1), ev('audio_on', 2), ev('video_on', 3), ev('audio_off', 4), ev('video_off', 5)))).toBe(false);
    expect(isPublishing(run(ev('entered', 1), ev('video_on', 2), ev('left', 3)))).toBe(false);
  });

  it('lets no late callback undo a newer one', () => {
    const left = run(ev('entered', 1), ev('video_on', 2), ev('left', 5));
    expect(applyTrtcEvent(left, ev('video_on', 3))).toBe(left);
    expect(applyTrtcEvent(left, ev('entered', 4))).toBe(left);
    // A camera that starts before its 103 arrived means the user is in.
    expect(run(ev('video_on', 7), ev('entered', 6))).toMatchObject({ entered: true, video: true });
  });
});

describe('audienceMayStay', () => {
  const entered = (role: TrtcEvent['role']): TrtcEvent => ({ kind: 'entered', roomId: 'r_1', userId: 't_user', atMs: 1, reason: 1, role });
  const inRoom = applyTrtcEvent(unseenUser, entered('audience'));

  it('admits an audience member rtcroom let in, entering as audience (or unsaid), sending nothing', () => {
    expect(audienceMayStay(true, entered('audience'), inRoom)).toBe(true);
    expect(audienceMayStay(true, entered(null), inRoom)).toBe(true);
  });

  it('refuses one rtcroom did not admit, one entering as an anchor, and one whose camera or microphone is on', () => {
    expect(audienceMayStay(false, entered('audience'), inRoom)).toBe(false);
    expect(audienceMayStay(true, entered('anchor'), inRoom)).toBe(false);
    expect(audienceMayStay(true, { ...entered(null), kind: 'video_on' }, { ...inRoom, video: true })).toBe(false);
    expect(audienceMayStay(true, { ...entered(null), kind: 'audio_on' }, { ...inRoom, audio: true })).toBe(false);
  });

  it("is not put out for what its session as a seat left behind: a track told off late, a start older than the latest state", () => {
    expect(audienceMayStay(true, { ...entered(null), kind: 'video_off' }, { ...inRoom, audio: true })).toBe(true);
    expect(audienceMayStay(true, { ...entered(null), kind: 'video_on' }, inRoom)).toBe(true);
  });
});
