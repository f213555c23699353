import { ConfigError, devSecrets } from '@rtcroom/common';
import { loadUrlIssuerConfig } from './config';

const key = 'a-stream-id-key-0123456789-abcdefghij'; // 32 bytes or more, as outside development

function configError(env: Record<string, string>): ConfigError {
  try {
    loadUrlIssuerConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadUrlIssuerConfig', () => {
  it('starts self-hosted with dev secrets only under RTCROOM_DEV', () => {
    const config = loadUrlIssuerConfig({ RTCROOM_DEV: 'true' });
    expect(config.grpcAddress).toBe('127.0.0.1:50053');
    expect(config.media).toMatchObject({
      kind: 'self-hosted',
      rtmpBase: 'rtmp://127.0.0.1:1935',
      httpBase: undefined,
      app: 'live',
      recordApp: 'record',
      pushTtlSeconds: 86400,
      playTtlSeconds: 86400,
    });
    expect(configError({}).variable).toBe('STREAM_ID_KEY');
    expect(configError({ STREAM_ID_KEY: key }).variable).toBe('MEDIA_SIGNING_KEY');
  });

  it('disables HTTP play URLs when MEDIA_HTTP_BASE is set but empty', () => {
    const config = loadUrlIssuerConfig({ RTCROOM_DEV: 'true', MEDIA_HTTP_BASE: '' });
    expect(config.media.kind === 'self-hosted' && config.media.httpBase).toBeUndefined();
  });

  it('takes a media bridge for the self-hosted provider only, as host:port', () => {
    expect(loadUrlIssuerConfig({ RTCROOM_DEV: 'true' }).mediaBridgeAddress).toBeUndefined();
    expect(loadUrlIssuerConfig({ RTCROOM_DEV: 'true', MEDIA_BRIDGE_ADDRESS: '' }).mediaBridgeAddress).toBeUndefined();
    expect(loadUrlIssuerConfig({ RTCROOM_DEV: 'true', MEDIA_BRIDGE_ADDRESS: 'bridge.internal:50055' }).mediaBridgeAddress).toBe('bridge.internal:50055');
    expect(configError({ RTCROOM_DEV: 'true', MEDIA_BRIDGE_ADDRESS: 'http://bridge:50055' }).message).toMatch(/MEDIA_BRIDGE_ADDRESS.*host:port/);
    expect(configError({ RTCROOM_DEV: 'true', MEDIA_PROVIDER: 'trtc', MEDIA_BRIDGE_ADDRESS: 'bridge:50055' }).message).toMatch(/MEDIA_BRIDGE_ADDRESS.*self-hosted only/);
  });

  it('needs the bizid and key for Tencent, and derives the domains from the bizid', () => {
    expect(configError({ STREAM_ID_KEY: key, MEDIA_PROVIDER: 'tencent' }).variable).toBe('TENCENT_BIZID');
    expect(configError({ STREAM_ID_KEY: key, MEDIA_PROVIDER: 'tencent', TENCENT_BIZID: '12ab' }).variable).toBe('TENCENT_BIZID');
    expect(configError({ STREAM_ID_KEY: key, MEDIA_PROVIDER: 'tencent', TENCENT_BIZID: '8888' }).variable).toBe('TENCENT_PUSH_KEY');
    const config = loadUrlIssuerConfig({ STREAM_ID_KEY: key, MEDIA_PROVIDER: 'tencent', TENCENT_BIZID: '8888', TENCENT_PUSH_KEY: 'k', RTCROOM_EMBEDDED: 'true', RTCROOM_GRPC_INSECURE: 'true' });
    expect(config.media).toMatchObject({
      kind: 'tencent',
      pushDomain: '8888.livepush.myqcloud.com',
      playDomain: '8888.liveplay.myqcloud.com',
      recordFormats: ['mp4'],
      recordIntervalSeconds: 1800,
    });
  });

  it('needs the TRTC application outside development, and refuses the development key there', () => {
    const prod = { STREAM_ID_KEY: key, MEDIA_PROVIDER: 'trtc', RTCROOM_EMBEDDED: 'true', RTCROOM_GRPC_INSECURE: 'true' };
    expect(configError(prod).variable).toBe('TRTC_SDK_APP_ID');
    expect(configError({ ...prod, TRTC_SDK_APP_ID: '14000x' }).variable).toBe('TRTC_SDK_APP_ID');
    expect(configError({ ...prod, TRTC_SDK_APP_ID: '4294967296' }).variable).toBe('TRTC_SDK_APP_ID');
    expect(configError({ ...prod, TRTC_SDK_APP_ID: '1400123456' }).variable).toBe('TRTC_SECRET_KEY');
    expect(configError({ ...prod, TRTC_SDK_APP_ID: '1400123456', TRTC_SECRET_KEY: 'short' }).variable).toBe('TRTC_SECRET_KEY');
    expect(configError({ ...prod, TRTC_SDK_APP_ID: '1400123456', TRTC_SECRET_KEY: devSecrets.trtcSecretKey }).variable).toBe('TRTC_SECRET_KEY');
    expect(configError({ ...prod, TRTC_SDK_APP_ID: '1400123456', TRTC_SECRET_KEY: 'k'.repeat(64), TRTC_APP_SCENE: 'meeting' }).variable).toBe('TRTC_APP_SCENE');
    const app = { ...prod, TRTC_SDK_APP_ID: '1400123456', TRTC_SECRET_KEY: 'k'.repeat(64) };
    // The server API's key pair: without it removal would not reach the media room.
    expect(configError(app).variable).toBe('TRTC_API_SECRET_ID');
    expect(configError({ ...app, TRTC_API_SECRET_ID: 'AKIDx' }).variable).toBe('TRTC_API_SECRET_KEY');
    const api = { ...app, TRTC_API_SECRET_ID: 'AKIDx', TRTC_API_SECRET_KEY: 'api-key' };
    expect(configError({ ...api, TRTC_API_ENDPOINT: 'http://trtc.tencentcloudapi.com' }).variable).toBe('TRTC_API_ENDPOINT');
    expect(configError({ ...api, TRTC_API_ENDPOINT: 'https://trtc.tencentcloudapi.com/v1' }).variable).toBe('TRTC_API_ENDPOINT');
    expect(configError({ ...api, TRTC_API_REGION: 'Guangzhou' }).variable).toBe('TRTC_API_REGION');
    expect(configError({ ...api, URL_ISSUER_ROOM_CONSUMER: 'a.b' }).variable).toBe('URL_ISSUER_ROOM_CONSUMER');
    const config = loadUrlIssuerConfig(api);
    expect(config.media).toMatchObject({ kind: 'trtc', sdkAppId: 1400123456, secretKey: 'k'.repeat(64), appScene: 'videocall' });
    expect(config.trtcApi).toEqual({ secretId: 'AKIDx', secretKey: 'api-key', endpoint: 'https://trtc.tencentcloudapi.com', region: 'ap-guangzhou', proxy: undefined, sdkAppId: 1400123456, timeoutSeconds: 10 });
    // In development a placeholder application, so `MEDIA_PROVIDER=trtc npm run up` starts.
    expect(loadUrlIssuerConfig({ RTCROOM_DEV: 'true', MEDIA_PROVIDER: 'trtc' }).media).toMatchObject({ kind: 'trtc', sdkAppId: 1400000000, secretKey: devSecrets.trtcSecretKey });
  });

  it('names the variable that is wrong', () => {
    const dev = { RTCROOM_DEV: 'true' };
    expect(configError({ ...dev, MEDIA_PROVIDER: 'wowza' }).variable).toBe('MEDIA_PROVIDER');
    expect(configError({ ...dev, RECORD_FORMATS: 'mp4|avi' }).variable).toBe('RECORD_FORMATS');
    expect(configError({ ...dev, RECORD_INTERVAL_SECONDS: '5401' }).variable).toBe('RECORD_INTERVAL_SECONDS');
    expect(configError({ ...dev, PUSH_URL_TTL_SECONDS: 'week' }).variable).toBe('PUSH_URL_TTL_SECONDS');
    expect(configError({ ...dev, MEDIA_RTMP_BASE: 'http://x:1935' }).variable).toBe('MEDIA_RTMP_BASE');
    expect(configError({ ...dev, MEDIA_APP: 'live/x' }).variable).toBe('MEDIA_APP');
    expect(configError({ ...dev, URL_ISSUER_GRPC_ADDRESS: 'nowhere' }).variable).toBe('URL_ISSUER_GRPC_ADDRESS');
    expect(configError({ ...dev, LOG_LEVEL: 'trace' }).variable).toBe('LOG_LEVEL');
    expect(configError({ STREAM_ID_KEY: 'short' }).variable).toBe('STREAM_ID_KEY');
  });
});
