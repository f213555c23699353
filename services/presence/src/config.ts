// Presence's configuration, read once from the environment.
import { ConfigError, envAddress, envInt, envOptional, Env, envServerUrl, envString, GrpcMuxLimits, GrpcSecurity, loadGrpcMuxLimits, loadGrpcSecurity, envLogLevel, LogLevel, envMetricsAddress, loadTracingConfig, TracingConfig } from '@rtcroom/common';

export interface PresenceConfig {
  grpcAddress: string;
  /** Where /metrics is served (Prometheus); undefined: PRESENCE_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  /** Mutual TLS for its server and its clients (absent in development). */
  grpcSecurity: GrpcSecurity;
  /** How its gRPC server bounds each caller's mux stream (calls in flight, default deadline). */
  grpcMux: GrpcMuxLimits;
  logLevel: LogLevel;
  /** OpenTelemetry (OTEL_*): off unless an OTLP endpoint is set. */
  tracing: TracingConfig;
  roomServiceAddress: string;
  /** A gateway silent this long has lost its connections: its sessions are interrupted. */
  sessionTimeoutMs: number;
  /** How long a dropped session keeps its seats, waiting to be resumed. */
  resumeGraceMs: number;
  /** Absent: an in-process bus (media facts reach presence only when every service runs in this process; development or RTCROOM_EMBEDDED=true). */
  natsUrl?: string;
  /** Copies of each JetStream stream this service makes and of its session bucket, on a NATS cluster: 1, 3 or 5 (NATS_REPLICAS). */
  natsReplicas: number;
  /** The NATS key-value bucket sessions live in (one per deployment: every presence instance shares it). */
  kvBucket: string;
  /** The durable JetStream consumer of media facts, shared by presence replicas. */
  mediaConsumerName: string;
  /** How long a closed session's delete marker stays in the bucket before it is purged. */
  kvTombstoneMs: number;
}

export function loadPresenceConfig(env: Env): PresenceConfig {
  const mediaConsumerName = envString(env, 'PRESENCE_MEDIA_CONSUMER', 'presence-media');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(mediaConsumerName)) {
    throw new ConfigError('PRESENCE_MEDIA_CONSUMER', `must be 1-64 of A-Z a-z 0-9 _ -, got "${mediaConsumerName}"`);
  }
  return {
    grpcAddress: envAddress(env, 'PRESENCE_GRPC_ADDRESS', '127.0.0.1:50052'),
    metricsAddress: envMetricsAddress(env, 'PRESENCE_METRICS_ADDRESS', '127.0.0.1:9462'),
    grpcSecurity: loadGrpcSecurity(env, 'presence'),
    grpcMux: loadGrpcMuxLimits(env),
    logLevel: envLogLevel(env),
    tracing: loadTracingConfig(env),
    roomServiceAddress: envString(env, 'ROOM_SERVICE_ADDRESS', '127.0.0.1:50051'),
    sessionTimeoutMs: envInt(env, 'PRESENCE_SESSION_TIMEOUT_MS', 4000, { min: 300, max: 600_000 }),
    resumeGraceMs: envInt(env, 'PRESENCE_RESUME_GRACE_MS', 20_000, { min: 0, max: 3_600_000 }),
    natsUrl: envServerUrl(env, 'NATS_URL'),
    natsReplicas: envInt(env, 'NATS_REPLICAS', 1, { min: 1, max: 5 }),
    kvBucket: envString(env, 'PRESENCE_KV_BUCKET', 'rtcroom_presence'),
    mediaConsumerName,
    kvTombstoneMs: envInt(env, 'PRESENCE_KV_TOMBSTONE_MS', 300_000, { min: 1000, max: 7 * 24 * 3600_000 }),
  };
}
