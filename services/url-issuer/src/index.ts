// The url-issuer's public surface: start it in-process (dev runner, tests), and the pieces the
// self-hosted media hooks need to check URLs it signed.
export { startUrlIssuer } from './service';
export type { RunningUrlIssuer } from './service';
export { loadUrlIssuerConfig } from './config';
export type { UrlIssuerConfig } from './config';
export { deriveStreamId, isDerivedStreamId } from './domain/stream-id';
export { verifyPushSignature, verifyPlaySignature } from './domain/providers/self-hosted';
export type { PlayParams, PushParams, SignatureVerdict } from './domain/providers/self-hosted';
export { tencentTxSecret, tencentTxTime } from './domain/providers/tencent';
export { createMediaProvider } from './domain/media-provider';
export type { MediaProvider, MediaSettings } from './domain/media-provider';
