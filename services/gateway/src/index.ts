export { loadGatewayConfig, devAccessTokenSecret } from './config';
export type { GatewayConfig } from './config';
export { startGateway } from './service';
export type { RunningGateway } from './service';
export { websocketPath } from './ws/gateway-server';
export { GatewayMetrics } from './gateway-metrics';
