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
