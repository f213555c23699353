// Starts all four services in this process: the embedded default when DATABASE_URL / NATS_URL are
// unset (PGlite and an in-process bus), the real servers when they are set. Services call each other
// in-process (InProcessHub: the same handlers, callers, errors, deadlines and metadata as over gRPC,
// without the network); each still serves gRPC on its port for everyone else. With
// RTCROOM_INPROCESS_CALLS=off they call each other over gRPC on loopback, exactly as when each runs
// alone. With RTCROOM_CERTS_DIR (the output of `npm run certs`) each has its own certificate: mutual
// TLS over the network, and in-process the role its certificate names.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import {
  ConfigError,
  createLogger,
  Env,
  EventBus,
  GrpcListener,
  InProcessHub,
  InMemoryEventBus,
  listenGrpc,
  loadGrpcSecurity,
  loadTracingConfig,
  Logger,
  LogLevel,
  envLogLevel,
  RunningTracing,
  startTracing,
  tracingEnabled,
} from '@rtcroom/common';
import { loadGatewayConfig, startGateway } from '@rtcroom/gateway';
import { loadPresenceConfig, startPresenceService } from '@rtcroom/presence';
import { loadRoomConfig, startRoomService } from '@rtcroom/room';
import { loadUrlIssuerConfig, startUrlIssuer } from '@rtcroom/url-issuer';

export interface RunningSystem {
  gatewayUrl: string;
  gatewayAddress: string;
  /** The gateway's internal gRPC port (TokenService). */
  gatewayGrpcAddress: string;
  /** The room service's gRPC address (RoomService, CallService, DeskService, WebhookService). */
  roomGrpcAddress: string;
  /** Presence's gRPC address. */
  presenceGrpcAddress: string;
  /** The url-issuer's gRPC address (signing, recordings). */
  urlIssuerAddress: string;
  /** host:port where media servers' hooks and callbacks go (point nginx-rtmp's on_* here). */
  mediaHooksAddress: string;
  /** Where each service serves /metrics (absent: that service's <SERVICE>_METRICS_ADDRESS=off). */
  metricsAddresses: { room?: string; presence?: string; urlIssuer?: string; gateway?: string };
  embeddedDatabase: boolean;
  embeddedBus: boolean;
  /** The certificates directory the services use for mutual TLS (RTCROOM_CERTS_DIR), if any. */
  certsDir?: string;
  /** Where the web console is served (when GATEWAY_CONSOLE_DIR is set). */
  consoleUrl?: string;
  stop(): Promise<void>;
}

