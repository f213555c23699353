import { ConfigError } from '@rtcroom/common';
import { loadGatewayConfig } from './config';

describe('loadGatewayConfig', () => {
  it('lets the heap grow 20% past what a full collection kept unless told otherwise (0: V8 decides)', () => {
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true' }).heapGrowingPercent).toBe(20);
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_HEAP_GROWING_PERCENT: '-5' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_HEAP_GROWING_PERCENT: 'lots' })).toThrow(ConfigError);
  });
});
