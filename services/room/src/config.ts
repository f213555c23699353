// The room service's configuration, read once from the environment.
import { envAddress, envBool, envInt, envOptional, Env, envServerUrl, envString, GrpcMuxLimits, GrpcSecurity, loadGrpcMuxLimits, loadGrpcSecurity, envLogLevel, LogLevel, envMetricsAddress, loadTracingConfig, TracingConfig } from '@rtcroom/common';
import type { MessageLimits } from './messages/domain/room-message';
import { parseWebhookAllowList, WebhookAllowList } from './webhooks/webhook-target';

export interface RoomConfig {
  grpcAddress: string;
  /** Where /metrics is served (Prometheus); undefined: ROOM_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  /** Mutual TLS for its server and its clients (absent in development). */
  grpcSecurity: GrpcSecurity;
  /** How its gRPC server bounds each caller's mux stream (calls in flight, default deadline). */
  grpcMux: GrpcMuxLimits;
  logLevel: LogLevel;
  /** OpenTelemetry (OTEL_*): off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
  /** Absent: the embedded PGlite (development, or RTCROOM_EMBEDDED=true). */
  databaseUrl?: string;
  databasePoolSize: number;
  /** PGlite's directory when databaseUrl is absent; absent too means in memory. */
  embeddedDataDir?: string;
  /** Absent: an in-process bus (only useful when every service runs in this process; development or RTCROOM_EMBEDDED=true). */
  natsUrl?: string;
  /** Copies of each JetStream stream (and bucket) this service makes, on a NATS cluster: 1, 3 or 5 (NATS_REPLICAS). */
  natsReplicas: number;
  urlIssuerAddress: string;
  /** Presence, asked whether a callee is connected. */
  presenceServiceAddress: string;
  defaultRingTimeoutSeconds: number;
  defaultMaxMembers: number;
  maxMembersCap: number;
  defaultEmptyTimeoutSeconds: number;
  defaultDepartureTimeoutSeconds: number;
  /** How often room and call timeouts are checked. */
  autoCloseIntervalMs: number;
  /** Service desk: the handling time queue estimates assume until a team has figures of its own. */
  deskDefaultHandlingSeconds: number;
  /** How often the outbox relay reads the store unasked (other instances also NOTIFY it). */
  outboxPollIntervalMs: number;
  /** Into how many shards the outbox relays split the rooms (each instance's relay owns a share). */
  outboxShards: number;
  webhookPollIntervalMs: number;
  /** First retry delay of a failed webhook delivery; it doubles up to 60 s. */
  webhookMinBackoffMs: number;
  /** Failed attempts at one event before it is parked as a dead letter. */
  webhookMaxAttempts: number;
  /** Loopback, private and other special addresses webhooks may be sent to nonetheless. */
  webhookAllowList: WebhookAllowList;
  /** The durable NATS consumer of finished recordings, shared by room-service replicas. */
  recordingsConsumerName: string;
  /** Room messages: sizes, history kept per room, the per-sender rate, whether every room's go to webhooks. */
  messages: MessageLimits;
}

export function loadRoomConfig(env: Env): RoomConfig {
  const maxMembersCap = envInt(env, 'ROOM_MAX_MEMBERS_CAP', 50, { min: 2, max: 1000 });
  return {
    grpcAddress: envAddress(env, 'ROOM_GRPC_ADDRESS', '127.0.0.1:50051'),
    metricsAddress: envMetricsAddress(env, 'ROOM_METRICS_ADDRESS', '127.0.0.1:9461'),
    grpcSecurity: loadGrpcSecurity(env, 'room'),
    grpcMux: loadGrpcMuxLimits(env),
    logLevel: envLogLevel(env),
    tracing: loadTracingConfig(env),
    databaseUrl: envServerUrl(env, 'DATABASE_URL'),
    databasePoolSize: envInt(env, 'DATABASE_POOL_SIZE', 20, { min: 1, max: 200 }),
    embeddedDataDir: envOptional(env, 'EMBEDDED_DATA_DIR'),
    natsUrl: envServerUrl(env, 'NATS_URL'),
    natsReplicas: envInt(env, 'NATS_REPLICAS', 1, { min: 1, max: 5 }),
    urlIssuerAddress: envString(env, 'URL_ISSUER_ADDRESS', '127.0.0.1:50053'),
    presenceServiceAddress: envString(env, 'PRESENCE_SERVICE_ADDRESS', '127.0.0.1:50052'),
    defaultRingTimeoutSeconds: envInt(env, 'CALL_RING_TIMEOUT_SECONDS', 30, { min: 1, max: 300 }),
    defaultMaxMembers: envInt(env, 'ROOM_DEFAULT_MAX_MEMBERS', 6, { min: 1, max: maxMembersCap }),
    maxMembersCap,
    defaultEmptyTimeoutSeconds: envInt(env, 'ROOM_DEFAULT_EMPTY_TIMEOUT_SECONDS', 300, { min: 1, max: 7 * 24 * 3600 }),
    defaultDepartureTimeoutSeconds: envInt(env, 'ROOM_DEFAULT_DEPARTURE_TIMEOUT_SECONDS', 20, { min: 1, max: 7 * 24 * 3600 }),
    autoCloseIntervalMs: envInt(env, 'ROOM_AUTO_CLOSE_INTERVAL_MS', 1000, { min: 50, max: 60_000 }),
    deskDefaultHandlingSeconds: envInt(env, 'DESK_DEFAULT_HANDLING_SECONDS', 120, { min: 1, max: 7200 }),
    outboxPollIntervalMs: envInt(env, 'ROOM_OUTBOX_POLL_INTERVAL_MS', 500, { min: 10, max: 600_000 }),
    outboxShards: envInt(env, 'ROOM_OUTBOX_SHARDS', 16, { min: 1, max: 1024 }),
    webhookPollIntervalMs: envInt(env, 'ROOM_WEBHOOK_POLL_INTERVAL_MS', 500, { min: 50, max: 60_000 }),
    webhookMinBackoffMs: envInt(env, 'ROOM_WEBHOOK_MIN_BACKOFF_MS', 1000, { min: 10, max: 60_000 }),
    webhookMaxAttempts: envInt(env, 'ROOM_WEBHOOK_MAX_ATTEMPTS', 20, { min: 1, max: 1000 }),
    webhookAllowList: parseWebhookAllowList('ROOM_WEBHOOK_ALLOWED_HOSTS', envOptional(env, 'ROOM_WEBHOOK_ALLOWED_HOSTS')),
    recordingsConsumerName: envString(env, 'ROOM_RECORDINGS_CONSUMER', 'room-recordings'),
    messages: {
      maxTextLength: envInt(env, 'ROOM_MESSAGE_MAX_TEXT', 500, { min: 1, max: 65_536 }),
      maxPayloadBytes: envInt(env, 'ROOM_MESSAGE_MAX_PAYLOAD_BYTES', 4096, { min: 1, max: 65_536 }),
      maxRecipients: envInt(env, 'ROOM_MESSAGE_MAX_RECIPIENTS', 20, { min: 1, max: 1000 }),
      history: envInt(env, 'ROOM_MESSAGE_HISTORY', 50, { min: 1, max: 1000 }),
      ratePerSecond: envInt(env, 'ROOM_MESSAGE_RATE', 5, { min: 1, max: 1000 }),
      burst: envInt(env, 'ROOM_MESSAGE_BURST', 10, { min: 1, max: 10_000 }),
      webhooks: envBool(env, 'ROOM_MESSAGE_WEBHOOKS', false),
    },
  };
}
