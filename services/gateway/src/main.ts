// Runs the gateway alone: node services/gateway/dist/main.js
import { setFlagsFromString } from 'node:v8';
import { runMain } from '@rtcroom/common';
import { loadGatewayConfig } from './config';
import { startGateway } from './service';

runMain('gateway', loadGatewayConfig, async (config, logger) => {
  // Process-wide, so only here (not when the gateway shares a process): set before connections arrive.
  if (config.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
  const gateway = await startGateway(config, logger);
  return { stop: () => gateway.stop(), listening: { GATEWAY_ADDRESS: gateway.address, GATEWAY_GRPC_ADDRESS: gateway.grpcAddress, ...(gateway.metricsAddress ? { GATEWAY_METRICS_ADDRESS: gateway.metricsAddress } : {}) } };
});
