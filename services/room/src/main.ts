// Runs the room service alone: node services/room/dist/main.js
import { ConfigError, createLogger } from '@rtcroom/common';
import { loadRoomConfig } from './config';
import { startRoomService } from './service';

async function main() {
  const config = loadRoomConfig(process.env);
  const logger = createLogger({ service: 'room' }, config.logLevel);
  const service = await startRoomService(config, logger);
  const shutdown = async (signal: string) => {
    logger.info('shutting down', { signal });
    await service.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err?.stack ?? err}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
