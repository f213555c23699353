// Presence's configuration, read once from the environment.
import { ConfigError, envAddress, envInt, envOptional, Env, envString, parseLogLevel, LogLevel } from '@rtcroom/common';

export interface PresenceConfig {
  grpcAddress: string;
  logLevel: LogLevel;
  roomServiceAddress: string;
  /** A session no gateway has kept alive for this long is gone (its seats are given up). */
  sessionTimeoutMs: number;
  /** Absent: an in-process bus (media facts reach presence only when every service runs in this process). */
  natsUrl?: string;
  /** The durable JetStream consumer of media facts, shared by presence replicas. */
  mediaConsumerName: string;
}

export function loadPresenceConfig(env: Env): PresenceConfig {
  const mediaConsumerName = envString(env, 'PRESENCE_MEDIA_CONSUMER', 'presence-media');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(mediaConsumerName)) {
    throw new ConfigError('PRESENCE_MEDIA_CONSUMER', `must be 1-64 of A-Z a-z 0-9 _ -, got "${mediaConsumerName}"`);
  }
  return {
    grpcAddress: envAddress(env, 'PRESENCE_GRPC_ADDRESS', '127.0.0.1:50052'),
    logLevel: parseLogLevel(envOptional(env, 'LOG_LEVEL')),
    roomServiceAddress: envString(env, 'ROOM_SERVICE_ADDRESS', '127.0.0.1:50051'),
    sessionTimeoutMs: envInt(env, 'PRESENCE_SESSION_TIMEOUT_MS', 10_000, { min: 500, max: 600_000 }),
    natsUrl: envOptional(env, 'NATS_URL'),
    mediaConsumerName,
  };
}