/** The web console as `npm run build` leaves it (packages/console/dist), when it has been built. */
export function builtConsoleDir(): string | undefined {
  const dir = resolve(__dirname, '../../console/dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

export interface StartAllOptions {
  /** Base environment (default process.env); RTCROOM_DEV defaults to true here. */
  env?: Env;
  /** Listen on ports the system picks (port 0) instead of the configured ones (tests). */
  ephemeralPorts?: boolean;
  logLevel?: LogLevel;
  /** Each log line (JSON, no newline) instead of stderr: for tests that read the log. */
  logWrite?: (line: string) => void;
  /** Services call each other in-process (default: unless RTCROOM_INPROCESS_CALLS=off); false: gRPC on loopback. */
  inProcessCalls?: boolean;
}

/**
 * Starts the system. With ephemeral ports every listener binds port 0, and the gRPC ports of the
 * services that call each other (room <-> presence, room <-> url-issuer) are bound before any service
 * starts, so each is handed the others' real addresses: no port is picked free and bound later, when
 * another process may have taken it.
 */
export async function startAll(options: StartAllOptions = {}): Promise<RunningSystem> {
  const env: Env = { RTCROOM_DEV: 'true', ...(options.env ?? process.env) };
  // Side by side with other systems on one NATS (tests), presence keeps its sessions in its own bucket.
  const privateBucket = options.ephemeralPorts && env.NATS_URL && !env.PRESENCE_KV_BUCKET ? `presence_${randomBytes(5).toString('hex')}` : undefined;
  if (privateBucket) env.PRESENCE_KV_BUCKET = privateBucket;
  const level = options.logLevel ?? envLogLevel(env);
  const log = (service: string): Logger => createLogger({ service }, level, options.logWrite);
  // Each service presents its own certificate: the role in its CN is what the others admit.
  const certsDir = env.RTCROOM_CERTS_DIR ? resolve(env.RTCROOM_CERTS_DIR) : undefined;
  const tls = (role: string): Env =>
    certsDir ? { GRPC_TLS_CA: join(certsDir, 'ca.crt'), GRPC_TLS_CERT: join(certsDir, `${role}.crt`), GRPC_TLS_KEY: join(certsDir, `${role}.key`) } : {};
  // One in-process bus shared by every service, unless a real NATS is configured.
  const sharedBus: EventBus | undefined = env.NATS_URL ? undefined : new InMemoryEventBus();
  const inproc = (options.inProcessCalls ?? inProcessCallsByDefault(env)) ? new InProcessHub() : undefined;
  const listeners: GrpcListener[] = [];
  const stops: (() => Promise<void>)[] = [];
  // One process, one service.name for all four (OTEL_SERVICE_NAME, else rtcroom); the spans' names say
  // which service made them. Started once per process (a test may start several systems).
  const tracing: RunningTracing | undefined = tracingEnabled() ? undefined : await startTracing('rtcroom', loadTracingConfig(env), log('tracing'));
  if (tracing) stops.push(() => tracing.shutdown());
  try {
    // A port the others must be told is bound first: every one with ephemeral ports, and any configured
    // as port 0 (`ROOM_GRPC_ADDRESS=127.0.0.1:0 npm run up`, a test that spawns the start command).
    const bindFirst = async (role: string, variable: string, fallback: string) => {
      const configured = env[variable] ?? fallback;
      const at = options.ephemeralPorts ? '127.0.0.1:0' : configured.endsWith(':0') ? configured : undefined;
      if (at === undefined) return { address: configured, listener: undefined };
      const listener = await listenGrpc(at, loadGrpcSecurity({ ...env, ...tls(role) }, role));
      listeners.push(listener);
      return { address: listener.address, listener };
    };
    const urlsPort = await bindFirst('url-issuer', 'URL_ISSUER_GRPC_ADDRESS', '127.0.0.1:50053');
    const roomPort = await bindFirst('room', 'ROOM_GRPC_ADDRESS', '127.0.0.1:50051');
    const presencePort = await bindFirst('presence', 'PRESENCE_GRPC_ADDRESS', '127.0.0.1:50052');
    const addr = { urls: urlsPort.address, room: roomPort.address, presence: presencePort.address };
    const bound = { urls: urlsPort.listener, room: roomPort.listener, presence: presencePort.listener };
    // Nobody calls these: they bind port 0 and say where they are (a test that starts nginx reads
    // mediaHooksAddress back for its hooks).
    const own = (name: string, fallback: string) => (options.ephemeralPorts ? '127.0.0.1:0' : env[name] ?? fallback);
    // Each service keeps its own metrics listener (and registry) here too, so what Prometheus scrapes
    // is the same per service whether they share a process or not; off stays off.
    const metricsAt = (name: string, fallback: string) => (env[name] === 'off' ? 'off' : own(name, fallback));
    const urls = await startUrlIssuer(
      loadUrlIssuerConfig({
        ...env,
        ...tls('url-issuer'),
        URL_ISSUER_GRPC_ADDRESS: addr.urls,
        URL_ISSUER_HTTP_ADDRESS: own('URL_ISSUER_HTTP_ADDRESS', '127.0.0.1:8790'),
        URL_ISSUER_METRICS_ADDRESS: metricsAt('URL_ISSUER_METRICS_ADDRESS', '127.0.0.1:9463'),
        ROOM_SERVICE_ADDRESS: addr.room,
      }),
      log('url-issuer'),
      { bus: sharedBus, grpcListener: bound.urls, inproc },
    );
    stops.push(urls.stop);
    const room = await startRoomService(
      loadRoomConfig({ ...env, ...tls('room'), ROOM_METRICS_ADDRESS: metricsAt('ROOM_METRICS_ADDRESS', '127.0.0.1:9461'), ROOM_GRPC_ADDRESS: addr.room, URL_ISSUER_ADDRESS: addr.urls, PRESENCE_SERVICE_ADDRESS: addr.presence }),
      log('room'),
      { bus: sharedBus, grpcListener: bound.room, inproc },
    );
    stops.push(room.stop);
    const presence = await startPresenceService(
      loadPresenceConfig({ ...env, ...tls('presence'), PRESENCE_METRICS_ADDRESS: metricsAt('PRESENCE_METRICS_ADDRESS', '127.0.0.1:9462'), PRESENCE_GRPC_ADDRESS: addr.presence, ROOM_SERVICE_ADDRESS: addr.room }),
      log('presence'),
      { bus: sharedBus, grpcListener: bound.presence, inproc },
    );
    stops.push(presence.stop);
    const gateway = await startGateway(
      loadGatewayConfig({
        ...env,
        ...tls('gateway'),
        GATEWAY_ADDRESS: own('GATEWAY_ADDRESS', '127.0.0.1:8787'),
        GATEWAY_GRPC_ADDRESS: own('GATEWAY_GRPC_ADDRESS', '127.0.0.1:50054'),
        GATEWAY_METRICS_ADDRESS: metricsAt('GATEWAY_METRICS_ADDRESS', '127.0.0.1:9464'),
        ROOM_SERVICE_ADDRESS: addr.room,
        PRESENCE_SERVICE_ADDRESS: addr.presence,
        URL_ISSUER_ADDRESS: addr.urls,
        // The four stop together: no presence stays to take a session over, so the drain holds none
        // (set it where several such processes share NATS and Postgres behind one address).
        GATEWAY_DRAIN_HOLD_MS: env.GATEWAY_DRAIN_HOLD_MS ?? '0',
      }),
      log('gateway'),
      { bus: sharedBus, inproc },
    );
    stops.push(gateway.stop);
    return {
      gatewayUrl: gateway.url,
      gatewayAddress: gateway.address,
      gatewayGrpcAddress: gateway.grpcAddress,
      roomGrpcAddress: room.grpcAddress,
      presenceGrpcAddress: presence.grpcAddress,
      urlIssuerAddress: urls.grpcAddress,
      mediaHooksAddress: urls.httpAddress,
      metricsAddresses: { room: room.metricsAddress, presence: presence.metricsAddress, urlIssuer: urls.metricsAddress, gateway: gateway.metricsAddress },
      embeddedDatabase: !env.DATABASE_URL,
      embeddedBus: !env.NATS_URL,
      certsDir,
      consoleUrl: env.GATEWAY_CONSOLE_DIR ? `http://${gateway.address}/console/` : undefined,
      stop: async () => {
        await stopAll(stops, sharedBus);
        if (privateBucket) await deleteKvBucket(env.NATS_URL!, privateBucket);
      },
    };
  } catch (err) {
    await stopAll(stops, sharedBus);
    // Ports bound for services that never started (a served one is already shut down: no harm).
    for (const l of listeners) l.close();
    throw err;
  }
}

/** RTCROOM_INPROCESS_CALLS: `on` (default) or `off`; anything else stops the start naming the variable. */
export function inProcessCallsByDefault(env: Env): boolean {
  const value = env.RTCROOM_INPROCESS_CALLS ?? 'on';
  if (value !== 'on' && value !== 'off') throw new ConfigError('RTCROOM_INPROCESS_CALLS', `must be on or off, got "${value}"`);
  return value === 'on';
}

async function stopAll(stops: (() => Promise<void>)[], bus: EventBus | undefined): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await bus?.close();
}

async function deleteKvBucket(natsUrl: string, bucket: string): Promise<void> {
  const nc = await connect({ servers: natsUrl.split(',') });
  try {
    await (await nc.jetstreamManager()).streams.delete(`KV_${bucket}`);
  } catch {
    // already gone
  } finally {
    await nc.close();
  }
}
