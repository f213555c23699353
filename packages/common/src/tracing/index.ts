// Tracing with OpenTelemetry: the hooks (spans.ts) and the switch (start-tracing.ts).
export * from './spans';
export * from './start-tracing';
export * from './grpc-tracing';
export * from './db-tracing';
