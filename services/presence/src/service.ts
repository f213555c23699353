// Wires presence: bus -> session store (NATS KV, or memory) -> room client -> use cases -> gRPC;
// bus -> media facts consumer.
import { EventBus, GrpcListener, Logger, NatsEventBus, openEventBus, startGrpcServer } from '@rtcroom/common';
import { PresenceConfig } from './config';
import { PresenceApp } from './presence-app';
import { NatsKvSessionStore } from './store/nats-kv-session-store';
import { InMemorySessionStore, SessionStore } from './store/session-store';
import { grpcStreamStatePort, startMediaEventsConsumer } from './transport/media-events.consumer';
import { presenceGrpcBinding } from './transport/presence.grpc';
import { grpcRoomPort } from './transport/room.client';

export interface RunningPresenceService {
  grpcAddress: string;
  stop(): Promise<void>;
}

export interface PresenceServiceDeps {
  /** A bus shared with other in-process services (the embedded default); else one is opened from config. */
  bus?: EventBus;
  /** Its gRPC port, bound beforehand (startAll binds port 0 and hands the address to the peers); else config.grpcAddress. */
  grpcListener?: GrpcListener;
}

export async function startPresenceService(config: PresenceConfig, logger: Logger, deps: PresenceServiceDeps = {}): Promise<RunningPresenceService> {
  const tls = config.grpcSecurity.tls;
  const rooms = grpcRoomPort(config.roomServiceAddress, tls);
  // Presence publishes to no stream, so it declares none; its media consumer binds to MEDIA_EVENTS.
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, 'rtcroom-presence', [], logger, { replicas: config.natsReplicas }));
  // With NATS, sessions live in a shared bucket: every presence instance sees them, and a restart keeps them.
  const store: SessionStore = bus instanceof NatsEventBus ? await NatsKvSessionStore.open(bus.connection, config.kvBucket, { tombstoneMs: config.kvTombstoneMs, replicas: config.natsReplicas }) : new InMemorySessionStore();
  const app = new PresenceApp(store, rooms, logger, { sessionTimeoutMs: config.sessionTimeoutMs, resumeGraceMs: config.resumeGraceMs });
  app.start();
  const streamState = grpcStreamStatePort(config.roomServiceAddress, tls);
  const media = await startMediaEventsConsumer(bus, streamState, logger, { durableName: config.mediaConsumerName });
  const grpc = await startGrpcServer(deps.grpcListener ?? config.grpcAddress, [presenceGrpcBinding(app)], logger, config.grpcSecurity, config.grpcMux);
  return {
    grpcAddress: grpc.address,
    async stop() {
      await media.stop();
      streamState.close();
      if (!deps.bus) await bus.close();
      await grpc.stop();
      await app.stop();
      await store.close();
      rooms.close();
    },
  };
}
