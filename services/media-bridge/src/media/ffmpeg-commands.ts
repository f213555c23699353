// The ffmpeg command lines of the two directions, and the SDP that tells ffmpeg what Janus forwards.
// Pure functions: what runs is decided here, how it is supervised in supervised-process.ts.

/** RTP payload types on the bridge's own legs (ffmpeg <-> Janus); the browser's are negotiated by Janus. */
export const payloadTypes = { opus: 111, h264: 96, vp8: 100 } as const;

/** What Janus's streaming mountpoint is told about the H.264 it receives (constrained baseline, as browsers decode everywhere). */
export const h264Fmtp = 'profile-level-id=42e01f;packetization-mode=1';

const common = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1'];

/** What an ingress does to video: pass H.264 through as pushed, or re-encode it (any codec, B-frames, High profile) to constrained baseline. */
export type IngressVideo = 'copy' | 'transcode';
export const ingressVideoModes: readonly IngressVideo[] = ['copy', 'transcode'];

export interface IngressCommand {
  /** The RTMP URL to pull. */
  sourceUrl: string;
  /** Where the mountpoint listens (Janus's address). */
  rtpHost: string;
  audioPort: number;
  videoPort: number;
  video: IngressVideo;
}

/**
 * RTMP -> RTP for a streaming mountpoint. Video passes through by default (H.264 as mini-programs
 * push it, in Annex B as RTP wants it), so the bridge decodes no picture; `transcode` re-encodes it
 * for pushers whose H.264 browsers may not take (B-frames) or that push another codec. Audio becomes
 * Opus (AAC is no WebRTC codec). Short analysis: the stream's codecs are known, and every second of probing is a second of
 * setup.
 */
export function ingressArgs(c: IngressCommand): string[] {
  return [
    ...common,
    ...['-fflags', 'nobuffer', '-analyzeduration', '1000000', '-probesize', '500000', '-rw_timeout', '10000000'],
    ...['-i', c.sourceUrl],
    ...['-map', '0:a:0?', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '64k', '-application', 'lowdelay'],
    ...['-payload_type', String(payloadTypes.opus), '-f', 'rtp', `rtp://${c.rtpHost}:${c.audioPort}?pkt_size=1200`],
    ...['-map', '0:v:0'],
    ...(c.video === 'copy'
      ? ['-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb']
      : ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0', '-g', '30']),
    ...['-payload_type', String(payloadTypes.h264), '-f', 'rtp', `rtp://${c.rtpHost}:${c.videoPort}?pkt_size=1200`],
  ];
}

/**
 * What an egress does to video. `transcode`: the browser sends VP8, ffmpeg makes H.264 of it at a
 * fixed size. `copy`: the browser is asked for H.264 (constrained baseline) and ffmpeg passes it
 * through, at a fraction of the CPU, with the browser's own size changes.
 */
export type EgressVideo = 'transcode' | 'copy';
export const egressVideoModes: readonly EgressVideo[] = ['transcode', 'copy'];

/** The codec the VideoRoom asks browsers for, and its payload type on the forward. */
export const egressVideoCodec = (mode: EgressVideo) => (mode === 'copy' ? { name: 'h264' as const, pt: payloadTypes.h264 } : { name: 'vp8' as const, pt: payloadTypes.vp8 });

export interface EgressCommand {
  /** The SDP file describing what Janus forwards (egressSdp). */
  sdpPath: string;
  /** The RTMP URL to push to. */
  targetUrl: string;
  video: EgressVideo;
}

/**
 * RTP from a VideoRoom forward -> FLV on nginx-rtmp. Opus is no FLV codec: audio becomes AAC. Video
 * is H.264 passed through (`copy`), or VP8 transcoded to H.264 constrained baseline at a fixed size
 * (a browser changes its resolution with its bandwidth; the transcoded stream keeps one).
 */
export function egressArgs(c: EgressCommand): string[] {
  return [
    ...common,
    // Passing H.264 through, ffmpeg must see a keyframe (its SPS) before it writes the FLV header;
    // the VideoRoom asks for one every 3 s (fir_freq), so the analysis spans more than that.
    ...['-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts'],
    ...(c.video === 'copy' ? ['-analyzeduration', '4000000', '-probesize', '5000000'] : ['-analyzeduration', '1000000', '-probesize', '500000']),
    ...['-reorder_queue_size', '64', '-i', c.sdpPath],
    ...['-map', '0:v:0'],
    ...(c.video === 'copy'
      ? ['-c:v', 'copy']
      : [
          ...['-vf', 'scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=15'],
          ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '600k'],
        ]),
    ...['-map', '0:a:0?', '-c:a', 'aac', '-ar', '44100', '-ac', '2', '-b:a', '64k'],
    ...['-f', 'flv', c.targetUrl],
  ];
}

export interface EgressSdp {
  host: string;
  audioPort: number;
  videoPort: number;
  video: EgressVideo;
}

/** The session ffmpeg listens for: Opus, and VP8 or H.264, on the ports Janus forwards to. */
export function egressSdp(s: EgressSdp): string {
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${s.host}`,
    's=rtcroom egress',
    `c=IN IP4 ${s.host}`,
    't=0 0',
    `m=audio ${s.audioPort} RTP/AVP ${payloadTypes.opus}`,
    `a=rtpmap:${payloadTypes.opus} opus/48000/2`,
    ...(s.video === 'copy'
      ? [`m=video ${s.videoPort} RTP/AVP ${payloadTypes.h264}`, `a=rtpmap:${payloadTypes.h264} H264/90000`, `a=fmtp:${payloadTypes.h264} ${h264Fmtp}`]
      : [`m=video ${s.videoPort} RTP/AVP ${payloadTypes.vp8}`, `a=rtpmap:${payloadTypes.vp8} VP8/90000`]),
    '',
  ].join('\n');
}
