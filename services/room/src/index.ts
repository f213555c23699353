export { loadRoomConfig } from './config';
export type { RoomConfig } from './config';
export { startRoomService } from './service';
export type { RunningRoomService } from './service';
export { roomMetrics } from './metrics/room-metrics';
