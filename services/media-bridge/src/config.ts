// The media bridge's configuration, read from the environment once at start.
import {
  ConfigError,
  Env,
  envAddress,
  envInt,
  envLogLevel,
  envMetricsAddress,
  envOneOf,
  envOptional,
  envString,
  envThirdPartyKey,
  GrpcMuxLimits,
  GrpcSecurity,
  loadGrpcMuxLimits,
  loadGrpcSecurity,
  loadTracingConfig,
  LogLevel,
  TracingConfig,
} from '@rtcroom/common';
import { tmpdir } from 'node:os';
import type { JanusSettings } from './janus/janus-gateway';
import { EgressVideo, egressVideoModes, IngressVideo, ingressVideoModes } from './media/ffmpeg-commands';
import type { PortRange } from './media/udp-ports';

export interface MediaBridgeConfig {
  grpcAddress: string;
  /** Where /metrics is served (Prometheus); undefined: MEDIA_BRIDGE_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  grpcSecurity: GrpcSecurity;
  grpcMux: GrpcMuxLimits;
  logLevel: LogLevel;
  tracing: TracingConfig;
  janus: JanusSettings;
  /** What browsers are told: Janus's HTTP and WebSocket API as they reach it. */
  janusPublicHttpUrl: string;
  janusPublicWsUrl: string;
  /** Where ffmpeg sends ingress RTP: Janus's address as the bridge reaches it. */
  janusRtpHost: string;
  /** Where Janus forwards egress RTP: the bridge's address as Janus reaches it. */
  rtpHost: string;
  /** The UDP ports the bridge's ffmpeg processes receive forwards on (two pairs per egress). */
  rtpPorts: PortRange;
  ffmpegPath: string;
  /** An ingress passes H.264 through (copy) or re-encodes it (transcode). */
  ingressVideo: IngressVideo;
  /** An egress transcodes the browser's VP8 (transcode) or passes its H.264 through (copy). */
  egressVideo: EgressVideo;
  /** Where SDP files are written. */
  workDir: string;
  /** How often an egress asks Janus whether its member publishes yet. */
  egressPollMs: number;
  /** Pause between attempts to (re)connect to Janus. */
  janusRetryMs: number;
}

export function loadMediaBridgeConfig(env: Env): MediaBridgeConfig {
  const wsUrl = envWsUrl(env, 'JANUS_WS_URL', 'ws://127.0.0.1:8188');
  const adminWsUrl = envWsUrl(env, 'JANUS_ADMIN_WS_URL', 'ws://127.0.0.1:7188');
  const janusHost = new URL(wsUrl).hostname;
  return {
    grpcAddress: envAddress(env, 'MEDIA_BRIDGE_GRPC_ADDRESS', '127.0.0.1:50055'),
    metricsAddress: envMetricsAddress(env, 'MEDIA_BRIDGE_METRICS_ADDRESS', '127.0.0.1:9465'),
    grpcSecurity: loadGrpcSecurity(env, 'media-bridge'),
    grpcMux: loadGrpcMuxLimits(env),
    logLevel: envLogLevel(env),
    tracing: loadTracingConfig(env),
    janus: {
      wsUrl,
      adminWsUrl,
      apiSecret: envThirdPartyKey(env, 'JANUS_API_SECRET', true)!,
      adminSecret: envThirdPartyKey(env, 'JANUS_ADMIN_SECRET', true)!,
      pluginAdminKey: envThirdPartyKey(env, 'JANUS_PLUGIN_ADMIN_KEY', true)!,
    },
    janusPublicHttpUrl: envHttpUrl(env, 'JANUS_PUBLIC_HTTP_URL', `http://${janusHost}:8088/janus`),
    janusPublicWsUrl: envWsUrl(env, 'JANUS_PUBLIC_WS_URL', wsUrl),
    janusRtpHost: envHost(env, 'JANUS_RTP_HOST', janusHost),
    rtpHost: envHost(env, 'MEDIA_BRIDGE_RTP_HOST', '127.0.0.1'),
    rtpPorts: envPortRange(env, 'MEDIA_BRIDGE_RTP_PORTS', '20000-20999'),
    ffmpegPath: envString(env, 'FFMPEG_PATH', 'ffmpeg'),
    ingressVideo: envOneOf(env, 'MEDIA_BRIDGE_INGRESS_VIDEO', ingressVideoModes, 'copy'),
    egressVideo: envOneOf(env, 'MEDIA_BRIDGE_EGRESS_VIDEO', egressVideoModes, 'transcode'),
    workDir: envString(env, 'MEDIA_BRIDGE_WORK_DIR', tmpdir()),
    egressPollMs: envInt(env, 'MEDIA_BRIDGE_EGRESS_POLL_MS', 250, { min: 50, max: 10_000 }),
    janusRetryMs: envInt(env, 'JANUS_RETRY_MS', 2000, { min: 100, max: 60_000 }),
  };
}

function envWsUrl(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^wss?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) throw new ConfigError(name, `must be a ws:// or wss:// URL like ${fallback}, got "${value}"`);
  return value;
}

function envHttpUrl(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value)) throw new ConfigError(name, `must be an http:// or https:// URL like ${fallback}, got "${value}"`);
  return value;
}

function envHost(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^[A-Za-z0-9.-]+$/.test(value)) throw new ConfigError(name, `must be a host name or IPv4 address, got "${value}"`);
  return value;
}

function envPortRange(env: Env, name: string, fallback: string): PortRange {
  const raw = envOptional(env, name) ?? fallback;
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw);
  const [min, max] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || min < 1024 || max > 65535 || max - min < 3) throw new ConfigError(name, `must be a range like 20000-20999 (1024-65535, at least 4 ports), got "${raw}"`);
  return { min, max };
}
