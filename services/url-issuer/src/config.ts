// The url-issuer's configuration, read from the environment once at start.
import {
  ConfigError,
  devSecrets,
  Env,
  envAddress,
  envBool,
  envInt,
  envLogLevel,
  envOneOf,
  envOptional,
  envSecret,
  envServerUrl,
  envString,
  envThirdPartyKey,
  isDevMode,
  GrpcMuxLimits,
  GrpcSecurity,
  loadGrpcMuxLimits,
  loadGrpcSecurity,
  LogLevel,
  envMetricsAddress,
  loadTracingConfig,
  TracingConfig,
} from '@rtcroom/common';
import type { MediaSettings, UrlLifetimes } from './domain/media-provider';
import type { SelfHostedSettings } from './domain/providers/self-hosted';
import { RecordFormat, recordFormats, TencentSettings } from './domain/providers/tencent';
import type { TrtcSettings } from './domain/providers/trtc';
import type { TrtcApiSettings } from './media-server/trtc-api';

export interface UrlIssuerConfig {
  grpcAddress: string;
  /** Where /metrics is served (Prometheus); undefined: URL_ISSUER_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  /** Mutual TLS for its server and its client of the room service (absent in development). */
  grpcSecurity: GrpcSecurity;
  /** How its gRPC server bounds each caller's mux stream (calls in flight, default deadline). */
  grpcMux: GrpcMuxLimits;
  /** Where nginx-rtmp's hooks and Tencent's callbacks are received (HTTP). */
  httpAddress: string;
  logLevel: LogLevel;
  /** OpenTelemetry (OTEL_*): off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
  /** Derives stream ids; changing it changes every member's stream id. */
  streamIdKey: string;
  media: MediaSettings;
  /** The room service, asked who owns a stream and who is a member (media server checks). */
  roomServiceAddress: string;
  /** Absent: an in-process bus (only useful when every service runs in this process; development or RTCROOM_EMBEDDED=true). */
  natsUrl?: string;
  /** Copies of each JetStream stream (and bucket) this service makes, on a NATS cluster: 1, 3 or 5 (NATS_REPLICAS). */
  natsReplicas: number;
  /** Where recordings are kept; absent: the embedded PGlite (development or RTCROOM_EMBEDDED=true). */
  databaseUrl?: string;
  databasePoolSize: number;
  /** PGlite's directory when databaseUrl is absent; absent too means in memory. */
  embeddedDataDir?: string;
  /** Tencent's callback key (MD5 sign of its callbacks); absent: callbacks are refused. */
  tencentCallbackKey?: string;
  /** How far past now a Tencent callback's t (its expiry; Tencent sets now + 600 s) may lie. */
  tencentCallbackExpiryWindowSeconds: number;
  /** TRTC's callback key (Sign = HMAC-SHA256 of the body); absent: TRTC callbacks are refused. */
  trtcCallbackKey?: string;
  /** How old a TRTC callback's CallbackTs may be (Tencent retries for a minute). */
  trtcCallbackMaxAgeSeconds: number;
  /** TRTC's server API (removing users, dismissing rooms); absent: not configured (development only). */
  trtcApi?: TrtcApiSettings;
  /** The durable consumer of room events that carries departures and closed rooms to TRTC. */
  roomEventsConsumer: string;
  /** Base URL under which the self-hosted server serves its recording files; absent: no URL. */
  recordUrlBase?: string;
  /** Self-hosted: remux each finished FLV recording to MP4 (browsers play MP4, not FLV). */
  recordRemuxMp4: boolean;
  /** The media bridge (MediaBridgeService) browser members' URLs come from (self-hosted only); absent: none, they get WEBRTC_UNAVAILABLE. */
  mediaBridgeAddress?: string;
}

// URLs are re-issued on expiry; a minute is the least that lets a pusher connect, 30 days the most
// that keeps a leaked URL from living forever.
const ttlRange = { min: 60, max: 30 * 86400 };

