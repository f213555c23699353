// Wires the room service: store -> migrations -> bus -> relay -> use cases -> gRPC.
import { EventBus, Logger, migrateToLatest, openDatabase, openEventBus, startGrpcServer } from '@rtcroom/common';
import { RoomApp } from './app/room-app';
import { RoomConfig } from './config';
import { OutboxRelay } from './events/outbox-relay';
import { roomEventsStream } from './events/room-events';
import { RoomDatabase } from './store/database';
import { roomMigrations } from './store/migrations';
import { roomGrpcBinding } from './transport/room.grpc';
import { grpcPushUrlIssuer } from './transport/url-issuer.client';

export interface RunningRoomService {
  grpcAddress: string;
  app: RoomApp;
  stop(): Promise<void>;
}

export interface RoomServiceDeps {
  /** A bus shared with other in-process services (the embedded default); else one is opened from config. */
  bus?: EventBus;
}

export async function startRoomService(config: RoomConfig, logger: Logger, deps: RoomServiceDeps = {}): Promise<RunningRoomService> {
  const store = await openDatabase<RoomDatabase>(
    { url: config.databaseUrl, embeddedDataDir: config.embeddedDataDir, poolSize: config.databasePoolSize },
    logger,
  );
  await migrateToLatest(store.db, roomMigrations, 'room_migrations', logger);
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, 'rtcroom-room', [roomEventsStream], logger));
  const relay = new OutboxRelay(store.db, bus, logger);
  const issuer = grpcPushUrlIssuer(config.urlIssuerAddress);
  const app = new RoomApp(store.db, issuer, { defaultMaxMembers: config.defaultMaxMembers, maxMembersCap: config.maxMembersCap }, () =>
    relay.kick(),
  );
  relay.start();
  const grpc = await startGrpcServer(config.grpcAddress, [roomGrpcBinding(app)], logger);
  return {
    grpcAddress: grpc.address,
    app,
    async stop() {
      await grpc.stop();
      await relay.stop();
      issuer.close();
      if (!deps.bus) await bus.close();
      await store.close();
    },
  };
}
