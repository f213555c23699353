import { createHash } from 'node:crypto';
import { checkTencentCallback, readTencentEvent, tencentCallbackSign } from './tencent-callback';

const key = 'callback-key-123';
const now = new Date(1_700_000_000_000);
const t = 1_700_000_600; // Tencent's default: ten minutes after sending
const signed = (extra: Record<string, unknown> = {}, at = t) => ({ t: at, sign: tencentCallbackSign(key, at), ...extra });

describe('Tencent callback signature', () => {
  it('is MD5(callback key + t), lower-case hex', () => {
    expect(tencentCallbackSign(key, t)).toBe(createHash('md5').update(`${key}${t}`).digest('hex'));
    expect(tencentCallbackSign(key, t)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts a callback signed with the key whose t has not passed', () => {
    expect(checkTencentCallback(key, signed(), now, 900)).toBe('OK');
    // t may come as a string, and the sign in upper case.
    expect(checkTencentCallback(key, { t: String(t), sign: tencentCallbackSign(key, t).toUpperCase() }, now, 900)).toBe('OK');
  });

  it('refuses a forged sign, another key, or a t changed after signing', () => {
    const { sign } = signed();
    expect(checkTencentCallback(key, { t, sign: (sign[0] === '0' ? '1' : '0') + sign.slice(1) }, now, 900)).toBe('BAD_SIGN');
    expect(checkTencentCallback('another-key-456', signed(), now, 900)).toBe('BAD_SIGN');
    expect(checkTencentCallback(key, { t: t + 3600, sign }, now, 900)).toBe('BAD_SIGN');
  });

  it('refuses a stale callback: t in the past, even when signed right', () => {
    const past = Math.floor(now.getTime() / 1000) - 1;
    expect(checkTencentCallback(key, signed({}, past), now, 900)).toBe('STALE');
  });

  it('refuses a t further ahead than the window: a pair minted for a far expiry would sign for long', () => {
    const nowS = Math.floor(now.getTime() / 1000);
    expect(checkTencentCallback(key, signed({}, nowS + 900), now, 900)).toBe('OK');
    expect(checkTencentCallback(key, signed({}, nowS + 901), now, 900)).toBe('EXPIRY_TOO_FAR');
    expect(checkTencentCallback(key, signed({}, nowS + 86400 * 365), now, 900)).toBe('EXPIRY_TOO_FAR');
  });

  it('says MALFORMED when t or sign are missing or ill-shaped', () => {
    expect(checkTencentCallback(key, { sign: tencentCallbackSign(key, t) }, now, 900)).toBe('MALFORMED');
    expect(checkTencentCallback(key, { t }, now, 900)).toBe('MALFORMED');
    expect(checkTencentCallback(key, { t: 'soon', sign: tencentCallbackSign(key, t) }, now, 900)).toBe('MALFORMED');
    expect(checkTencentCallback(key, { t, sign: 'abc' }, now, 900)).toBe('MALFORMED');
    expect(checkTencentCallback(key, { t: -5, sign: tencentCallbackSign(key, -5) }, now, 900)).toBe('MALFORMED');
  });
});

describe('reading Tencent callbacks', () => {
  it('reads stream began (1) and ended (0) with their sequence', () => {
    expect(readTencentEvent({ event_type: 1, stream_id: '8888_abc', sequence: '42', event_time: 1_700_000_000, user_ip: '1.2.3.4', app: 'live' })).toEqual({
      kind: 'stream_began',
      streamId: '8888_abc',
      sequence: '42',
      time: new Date(1_700_000_000_000),
      clientAddress: '1.2.3.4',
      app: 'live',
      durationMs: 0,
      errorCode: 0,
      errorMessage: '',
    });
    expect(readTencentEvent({ event_type: 0, channel_id: '8888_abc', sequence: '42', errcode: 3, errmsg: 'closed', push_duration: '61000' })).toMatchObject({
      kind: 'stream_ended',
      streamId: '8888_abc',
      errorCode: 3,
      errorMessage: 'closed',
      durationMs: 61000,
    });
  });

  it('reads recording ready (100)', () => {
    expect(
      readTencentEvent({
        event_type: 100,
        stream_id: '8888_abc',
        file_id: '5285890781',
        video_url: 'http://1234.vod2.myqcloud.com/f0.mp4',
        file_format: 'mp4',
        file_size: 9_000_000,
        start_time: 1_700_000_000,
        end_time: 1_700_001_800,
      }),
    ).toEqual({
      kind: 'recording_ready',
      streamId: '8888_abc',
      fileId: '5285890781',
      url: 'http://1234.vod2.myqcloud.com/f0.mp4',
      format: 'mp4',
      sizeBytes: 9_000_000,
      startTime: new Date(1_700_000_000_000),
      endTime: new Date(1_700_001_800_000),
    });
  });

  it('passes over other event types, and says null when a needed field is missing', () => {
    expect(readTencentEvent({ event_type: 200, stream_id: '8888_abc', pic_url: 'x' })).toEqual({ kind: 'other', eventType: 200 });
    expect(readTencentEvent({ event_type: 1 })).toBeNull();
    expect(readTencentEvent({ event_type: 100, stream_id: '8888_abc' })).toBeNull();
  });
});
