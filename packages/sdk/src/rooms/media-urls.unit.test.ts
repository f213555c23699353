import { describeWebRtcUnavailable, mediaUrlFor } from './media-urls';
import { readPlayUrl, readPushUrl } from '../wire';

describe('media URLs by client kind', () => {
  const push = readPushUrl({ streamId: 's_1', url: 'rtmp://m/live/s_1?sig', webrtcUrl: 'webrtc://m/live/s_1?sig' });
  const play = readPlayUrl({ streamId: 's_1', rtcUrl: 'rtmp://m/live/s_1?v', webrtcUrl: '', webrtcUnavailable: 'WEBRTC_UNAVAILABLE' });

  it('gives a browser the WebRTC URL and a mini-program (the default) the RTMP one', () => {
    expect(mediaUrlFor('CLIENT_KIND_BROWSER', push)).toBe('webrtc://m/live/s_1?sig');
    expect(mediaUrlFor('CLIENT_KIND_MINI_PROGRAM', push)).toBe('rtmp://m/live/s_1?sig');
    expect(mediaUrlFor(undefined, play)).toBe('rtmp://m/live/s_1?v');
    expect(mediaUrlFor('CLIENT_KIND_BROWSER', play)).toBe('');
  });

  it('says why a browser got no WebRTC URL', () => {
    expect(describeWebRtcUnavailable(play.webrtcUnavailable)).toMatch(/RTMP only.*browser can neither push nor play/);
    expect(describeWebRtcUnavailable('WEBRTC_FAILED')).toMatch(/ask for the URL again/);
    expect(describeWebRtcUnavailable('')).toBe('');
    expect(describeWebRtcUnavailable('SOMETHING_NEW')).toBe('no WebRTC URL (SOMETHING_NEW)');
  });

  it('reads a frame from a gateway before kinds: no WebRTC fields', () => {
    expect(readPushUrl({ streamId: 's', url: 'rtmp://x' })).toMatchObject({ webrtcUrl: '', webrtcUnavailable: '' });
  });
});
