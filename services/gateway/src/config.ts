// The gateway's configuration, read once from the environment.
import {
  devSecrets,
  envAddress,
  envBool,
  envInt,
  envOptional,
  Env,
  AccessTokenKeys,
  loadAccessTokenKeys,
  envServerUrl,
  envString,
  GrpcMuxLimits,
  GrpcSecurity,
  loadGrpcMuxLimits,
  loadGrpcSecurity,
  newId,
  envLogLevel,
  LogLevel,
  envMetricsAddress,
  loadTracingConfig,
  TracingConfig,
} from '@rtcroom/common';
import { OriginRule, parseOriginRules } from './ws/origin-check';

export interface GatewayConfig {
  /** host:port of the WebSocket (and health) HTTP server; port 0 picks a free one. */
  address: string;
  gatewayId: string;
  logLevel: LogLevel;
  /** OpenTelemetry (OTEL_*): off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
  /** The keys access tokens are signed with (the first) and checked against (all): ACCESS_TOKEN_KEYS or ACCESS_TOKEN_SECRET. */
  accessTokenKeys: AccessTokenKeys;
  roomServiceAddress: string;
  presenceServiceAddress: string;
  urlIssuerAddress: string;
  natsUrl?: string;
  /** Mutual TLS for its internal gRPC port and its clients of the services (absent in development). */
  grpcSecurity: GrpcSecurity;
  /** How its gRPC server bounds each caller's mux stream (calls in flight, default deadline). */
  grpcMux: GrpcMuxLimits;
  /** How often the gateway pings each socket; a socket silent for pingTimeoutMs is dropped. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** On shutdown, how long sessions with seats stay handed off (hand-off.ts), again from each one taken over (at most three times this), before presence is told of those not taken over. */
  drainHoldMs: number;
  /** How often the gateway tells presence its sessions are alive. */
  keepAliveIntervalMs: number;
  /**
   * How long a session opened or closed here waits for others before presence is told of them all in
   * one call; 0: until the end of the event loop's turn.
   */
  presenceBatchMs: number;
  /** Connections opened at once (presence's resume or open); the others wait in line (ws/open-gate.ts). */
  maxOpening: number;
  /** A new connection (not a resume) whose wait in line would pass this is sent away to come back later (GoAway, close 1013). */
  maxOpenWaitMs: number;
  /** Largest client frame accepted (bytes); larger ones get FRAME_TOO_LARGE. */
  maxFrameBytes: number;
  /** Outgoing bytes a socket may have queued before it is cut off as a slow consumer. */
  maxBufferedBytes: number;
  /** The embedded default's /dev/token endpoint (never in production). */
  devEndpoints: boolean;
  /** Requests a connection may send per second on average, and in a burst. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** The internal gRPC port (TokenService): for business backends, never for clients. */
  grpcAddress: string;
  /** Where /metrics is served (Prometheus); undefined: GATEWAY_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  /** A directory served at /console/ (the web console); absent: no console. */
  consoleDir?: string;
  /**
   * How far V8 lets the heap grow past what the last full collection kept, in percent; 0 leaves V8's
   * own rule. Applied when the gateway runs as its own process (main.ts). A gateway's heap is mostly
   * its connections: with V8's rule a connect storm's garbage stays resident (10-22 KB RSS per idle
   * connection at 20,000 in the bench); at 20 it is 6-7 KB, for about 1% more CPU under churn.
   */
  heapGrowingPercent: number;
  /** How long before a connection's access token expires the client is told (tokenExpiring), in ms. */
  tokenExpiryNoticeMs: number;
  /** Browser origins that may open the WebSocket; absent: any (see ws/origin-check.ts). */
  allowedOrigins?: OriginRule[];
}

export const devAccessTokenSecret = devSecrets.accessToken;

export function loadGatewayConfig(env: Env): GatewayConfig {
  const dev = envBool(env, 'RTCROOM_DEV', false);
  const pingIntervalMs = envInt(env, 'GATEWAY_PING_INTERVAL_MS', 1500, { min: 100, max: 60_000 });
  return {
    address: envAddress(env, 'GATEWAY_ADDRESS', '127.0.0.1:8787'),
    gatewayId: envString(env, 'GATEWAY_ID', newId('gw')),
    logLevel: envLogLevel(env),
    accessTokenKeys: loadAccessTokenKeys(env, devAccessTokenSecret),
    tracing: loadTracingConfig(env),
    roomServiceAddress: envString(env, 'ROOM_SERVICE_ADDRESS', '127.0.0.1:50051'),
    presenceServiceAddress: envString(env, 'PRESENCE_SERVICE_ADDRESS', '127.0.0.1:50052'),
    urlIssuerAddress: envString(env, 'URL_ISSUER_ADDRESS', '127.0.0.1:50053'),
    natsUrl: envServerUrl(env, 'NATS_URL'),
    grpcSecurity: loadGrpcSecurity(env, 'gateway'),
    grpcMux: loadGrpcMuxLimits(env),
    pingIntervalMs,
    pingTimeoutMs: envInt(env, 'GATEWAY_PING_TIMEOUT_MS', 4000, { min: pingIntervalMs, max: 300_000 }),
    drainHoldMs: envInt(env, 'GATEWAY_DRAIN_HOLD_MS', 5000, { min: 0, max: 10_000 }),
    keepAliveIntervalMs: envInt(env, 'GATEWAY_KEEPALIVE_INTERVAL_MS', 1000, { min: 100, max: 60_000 }),
    presenceBatchMs: envInt(env, 'GATEWAY_PRESENCE_BATCH_MS', 20, { min: 0, max: 1000 }),
    maxOpening: envInt(env, 'GATEWAY_MAX_OPENING', 128, { min: 1, max: 10_000 }),
    maxOpenWaitMs: envInt(env, 'GATEWAY_MAX_OPEN_WAIT_MS', 20_000, { min: 0, max: 60_000 }),
    maxFrameBytes: envInt(env, 'GATEWAY_MAX_FRAME_BYTES', 64 * 1024, { min: 1024, max: 16 * 1024 * 1024 }),
    maxBufferedBytes: envInt(env, 'GATEWAY_MAX_BUFFERED_BYTES', 1024 * 1024, { min: 64 * 1024, max: 256 * 1024 * 1024 }),
    devEndpoints: dev,
    consoleDir: envOptional(env, 'GATEWAY_CONSOLE_DIR'),
    rateLimitPerSecond: envInt(env, 'GATEWAY_RATE_LIMIT_PER_SECOND', 20, { min: 1, max: 10_000 }),
    rateLimitBurst: envInt(env, 'GATEWAY_RATE_LIMIT_BURST', 40, { min: 1, max: 100_000 }),
    grpcAddress: envAddress(env, 'GATEWAY_GRPC_ADDRESS', '127.0.0.1:50054'),
    metricsAddress: envMetricsAddress(env, 'GATEWAY_METRICS_ADDRESS', '127.0.0.1:9464'),
    heapGrowingPercent: envInt(env, 'GATEWAY_HEAP_GROWING_PERCENT', 20, { min: 0, max: 1000 }),
    tokenExpiryNoticeMs: envInt(env, 'GATEWAY_TOKEN_EXPIRY_NOTICE_SECONDS', 60, { min: 1, max: 86_400 }) * 1000,
    allowedOrigins: loadAllowedOrigins(env),
  };
}

function loadAllowedOrigins(env: Env): OriginRule[] | undefined {
  const raw = envOptional(env, 'GATEWAY_ALLOWED_ORIGINS');
  return raw === undefined ? undefined : parseOriginRules('GATEWAY_ALLOWED_ORIGINS', raw);
}
