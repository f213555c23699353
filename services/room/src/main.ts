// Runs the room service alone: node services/room/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadRoomConfig } from './config';
import { startRoomService } from './service';

runMain('room', loadRoomConfig, async (config, logger) => {
  const room = await startRoomService(config, logger);
  return { stop: () => room.stop(), listening: { ROOM_GRPC_ADDRESS: room.grpcAddress, ...(room.metricsAddress ? { ROOM_METRICS_ADDRESS: room.metricsAddress } : {}) } };
});
