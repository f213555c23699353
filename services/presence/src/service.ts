// Wires presence: registry -> room client -> use cases -> gRPC; bus -> media facts consumer.
import { EventBus, Logger, openEventBus, startGrpcServer } from '@rtcroom/common';
import { PresenceConfig } from './config';
import { SessionRegistry } from './domain/session-registry';
import { PresenceApp } from './presence-app';
import { grpcStreamStatePort, mediaEventsStream, startMediaEventsConsumer } from './transport/media-events.consumer';
import { presenceGrpcBinding } from './transport/presence.grpc';
import { grpcRoomPort } from './transport/room.client';

export interface RunningPresenceService {
  grpcAddress: string;
  stop(): Promise<void>;
}

export interface PresenceServiceDeps {
  /** A bus shared with other in-process services (the embedded default); else one is opened from config. */
  bus?: EventBus;
}

export async function startPresenceService(config: PresenceConfig, logger: Logger, deps: PresenceServiceDeps = {}): Promise<RunningPresenceService> {
  const rooms = grpcRoomPort(config.roomServiceAddress);
  const app = new PresenceApp(new SessionRegistry(), rooms, logger, config.sessionTimeoutMs);
  app.start();
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, 'rtcroom-presence', [mediaEventsStream], logger));
  const streamState = grpcStreamStatePort(config.roomServiceAddress);
  const media = await startMediaEventsConsumer(bus, streamState, logger, { durableName: config.mediaConsumerName });
  const grpc = await startGrpcServer(config.grpcAddress, [presenceGrpcBinding(app)], logger);
  return {
    grpcAddress: grpc.address,
    async stop() {
      await media.stop();
      streamState.close();
      if (!deps.bus) await bus.close();
      await grpc.stop();
      app.stop();
      rooms.close();
    },
  };
}
