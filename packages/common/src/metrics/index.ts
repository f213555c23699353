export * from './service-metrics';
export * from './grpc-metrics';
export * from './metrics-server';
export * from './shared-metrics';
