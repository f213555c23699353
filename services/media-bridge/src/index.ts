// The media bridge's public surface: start it in-process, its configuration, and the pieces tests
// and the bench reuse (ffmpeg command lines).
export { startMediaBridge } from './service';
export type { RunningMediaBridge } from './service';
export { loadMediaBridgeConfig } from './config';
export type { MediaBridgeConfig } from './config';
export { egressArgs, egressSdp, ingressArgs, payloadTypes } from './media/ffmpeg-commands';
