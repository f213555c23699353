import { ConfigError } from '@rtcroom/common';
import { loadGatewayConfig } from './config';

describe('loadGatewayConfig', () => {
  it('lets the heap grow 20% past what a full collection kept unless told otherwise (0: V8 decides)', () => {
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true' }).heapGrowingPercent).toBe(20);
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_HEAP_GROWING_PERCENT: '-5' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_HEAP_GROWING_PERCENT: 'lots' })).toThrow(ConfigError);
  });

  it('tells clients 60 s ahead that their access token expires unless told otherwise', () => {
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true' }).tokenExpiryNoticeMs).toBe(60_000);
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS: '5' }).tokenExpiryNoticeMs).toBe(5000);
    expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS: '0' })).toThrow(/GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS/);
    expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS: 'soon' })).toThrow(ConfigError);
  });
});
