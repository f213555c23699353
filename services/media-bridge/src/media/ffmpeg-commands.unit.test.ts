import { egressArgs, egressSdp, ingressArgs, payloadTypes } from './ffmpeg-commands';

describe('ffmpeg command lines', () => {
  it('ingress: H.264 passes through in Annex B, AAC becomes Opus, each to its mountpoint port with its payload type', () => {
    const args = ingressArgs({ sourceUrl: 'rtmp://127.0.0.1:1935/live/s1', rtpHost: '10.0.0.5', audioPort: 40000, videoPort: 40002, video: 'copy' }).join(' ');
    expect(args).toContain('-i rtmp://127.0.0.1:1935/live/s1');
    expect(args).toContain(`-c:a libopus -ar 48000 -ac 2 -b:a 64k -application lowdelay -payload_type ${payloadTypes.opus} -f rtp rtp://10.0.0.5:40000?pkt_size=1200`);
    expect(args).toContain(`-c:v copy -bsf:v h264_mp4toannexb -payload_type ${payloadTypes.h264} -f rtp rtp://10.0.0.5:40002?pkt_size=1200`);
    // Progress on stdout: how the bridge learns that media flows.
    expect(args).toContain('-progress pipe:1');
  });

  it('ingress with transcode: re-encodes video to constrained baseline H.264 without B-frames', () => {
    const args = ingressArgs({ sourceUrl: 'rtmp://h/live/s1', rtpHost: '127.0.0.1', audioPort: 40000, videoPort: 40002, video: 'transcode' }).join(' ');
    expect(args).toContain('-c:v libx264');
    expect(args).toContain('-profile:v baseline');
    expect(args).toContain('-bf 0');
    expect(args).not.toContain('-c:v copy');
  });

  it('egress: reads the SDP of the forward, transcodes to H.264 constrained baseline and AAC, pushes FLV', () => {
    const args = egressArgs({ sdpPath: '/tmp/x.sdp', targetUrl: 'rtmp://127.0.0.1:1935/live/a1?exp=1&sig=2', video: 'transcode' });
    expect(args.join(' ')).toContain('-protocol_whitelist file,udp,rtp');
    expect(args.join(' ')).toContain('-i /tmp/x.sdp');
    expect(args.join(' ')).toContain('-c:v libx264');
    expect(args.join(' ')).toContain('-profile:v baseline');
    expect(args.join(' ')).toContain('-c:a aac');
    expect(args.slice(-3)).toEqual(['-f', 'flv', 'rtmp://127.0.0.1:1935/live/a1?exp=1&sig=2']);
  });

  it('egress with copy: H.264 described with its packetization mode, passed through', () => {
    const sdp = egressSdp({ host: '127.0.0.1', audioPort: 20000, videoPort: 20002, video: 'copy' });
    expect(sdp).toContain(`m=video 20002 RTP/AVP ${payloadTypes.h264}\na=rtpmap:${payloadTypes.h264} H264/90000\na=fmtp:${payloadTypes.h264} profile-level-id=42e01f;packetization-mode=1`);
    const args = egressArgs({ sdpPath: '/tmp/x.sdp', targetUrl: 'rtmp://h/live/a', video: 'copy' }).join(' ');
    expect(args).toContain('-map 0:v:0 -c:v copy');
    expect(args).not.toContain('libx264');
  });

  it('egress SDP: Opus and VP8 on the forward ports, with the payload types the forward uses', () => {
    const sdp = egressSdp({ host: '127.0.0.1', audioPort: 20000, videoPort: 20002, video: 'transcode' });
    expect(sdp).toContain(`m=audio 20000 RTP/AVP ${payloadTypes.opus}\na=rtpmap:${payloadTypes.opus} opus/48000/2`);
    expect(sdp).toContain(`m=video 20002 RTP/AVP ${payloadTypes.vp8}\na=rtpmap:${payloadTypes.vp8} VP8/90000`);
    expect(sdp).toContain('c=IN IP4 127.0.0.1');
  });
});