export function loadUrlIssuerConfig(env: Env): UrlIssuerConfig {
  const lifetimes: UrlLifetimes = {
    pushTtlSeconds: envInt(env, 'PUSH_URL_TTL_SECONDS', 86400, ttlRange),
    playTtlSeconds: envInt(env, 'PLAY_URL_TTL_SECONDS', 86400, ttlRange),
  };
  // Read whatever the provider, so a typo fails at start rather than after switching to tencent.
  const recording = {
    recordFormats: loadRecordFormats(env),
    recordIntervalSeconds: envInt(env, 'RECORD_INTERVAL_SECONDS', 1800, { min: 60, max: 5400 }),
  };
  const provider = envOneOf(env, 'MEDIA_PROVIDER', ['self-hosted', 'tencent', 'trtc'] as const, 'self-hosted');
  const callbackKey = envThirdPartyKey(env, 'TENCENT_CALLBACK_KEY', false);
  if (callbackKey !== undefined && callbackKey.length < 8) throw new ConfigError('TENCENT_CALLBACK_KEY', 'must be at least 8 characters');
  const recordUrlBase = envOptional(env, 'MEDIA_RECORD_URL_BASE');
  // Read before the media settings, so a missing key is named first whatever the provider.
  const streamIdKey = envSecret(env, 'STREAM_ID_KEY', devSecrets.streamIdKey);
  const media = provider === 'tencent' ? loadTencent(env, lifetimes, recording) : provider === 'trtc' ? loadTrtc(env, lifetimes) : loadSelfHosted(env, lifetimes);
  return {
    grpcAddress: envAddress(env, 'URL_ISSUER_GRPC_ADDRESS', '127.0.0.1:50053'),
    metricsAddress: envMetricsAddress(env, 'URL_ISSUER_METRICS_ADDRESS', '127.0.0.1:9463'),
    httpAddress: envAddress(env, 'URL_ISSUER_HTTP_ADDRESS', '127.0.0.1:8790'),
    logLevel: envLogLevel(env),
    tracing: loadTracingConfig(env),
    streamIdKey,
    media,
    trtcApi: media.kind === 'trtc' ? loadTrtcApi(env, media.sdkAppId) : undefined,
    roomEventsConsumer: envConsumerName(env, 'URL_ISSUER_ROOM_CONSUMER', 'url-issuer-rooms'),
    roomServiceAddress: envAddress(env, 'ROOM_SERVICE_ADDRESS', '127.0.0.1:50051'),
    natsUrl: envServerUrl(env, 'NATS_URL'),
    natsReplicas: envInt(env, 'NATS_REPLICAS', 1, { min: 1, max: 5 }),
    databaseUrl: envServerUrl(env, 'DATABASE_URL'),
    databasePoolSize: envInt(env, 'DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    embeddedDataDir: envOptional(env, 'URL_ISSUER_EMBEDDED_DATA_DIR'),
    tencentCallbackKey: callbackKey,
    tencentCallbackExpiryWindowSeconds: envInt(env, 'TENCENT_CALLBACK_EXPIRY_WINDOW_SECONDS', 900, { min: 60, max: 86400 }),
    trtcCallbackKey: loadTrtcCallbackKey(env),
    trtcCallbackMaxAgeSeconds: envInt(env, 'TRTC_CALLBACK_MAX_AGE_SECONDS', 300, { min: 70, max: 3600 }),
    recordUrlBase: recordUrlBase === undefined ? undefined : envBase(env, 'MEDIA_RECORD_URL_BASE', recordUrlBase, /^https?:\/\//),
    recordRemuxMp4: envBool(env, 'MEDIA_RECORD_MP4', true),
    mediaBridgeAddress: loadMediaBridgeAddress(env, media.kind),
    grpcSecurity: loadGrpcSecurity(env, 'url-issuer'),
    grpcMux: loadGrpcMuxLimits(env),
  };
}

function loadRecordFormats(env: Env): RecordFormat[] {
  const raw = envString(env, 'RECORD_FORMATS', 'mp4');
  const formats = raw.split('|');
  for (const f of formats) {
    if (!(recordFormats as readonly string[]).includes(f)) {
      throw new ConfigError('RECORD_FORMATS', `must be ${recordFormats.join(', ')} joined by |, got "${raw}"`);
    }
  }
  if (new Set(formats).size !== formats.length) throw new ConfigError('RECORD_FORMATS', `repeats a format: "${raw}"`);
  return formats as RecordFormat[];
}

function loadTencent(
  env: Env,
  lifetimes: UrlLifetimes,
  recording: Pick<TencentSettings, 'recordFormats' | 'recordIntervalSeconds'>,
): TencentSettings {
  const bizid = envString(env, 'TENCENT_BIZID');
  if (!/^\d{1,16}$/.test(bizid)) throw new ConfigError('TENCENT_BIZID', `must be digits, got "${bizid}"`);
  return {
    kind: 'tencent',
    ...lifetimes,
    ...recording,
    bizid,
    pushKey: envThirdPartyKey(env, 'TENCENT_PUSH_KEY', true)!,
    pushDomain: envHost(env, 'TENCENT_PUSH_DOMAIN', `${bizid}.livepush.myqcloud.com`),
    playDomain: envHost(env, 'TENCENT_PLAY_DOMAIN', `${bizid}.liveplay.myqcloud.com`),
  };
}

/** TRTC's application: in development a placeholder one (URLs that Tencent would refuse), else the real one. */
function loadTrtc(env: Env, lifetimes: UrlLifetimes): TrtcSettings {
  const dev = isDevMode(env);
  const rawId = dev ? envString(env, 'TRTC_SDK_APP_ID', '1400000000') : envString(env, 'TRTC_SDK_APP_ID');
  const sdkAppId = Number(rawId);
  if (!/^\d{1,10}$/.test(rawId) || sdkAppId < 1 || sdkAppId > 0xffffffff) throw new ConfigError('TRTC_SDK_APP_ID', `must be the application's SDKAppID (digits), got "${rawId}"`);
  const secretKey = envThirdPartyKey(env, 'TRTC_SECRET_KEY', !dev) ?? devSecrets.trtcSecretKey;
  if (secretKey.length < 16) throw new ConfigError('TRTC_SECRET_KEY', 'must be at least 16 characters (the console shows 64)');
  return { kind: 'trtc', ...lifetimes, sdkAppId, secretKey, appScene: envOneOf(env, 'TRTC_APP_SCENE', ['videocall', 'live'] as const, 'videocall') };
}

/**
 * The Tencent Cloud API key pair TRTC's server API is called with. Required outside development: without
 * it a removed member's tickets admit it to the media room until they expire.
 */
function loadTrtcApi(env: Env, sdkAppId: number): TrtcApiSettings | undefined {
  const dev = isDevMode(env);
  const secretId = envThirdPartyKey(env, 'TRTC_API_SECRET_ID', !dev);
  const secretKey = envThirdPartyKey(env, 'TRTC_API_SECRET_KEY', secretId !== undefined);
  // Plain http only in development (a local stand-in); Tencent's API is https.
  const endpoint = envBase(env, 'TRTC_API_ENDPOINT', 'https://trtc.tencentcloudapi.com', dev ? /^https?:\/\// : /^https:\/\//);
  if (!/^https?:\/\/[^/]+$/.test(endpoint)) throw new ConfigError('TRTC_API_ENDPOINT', `must be a scheme and host only, got "${endpoint}"`);
  const rawProxy = envOptional(env, 'TRTC_API_PROXY');
  const proxy = rawProxy === undefined ? undefined : envBase(env, 'TRTC_API_PROXY', rawProxy, /^https?:\/\//);
  const region = envString(env, 'TRTC_API_REGION', 'ap-guangzhou');
  if (!/^[a-z]+(-[a-z0-9]+)+$/.test(region)) throw new ConfigError('TRTC_API_REGION', `must be a Tencent Cloud region like ap-guangzhou, got "${region}"`);
  if (secretId === undefined || secretKey === undefined) return undefined;
  return { secretId, secretKey, endpoint, region, proxy, sdkAppId, timeoutSeconds: 10 };
}

function envConsumerName(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new ConfigError(name, `must be 1-64 of A-Za-z0-9_-, got "${value}"`);
  return value;
}

function loadMediaBridgeAddress(env: Env, provider: MediaSettings['kind']): string | undefined {
  const raw = envOptional(env, 'MEDIA_BRIDGE_ADDRESS');
  if (raw === undefined) return undefined;
  // Tencent and TRTC bring their own WebRTC; a bridge there would be a configuration mistake.
  if (provider !== 'self-hosted') throw new ConfigError('MEDIA_BRIDGE_ADDRESS', `is for MEDIA_PROVIDER=self-hosted only, not ${provider}`);
  return envAddress(env, 'MEDIA_BRIDGE_ADDRESS', raw);
}

function loadTrtcCallbackKey(env: Env): string | undefined {
  const key = envThirdPartyKey(env, 'TRTC_CALLBACK_KEY', false);
  if (key !== undefined && key.length < 8) throw new ConfigError('TRTC_CALLBACK_KEY', 'must be at least 8 characters');
  return key;
}

function loadSelfHosted(env: Env, lifetimes: UrlLifetimes): SelfHostedSettings {
  // Unset or empty: the server offers no HTTP-FLV/HLS play (Debian's nginx-rtmp has no HTTP-FLV, and
  // its HLS segments are not checked by the hooks): no such URL is handed out unless configured.
  const rawHttp = env.MEDIA_HTTP_BASE;
  return {
    kind: 'self-hosted',
    ...lifetimes,
    rtmpBase: envBase(env, 'MEDIA_RTMP_BASE', 'rtmp://127.0.0.1:1935', /^rtmp:\/\//),
    httpBase: rawHttp === undefined || rawHttp === '' ? undefined : envBase(env, 'MEDIA_HTTP_BASE', '', /^https?:\/\//),
    signingKey: envSecret(env, 'MEDIA_SIGNING_KEY', devSecrets.mediaSigningKey),
    app: envPathSegment(env, 'MEDIA_APP', 'live'),
    recordApp: envPathSegment(env, 'MEDIA_RECORD_APP', 'record'),
  };
}

/** A URL base: scheme, host, optional port and path; a trailing slash is dropped. */
function envBase(env: Env, name: string, fallback: string, scheme: RegExp): string {
  const value = envString(env, name, fallback).replace(/\/+$/, '');
  if (!scheme.test(value) || !/^[a-z]+:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) {
    throw new ConfigError(name, `must be a URL like ${fallback}, got "${value}"`);
  }
  return value;
}

function envHost(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value)) throw new ConfigError(name, `must be a host name, got "${value}"`);
  return value;
}

function envPathSegment(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new ConfigError(name, `must be letters, digits, _ or -, got "${value}"`);
  return value;
}
