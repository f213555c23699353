import { createHmac } from 'node:crypto';
import {
  createSelfHostedProvider,
  relayToken,
  SelfHostedSettings,
  verifyPlaySignature,
  verifyPushSignature,
  verifyRelayToken,
} from './self-hosted';

const key = 'test-signing-key-0123456789';
const settings: SelfHostedSettings = {
  kind: 'self-hosted',
  rtmpBase: 'rtmp://media.example:1935',
  httpBase: 'http://media.example:8080',
  signingKey: key,
  app: 'live',
  recordApp: 'record',
  pushTtlSeconds: 600,
  playTtlSeconds: 300,
};
const provider = createSelfHostedProvider(settings);
const now = new Date(1_700_000_000_000);
const streamId = 's_abcdefghijklmnopqrstuvwx';

/** The query parameters of a URL, as an nginx-rtmp hook would receive them. */
function paramsOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url.replace(/^rtmp:/, 'http:')).searchParams);
}

describe('self-hosted push URL', () => {
  it('is the app URL with exp and an HMAC-SHA256 over push, the app, stream id and exp', () => {
    const push = provider.pushUrl(streamId, false, now);
    const exp = 1_700_000_600;
    const sig = createHmac('sha256', key).update(`push\nlive\n${streamId}\n${exp}`).digest('hex');
    expect(push.url).toBe(`rtmp://media.example:1935/live/${streamId}?exp=${exp}&sig=${sig}`);
    expect(push.expireTime).toEqual(new Date(exp * 1000));
    expect(push.recording).toBe(false);
  });

  it('pushes to the recording application when asked to record', () => {
    const push = provider.pushUrl(streamId, true, now);
    expect(push.url.startsWith(`rtmp://media.example:1935/record/${streamId}?`)).toBe(true);
    expect(push.recording).toBe(true);
  });

  it('verifies what it signed until it expires', () => {
    const { exp, sig } = paramsOf(provider.pushUrl(streamId, false, now).url);
    expect(verifyPushSignature(key, { app: 'live', streamId, exp, sig }, now)).toBe('OK');
    expect(verifyPushSignature(key, { app: 'live', streamId, exp, sig }, new Date((Number(exp) + 1) * 1000))).toBe('EXPIRED');
  });

  it('refuses tampered URLs', () => {
    const { exp, sig } = paramsOf(provider.pushUrl(streamId, false, now).url);
    const app = 'live';
    expect(verifyPushSignature(key, { app, streamId: 's_other', exp, sig }, now)).toBe('BAD_SIGNATURE');
    expect(verifyPushSignature(key, { app, streamId, exp: String(Number(exp) + 3600), sig }, now)).toBe('BAD_SIGNATURE');
    const flipped = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    expect(verifyPushSignature(key, { app, streamId, exp, sig: flipped }, now)).toBe('BAD_SIGNATURE');
    expect(verifyPushSignature('another-key-0123456789', { app, streamId, exp, sig }, now)).toBe('BAD_SIGNATURE');
  });

  it('binds the application, so a member cannot switch recording on or off', () => {
    const live = paramsOf(provider.pushUrl(streamId, false, now).url);
    const recorded = paramsOf(provider.pushUrl(streamId, true, now).url);
    expect(verifyPushSignature(key, { app: 'record', streamId, exp: live.exp, sig: live.sig }, now)).toBe('BAD_SIGNATURE');
    expect(verifyPushSignature(key, { app: 'live', streamId, exp: recorded.exp, sig: recorded.sig }, now)).toBe('BAD_SIGNATURE');
    expect(verifyPushSignature(key, { app: 'record', streamId, exp: recorded.exp, sig: recorded.sig }, now)).toBe('OK');
  });

  it('says MALFORMED for missing or ill-shaped parameters', () => {
    const { exp, sig } = paramsOf(provider.pushUrl(streamId, false, now).url);
    const app = 'live';
    expect(verifyPushSignature(key, { app, streamId, exp, sig: undefined }, now)).toBe('MALFORMED');
    expect(verifyPushSignature(key, { app, streamId, exp: 'soon', sig }, now)).toBe('MALFORMED');
    expect(verifyPushSignature(key, { app, streamId, exp, sig: sig.slice(2) }, now)).toBe('MALFORMED');
    expect(verifyPushSignature(key, { app, streamId, exp, sig: sig.toUpperCase() }, now)).toBe('MALFORMED');
    expect(verifyPushSignature(key, { app, streamId: 's/../x', exp, sig }, now)).toBe('MALFORMED');
    expect(verifyPushSignature(key, { app: undefined, streamId, exp, sig }, now)).toBe('MALFORMED');
    expect(verifyPushSignature(key, { app: 'live/x', streamId, exp, sig }, now)).toBe('MALFORMED');
  });

  it('does not accept a play signature as a push signature', () => {
    const { exp, sig } = paramsOf(provider.playUrl(streamId, 'alice', now).rtmpUrl);
    expect(verifyPushSignature(key, { app: 'live', streamId, exp, sig }, now)).toBe('BAD_SIGNATURE');
  });
});

