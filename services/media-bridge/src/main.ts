// Runs the media bridge alone: node services/media-bridge/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadMediaBridgeConfig } from './config';
import { startMediaBridge } from './service';

runMain('media-bridge', loadMediaBridgeConfig, async (config, logger) => {
  const bridge = await startMediaBridge(config, logger);
  return {
    stop: () => bridge.stop(),
    listening: { MEDIA_BRIDGE_GRPC_ADDRESS: bridge.grpcAddress, ...(bridge.metricsAddress ? { MEDIA_BRIDGE_METRICS_ADDRESS: bridge.metricsAddress } : {}) },
  };
});
