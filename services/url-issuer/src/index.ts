// The url-issuer's public surface: start it in-process (dev runner, tests), the pieces that check
// URLs it signed, and the nginx-rtmp configuration it expects.
export { startUrlIssuer } from './service';
export type { RunningUrlIssuer, UrlIssuerServiceDeps } from './service';
export { loadUrlIssuerConfig } from './config';
export type { UrlIssuerConfig } from './config';
export { deriveStreamId, isDerivedStreamId } from './domain/stream-id';
export { createSelfHostedProvider, relayToken, signPlay, signPush, verifyPlaySignature, verifyPushSignature } from './domain/providers/self-hosted';
export type { PlayParams, PushParams, SignatureVerdict } from './domain/providers/self-hosted';
export { tencentTxSecret, tencentTxTime } from './domain/providers/tencent';
export { tencentCallbackSign } from './domain/tencent-callback';
export { createMediaProvider, webrtcFailed, webrtcUnavailable } from './domain/media-provider';
export type { ClientKind, MediaProvider, MediaSettings, WebRtcLeg, WebRtcPlayRequest, WebRtcPushRequest } from './domain/media-provider';
export { mediaEventSubject } from './events/media-events';
export { nginxRtmpHookPaths, tencentCallbackPath, trtcCallbackPath } from './transport/media-hooks.http';
export { renderRecordingsServer, renderRtmpBlock, renderStandaloneNginxConf } from './media-server/nginx-rtmp-conf';
export { recordingLinkSecret, signRecordingUrl } from './domain/recording-url';
export type { NginxRtmpConfOptions, StandaloneNginxConfOptions } from './media-server/nginx-rtmp-conf';
export { trtcApi } from './media-server/trtc-api';
export { urlIssuerMetrics } from './url-issuer-metrics';
