// Starts all four services in this process: the embedded default when DATABASE_URL / NATS_URL are
// unset (PGlite and an in-process bus), the real servers when they are set. Services still talk to
// each other over gRPC on loopback, exactly as when each runs alone.
import { createLogger, Env, EventBus, InMemoryEventBus, Logger, LogLevel, parseLogLevel } from '@rtcroom/common';
import { loadGatewayConfig, startGateway } from '@rtcroom/gateway';
import { loadPresenceConfig, startPresenceService } from '@rtcroom/presence';
import { loadRoomConfig, startRoomService } from '@rtcroom/room';
import { loadUrlIssuerConfig, startUrlIssuer } from '@rtcroom/url-issuer';

export interface RunningSystem {
  gatewayUrl: string;
  gatewayAddress: string;
  embeddedDatabase: boolean;
  embeddedBus: boolean;
  stop(): Promise<void>;
}

export interface StartAllOptions {
  /** Base environment (default process.env); RTCROOM_DEV defaults to true here. */
  env?: Env;
  /** Pick free ports instead of the defaults (tests). */
  ephemeralPorts?: boolean;
  logLevel?: LogLevel;
}

export async function startAll(options: StartAllOptions = {}): Promise<RunningSystem> {
  const env: Env = { RTCROOM_DEV: 'true', ...(options.env ?? process.env) };
  const level = options.logLevel ?? parseLogLevel(env.LOG_LEVEL);
  const log = (service: string): Logger => createLogger({ service }, level);
  const port = (name: string, fallback: string) => (options.ephemeralPorts ? '127.0.0.1:0' : env[name] ?? fallback);
  // One in-process bus shared by every service, unless a real NATS is configured.
  const sharedBus: EventBus | undefined = env.NATS_URL ? undefined : new InMemoryEventBus();
  const stops: (() => Promise<void>)[] = [];
  try {
    const urls = await startUrlIssuer(loadUrlIssuerConfig({ ...env, URL_ISSUER_GRPC_ADDRESS: port('URL_ISSUER_GRPC_ADDRESS', '127.0.0.1:50053') }), log('url-issuer'));
    stops.push(urls.stop);
    const room = await startRoomService(
      loadRoomConfig({ ...env, ROOM_GRPC_ADDRESS: port('ROOM_GRPC_ADDRESS', '127.0.0.1:50051'), URL_ISSUER_ADDRESS: urls.grpcAddress }),
      log('room'),
      { bus: sharedBus },
    );
    stops.push(room.stop);
    const presence = await startPresenceService(
      loadPresenceConfig({ ...env, PRESENCE_GRPC_ADDRESS: port('PRESENCE_GRPC_ADDRESS', '127.0.0.1:50052'), ROOM_SERVICE_ADDRESS: room.grpcAddress }),
      log('presence'),
    );
    stops.push(presence.stop);
    const gateway = await startGateway(
      loadGatewayConfig({
        ...env,
        GATEWAY_ADDRESS: port('GATEWAY_ADDRESS', '127.0.0.1:8787'),
        ROOM_SERVICE_ADDRESS: room.grpcAddress,
        PRESENCE_SERVICE_ADDRESS: presence.grpcAddress,
        URL_ISSUER_ADDRESS: urls.grpcAddress,
      }),
      log('gateway'),
      { bus: sharedBus },
    );
    stops.push(gateway.stop);
    return {
      gatewayUrl: gateway.url,
      gatewayAddress: gateway.address,
      embeddedDatabase: !env.DATABASE_URL,
      embeddedBus: !env.NATS_URL,
      stop: () => stopAll(stops, sharedBus),
    };
  } catch (err) {
    await stopAll(stops, sharedBus);
    throw err;
  }
}

async function stopAll(stops: (() => Promise<void>)[], bus: EventBus | undefined): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await bus?.close();
}
