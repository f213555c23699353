import { createHash } from 'node:crypto';
import { createTencentProvider, TencentSettings, tencentTxSecret, tencentTxTime } from './tencent';

const settings: TencentSettings = {
  kind: 'tencent',
  bizid: '8888',
  pushKey: 'mykey',
  pushDomain: '8888.livepush.myqcloud.com',
  playDomain: '8888.liveplay.myqcloud.com',
  pushTtlSeconds: 86400,
  playTtlSeconds: 3600,
  recordFormats: ['mp4'],
  recordIntervalSeconds: 1800,
};
// 0x5C2A3CFF = 1546271999, the test vector's expiry; `now` is chosen so the push TTL lands on it.
const vectorExpiry = 0x5c2a3cff;
const nowForPush = new Date((vectorExpiry - settings.pushTtlSeconds) * 1000 + 999);

describe('Tencent anti-leech signature', () => {
  it('matches the published test vector', () => {
    expect(tencentTxSecret('mykey', '8888_test001', '5C2A3CFF')).toBe('589dd9ebd1de7beb37d7f0c5c90dd66d');
  });

  it('writes txTime as upper-case hex UNIX seconds', () => {
    expect(tencentTxTime(1469848425)).toBe('579C1B69');
    expect(tencentTxTime(vectorExpiry)).toBe('5C2A3CFF');
  });
});

describe('Tencent push URL', () => {
  const provider = createTencentProvider(settings);

  it('is exactly the documented URL, byte for byte', () => {
    const push = provider.pushUrl('8888_test001', false, nowForPush);
    expect(push.url).toBe(
      'rtmp://8888.livepush.myqcloud.com/live/8888_test001?bizid=8888&txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF',
    );
    expect(push.expireTime).toEqual(new Date(vectorExpiry * 1000));
    expect(push.recording).toBe(false);
  });

  it('appends the recording parameters when asked to record', () => {
    const push = provider.pushUrl('8888_test001', true, nowForPush);
    expect(push.url).toBe(
      'rtmp://8888.livepush.myqcloud.com/live/8888_test001?bizid=8888&txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF&record=mp4&record_interval=1800',
    );
    expect(push.recording).toBe(true);
  });

  it('joins several record formats with |', () => {
    const several = createTencentProvider({ ...settings, recordFormats: ['mp4', 'hls'], recordIntervalSeconds: 5400 });
    expect(several.pushUrl('8888_test001', true, nowForPush).url).toMatch(/&record=mp4\|hls&record_interval=5400$/);
  });

  it('prefixes stream ids with the bizid, as Tencent requires', () => {
    expect(provider.streamIdPrefix).toBe('8888');
  });
});

describe('Tencent play URLs', () => {
  const provider = createTencentProvider(settings);
  const now = new Date((vectorExpiry - settings.playTtlSeconds) * 1000);

  it('signs the low-latency RTC URL like a push URL, on the play domain', () => {
    const play = provider.playUrl('8888_test001', 'alice', now);
    expect(play.rtcUrl).toBe(
      'rtmp://8888.liveplay.myqcloud.com/live/8888_test001?bizid=8888&txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF',
    );
    expect(play.expireTime).toEqual(new Date(vectorExpiry * 1000));
  });

  it('gives the ordinary unsigned rtmp, flv and hls URLs', () => {
    const play = provider.playUrl('8888_test001', 'alice', now);
    expect(play.rtmpUrl).toBe('rtmp://8888.liveplay.myqcloud.com/live/8888_test001');
    expect(play.flvUrl).toBe('http://8888.liveplay.myqcloud.com/live/8888_test001.flv');
    expect(play.hlsUrl).toBe('http://8888.liveplay.myqcloud.com/live/8888_test001.m3u8');
  });
});

// Browser members (REFERENCE.md section 8): the web pusher's WebRTC push URL and LEB play URLs,
// signed exactly as the RTMP ones; the expected signatures are the published vector and MD5s taken here.
describe('Tencent WebRTC URLs (browser members)', () => {
  const provider = createTencentProvider(settings);
  const webrtc = provider.webrtc!;
  const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

  it('signs the WebRTC push URL like the RTMP push URL, without bizid, on the push domain', () => {
    const url = webrtc.pushUrl({ roomId: 'r_1', memberId: 'm_1', streamId: '8888_test001', record: false, formats: [], now: nowForPush });
    expect(url).toBe('webrtc://8888.livepush.myqcloud.com/live/8888_test001?txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF');
    // The same signature and expiry as the RTMP push URL signed at the same instant.
    const rtmp = provider.pushUrl('8888_test001', false, nowForPush).url;
    expect(String(url).split('?')[1]).toBe(rtmp.split('&').slice(1).join('&'));
  });

  it('adds the recording parameters to the WebRTC push URL as to the RTMP one', () => {
    expect(webrtc.pushUrl({ roomId: 'r_1', memberId: 'm_1', streamId: '8888_test001', record: true, formats: [], now: nowForPush })).toBe(
      'webrtc://8888.livepush.myqcloud.com/live/8888_test001?txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF&record=mp4&record_interval=1800',
    );
    expect(webrtc.pushUrl({ roomId: 'r_1', memberId: 'm_1', streamId: '8888_test001', record: true, formats: ['hls', 'flv'], now: nowForPush })).toMatch(
      /&record=hls\|flv&record_interval=1800$/,
    );
  });

  it('gives a LEB webrtc:// play URL on the play domain, signed like the low-latency RTMP play URL', () => {
    const now = new Date((vectorExpiry - settings.playTtlSeconds) * 1000);
    const url = webrtc.playUrl({ roomId: 'r_1', streamId: '8888_test001', viewer: 'alice', now });
    expect(url).toBe('webrtc://8888.liveplay.myqcloud.com/live/8888_test001?txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF');
  });

  it('signs another stream and instant: MD5 of key + stream + hex expiry, computed here', () => {
    // 2026-12-06T00:00:00Z + one hour of play TTL = 1796518800 s = 0x6B14B390.
    const now = new Date(Date.UTC(2026, 11, 6, 0, 0, 0));
    const expiry = Date.UTC(2026, 11, 6, 1, 0, 0) / 1000;
    expect(expiry).toBe(0x6b14b390);
    const secret = md5('mykey' + '8888_abcdefghijklmnopqrstuvwx' + '6B14B390');
    expect(webrtc.playUrl({ roomId: 'r_1', streamId: '8888_abcdefghijklmnopqrstuvwx', viewer: 'bob', now })).toBe(
      `webrtc://8888.liveplay.myqcloud.com/live/8888_abcdefghijklmnopqrstuvwx?txSecret=${secret}&txTime=6B14B390`,
    );
    // Every viewer gets the same URL: Tencent's signature does not name the viewer.
    expect(webrtc.playUrl({ roomId: 'r_1', streamId: '8888_abcdefghijklmnopqrstuvwx', viewer: 'carol', now })).toContain(`txSecret=${secret}&`);
  });
});
