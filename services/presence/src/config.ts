// Presence's configuration, read once from the environment.
import { envAddress, envInt, envOptional, Env, envString, parseLogLevel, LogLevel } from '@rtcroom/common';

export interface PresenceConfig {
  grpcAddress: string;
  logLevel: LogLevel;
  roomServiceAddress: string;
  /** A session no gateway has kept alive for this long is gone (its seats are given up). */
  sessionTimeoutMs: number;
}

export function loadPresenceConfig(env: Env): PresenceConfig {
  return {
    grpcAddress: envAddress(env, 'PRESENCE_GRPC_ADDRESS', '127.0.0.1:50052'),
    logLevel: parseLogLevel(envOptional(env, 'LOG_LEVEL')),
    roomServiceAddress: envString(env, 'ROOM_SERVICE_ADDRESS', '127.0.0.1:50051'),
    sessionTimeoutMs: envInt(env, 'PRESENCE_SESSION_TIMEOUT_MS', 10_000, { min: 500, max: 600_000 }),
  };
}
