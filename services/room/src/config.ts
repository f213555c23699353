// The room service's configuration, read once from the environment.
import { envAddress, envInt, envOptional, Env, envString, parseLogLevel, LogLevel } from '@rtcroom/common';

export interface RoomConfig {
  grpcAddress: string;
  logLevel: LogLevel;
  /** Absent: the embedded PGlite. */
  databaseUrl?: string;
  databasePoolSize: number;
  /** PGlite's directory when databaseUrl is absent; absent too means in memory. */
  embeddedDataDir?: string;
  /** Absent: an in-process bus (only useful when every service runs in this process). */
  natsUrl?: string;
  urlIssuerAddress: string;
  defaultMaxMembers: number;
  maxMembersCap: number;
}

export function loadRoomConfig(env: Env): RoomConfig {
  const maxMembersCap = envInt(env, 'ROOM_MAX_MEMBERS_CAP', 50, { min: 2, max: 1000 });
  return {
    grpcAddress: envAddress(env, 'ROOM_GRPC_ADDRESS', '127.0.0.1:50051'),
    logLevel: parseLogLevel(envOptional(env, 'LOG_LEVEL')),
    databaseUrl: envOptional(env, 'DATABASE_URL'),
    databasePoolSize: envInt(env, 'DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    embeddedDataDir: envOptional(env, 'EMBEDDED_DATA_DIR'),
    natsUrl: envOptional(env, 'NATS_URL'),
    urlIssuerAddress: envString(env, 'URL_ISSUER_ADDRESS', '127.0.0.1:50053'),
    defaultMaxMembers: envInt(env, 'ROOM_DEFAULT_MAX_MEMBERS', 6, { min: 1, max: maxMembersCap }),
    maxMembersCap,
  };
}
