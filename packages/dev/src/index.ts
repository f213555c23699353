export { builtConsoleDir, startAll } from './start-all';
export type { RunningSystem, StartAllOptions } from './start-all';
export { DemoClient, ProtocolError } from './demo-client';
export type { Notice } from './demo-client';
export { CertificateError, makeDevCertificates, serviceNames } from './dev-certificates';
export type { DevCertificateOptions, DevCertificates } from './dev-certificates';
export { defaultGatewayUrl, demoCommand } from './demo-command';