describe('relay token', () => {
  it('is accepted for the pair of applications it was made for, and nothing else', () => {
    const token = relayToken(key, 'record', 'live');
    expect(verifyRelayToken(key, 'record', 'live', token)).toBe(true);
    expect(verifyRelayToken(key, 'live', 'record', token)).toBe(false);
    expect(verifyRelayToken('another-key-0123456789', 'record', 'live', token)).toBe(false);
    expect(verifyRelayToken(key, 'record', 'live', undefined)).toBe(false);
    expect(verifyRelayToken(key, 'record', 'live', 'abc')).toBe(false);
  });
});

describe('self-hosted play URLs', () => {
  it('signs rtmp, flv and hls for the viewer with one signature; the RTC URL is the rtmp one', () => {
    const play = provider.playUrl(streamId, 'alice@example.com', now);
    const exp = 1_700_000_300;
    const sig = createHmac('sha256', key).update(`play\n${streamId}\nalice@example.com\n${exp}`).digest('hex');
    const query = `viewer=alice%40example.com&exp=${exp}&sig=${sig}`;
    expect(play.rtmpUrl).toBe(`rtmp://media.example:1935/live/${streamId}?${query}`);
    expect(play.rtcUrl).toBe(play.rtmpUrl);
    expect(play.flvUrl).toBe(`http://media.example:8080/flv/${streamId}.flv?${query}`);
    expect(play.hlsUrl).toBe(`http://media.example:8080/hls/${streamId}.m3u8?${query}`);
    expect(play.expireTime).toEqual(new Date(exp * 1000));
  });

  it('offers no HTTP URLs when the server has no HTTP base', () => {
    const rtmpOnly = createSelfHostedProvider({ ...settings, httpBase: undefined });
    const play = rtmpOnly.playUrl(streamId, 'alice', now);
    expect(play.flvUrl).toBe('');
    expect(play.hlsUrl).toBe('');
    expect(play.rtmpUrl).not.toBe('');
  });

  it('verifies for the viewer it was issued to, and no other', () => {
    const { viewer, exp, sig } = paramsOf(provider.playUrl(streamId, 'alice@example.com', now).flvUrl);
    expect(viewer).toBe('alice@example.com');
    expect(verifyPlaySignature(key, { streamId, viewer, exp, sig }, now)).toBe('OK');
    expect(verifyPlaySignature(key, { streamId, viewer: 'mallory', exp, sig }, now)).toBe('BAD_SIGNATURE');
    expect(verifyPlaySignature(key, { streamId, viewer: 'bad viewer', exp, sig }, now)).toBe('MALFORMED');
    expect(verifyPlaySignature(key, { streamId, viewer, exp, sig }, new Date((Number(exp) + 1) * 1000))).toBe('EXPIRED');
  });

  it('does not accept a push signature as a play signature', () => {
    const { exp, sig } = paramsOf(provider.pushUrl(streamId, false, now).url);
    expect(verifyPlaySignature(key, { streamId, viewer: 'alice', exp, sig }, now)).toBe('BAD_SIGNATURE');
  });
});

describe('self-hosted WebRTC side (browser members)', () => {
  it('has none without a media bridge: nginx-rtmp speaks RTMP only', () => {
    expect(provider.webrtc).toBeUndefined();
  });

  it('takes a media bridge as its WebRTC side when given one', async () => {
    const asked: unknown[] = [];
    const bridged = createSelfHostedProvider(settings, {
      pushUrl: (req) => (asked.push(req), `bridge-push:${req.streamId}`),
      playUrl: async (req) => (asked.push(req), `bridge-play:${req.streamId}:${req.viewer}`),
    });
    expect(bridged.webrtc!.pushUrl({ roomId: 'r_1', memberId: 'm_1', streamId, record: false, formats: [], now })).toBe(`bridge-push:${streamId}`);
    await expect(bridged.webrtc!.playUrl({ roomId: 'r_1', streamId, viewer: 'bob', now })).resolves.toBe(`bridge-play:${streamId}:bob`);
    expect(asked).toEqual([
      { roomId: 'r_1', memberId: 'm_1', streamId, record: false, formats: [], now },
      { roomId: 'r_1', streamId, viewer: 'bob', now },
    ]);
    // The RTMP URLs are as without a bridge.
    expect(bridged.pushUrl(streamId, false, now)).toEqual(provider.pushUrl(streamId, false, now));
  });
});
