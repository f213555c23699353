// Wires presence: bus -> session store (NATS KV, or memory) -> room client -> use cases -> gRPC;
// bus -> media facts consumer.
import { EventBus, exportConsumers, grpcMetrics, GrpcListener, Logger, NatsEventBus, openEventBus, serveMetrics, ServiceMetrics, startGrpcServer, InProcessHub } from '@rtcroom/common';
import { PresenceConfig } from './config';
import { PresenceApp } from './presence-app';
import { presenceMetrics } from './presence-metrics';
import { NatsKvSessionStore } from './store/nats-kv-session-store';
import { InMemorySessionStore, SessionStore } from './store/session-store';
import { grpcStreamStatePort, startMediaEventsConsumer } from './transport/media-events.consumer';
import { presenceGrpcBinding } from './transport/presence.grpc';
import { grpcRoomPort } from './transport/room.client';

export interface RunningPresenceService {
  grpcAddress: string;
  /** Where /metrics is served; undefined with PRESENCE_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

export interface PresenceServiceDeps {
  /** A bus shared with other in-process services (the embedded default); else one is opened from config. */
  bus?: EventBus;
  /** Its gRPC port, bound beforehand (startAll binds port 0 and hands the address to the peers); else config.grpcAddress. */
  grpcListener?: GrpcListener;
  /** The services sharing this process (startAll): calls to them, and theirs to this one, run in-process. */
  inproc?: InProcessHub;
}

export async function startPresenceService(config: PresenceConfig, logger: Logger, deps: PresenceServiceDeps = {}): Promise<RunningPresenceService> {
  const tls = config.grpcSecurity.tls;
  const metrics = new ServiceMetrics('presence');
  const grpcCalls = grpcMetrics(metrics);
  const rooms = grpcRoomPort(config.roomServiceAddress, tls, grpcCalls, deps.inproc);
  // Presence publishes to no stream, so it declares none; its media consumer binds to MEDIA_EVENTS.
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, 'rtcroom-presence', [], logger, { replicas: config.natsReplicas }));
  // With NATS, sessions live in a shared bucket: every presence instance sees them, and a restart keeps them.
  const store: SessionStore = bus instanceof NatsEventBus ? await NatsKvSessionStore.open(bus.connection, config.kvBucket, { tombstoneMs: config.kvTombstoneMs, replicas: config.natsReplicas }) : new InMemorySessionStore();
  const app = new PresenceApp(store, rooms, logger, { sessionTimeoutMs: config.sessionTimeoutMs, resumeGraceMs: config.resumeGraceMs });
  app.start();
  const streamState = grpcStreamStatePort(config.roomServiceAddress, tls, grpcCalls, deps.inproc);
  const media = await startMediaEventsConsumer(bus, streamState, logger, { durableName: config.mediaConsumerName });
  const grpc = await startGrpcServer(deps.grpcListener ?? config.grpcAddress, [presenceGrpcBinding(app)], logger, config.grpcSecurity, config.grpcMux, grpcCalls, deps.inproc);
  exportConsumers(metrics, () => [media]);
  presenceMetrics(metrics, store);
  const metricsServer = await serveMetrics(config.metricsAddress, metrics, logger).catch(async (err) => {
    await grpc.stop();
    throw err;
  });
  return {
    grpcAddress: grpc.address,
    metricsAddress: metricsServer?.address,
    metrics,
    // Health goes NOT_SERVING and the calls in flight finish first (they need the store, and so the
    // bus, which the store's bucket lives on); then the media consumer drains; the connections last.
    async stop() {
      await grpc.stop();
      await media.stop();
      await app.stop();
      await store.close();
      streamState.close();
      if (!deps.bus) await bus.close();
      rooms.close();
      await metricsServer?.stop();
    },
  };
}
