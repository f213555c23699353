import { ConfigError } from '@rtcroom/common';
import { loadMediaBridgeConfig } from './config';

const base = { RTCROOM_DEV: 'true', JANUS_API_SECRET: 'api-secret', JANUS_ADMIN_SECRET: 'admin-secret', JANUS_PLUGIN_ADMIN_KEY: 'plugin-key' };

describe('loadMediaBridgeConfig', () => {
  it('derives what browsers and ffmpeg use from the Janus URL when nothing else is set', () => {
    const config = loadMediaBridgeConfig({ ...base, JANUS_WS_URL: 'ws://janus.internal:8188' });
    expect(config.janus).toMatchObject({ wsUrl: 'ws://janus.internal:8188', adminWsUrl: 'ws://127.0.0.1:7188', apiSecret: 'api-secret' });
    expect(config.janusPublicHttpUrl).toBe('http://janus.internal:8088/janus');
    expect(config.janusRtpHost).toBe('janus.internal');
    expect(config.rtpPorts).toEqual({ min: 20000, max: 20999 });
    expect(config.grpcAddress).toBe('127.0.0.1:50055');
  });

  it('names the variable of a bad value', () => {
    expect(() => loadMediaBridgeConfig({ RTCROOM_DEV: 'true' })).toThrow(ConfigError);
    expect(() => loadMediaBridgeConfig({ ...base, JANUS_WS_URL: 'http://x' })).toThrow(/JANUS_WS_URL/);
    expect(() => loadMediaBridgeConfig({ ...base, MEDIA_BRIDGE_RTP_PORTS: '20000' })).toThrow(/MEDIA_BRIDGE_RTP_PORTS/);
    expect(() => loadMediaBridgeConfig({ ...base, MEDIA_BRIDGE_RTP_PORTS: '100-200' })).toThrow(/MEDIA_BRIDGE_RTP_PORTS/);
    expect(() => loadMediaBridgeConfig({ ...base, JANUS_RTP_HOST: 'a b' })).toThrow(/JANUS_RTP_HOST/);
  });
});
