// The command's environment, read once: where the services are and how to reach them. Flags given on
// the command line win over these (see connection.ts).
import { accessSync, constants } from 'node:fs';
import { ConfigError, Env, envAddress, envBool, loadGrpcClientTls, GrpcTlsConfig } from '@rtcroom/common';

export interface CliEnvironment {
  /** The room service (RoomService, WebhookService, DeskService). */
  roomServiceAddress: string;
  /** The gateway's internal gRPC port (TokenService). */
  tokenServiceAddress: string;
  /** GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY: an internal certificate; undefined when none is set. */
  tls: GrpcTlsConfig | undefined;
  /** RTCROOM_GRPC_INSECURE=true: plain gRPC to any address (a service mesh does mutual TLS). */
  insecure: boolean;
}

export function loadCliEnvironment(env: Env = process.env): CliEnvironment {
  return {
    roomServiceAddress: envAddress(env, 'ROOM_SERVICE_ADDRESS', '127.0.0.1:50051'),
    tokenServiceAddress: envAddress(env, 'TOKEN_SERVICE_ADDRESS', '127.0.0.1:50054'),
    tls: readable(loadGrpcClientTls(env)),
    insecure: envBool(env, 'RTCROOM_GRPC_INSECURE', false),
  };
}

/** The TLS files, checked now: gRPC would only say "failed to load credentials" on the first call. */
function readable(tls: GrpcTlsConfig | undefined): GrpcTlsConfig | undefined {
  if (!tls) return undefined;
  const files: [string, string | undefined][] = [['GRPC_TLS_CA', tls.caFile], ['GRPC_TLS_CERT', tls.certFile], ['GRPC_TLS_KEY', tls.keyFile]];
  for (const [variable, path] of files) {
    if (path === undefined) continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      throw new ConfigError(variable, `cannot be read: ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
  }
  return tls;
}

export { ConfigError };
