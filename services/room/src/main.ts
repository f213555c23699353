// Runs the room service alone: node services/room/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadRoomConfig } from './config';
import { startRoomService } from './service';

runMain('room', loadRoomConfig, (config, logger) => startRoomService(config, logger));
