// Runs the gateway alone: node services/gateway/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadGatewayConfig } from './config';
import { startGateway } from './service';

runMain('gateway', loadGatewayConfig, (config, logger) => startGateway(config, logger));
