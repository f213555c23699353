// Runs presence alone: node services/presence/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadPresenceConfig } from './config';
import { startPresenceService } from './service';

runMain('presence', loadPresenceConfig, async (config, logger) => {
  const presence = await startPresenceService(config, logger);
  return { stop: () => presence.stop(), listening: { PRESENCE_GRPC_ADDRESS: presence.grpcAddress, ...(presence.metricsAddress ? { PRESENCE_METRICS_ADDRESS: presence.metricsAddress } : {}) } };
});
