// Wires presence: registry -> room client -> use cases -> gRPC.
import { Logger, startGrpcServer } from '@rtcroom/common';
import { PresenceConfig } from './config';
import { SessionRegistry } from './domain/session-registry';
import { PresenceApp } from './presence-app';
import { presenceGrpcBinding } from './transport/presence.grpc';
import { grpcRoomPort } from './transport/room.client';

export interface RunningPresenceService {
  grpcAddress: string;
  stop(): Promise<void>;
}

export async function startPresenceService(config: PresenceConfig, logger: Logger): Promise<RunningPresenceService> {
  const rooms = grpcRoomPort(config.roomServiceAddress);
  const app = new PresenceApp(new SessionRegistry(), rooms, logger, config.sessionTimeoutMs);
  app.start();
  const grpc = await startGrpcServer(config.grpcAddress, [presenceGrpcBinding(app)], logger);
  return {
    grpcAddress: grpc.address,
    async stop() {
      await grpc.stop();
      app.stop();
      rooms.close();
    },
  };
}
