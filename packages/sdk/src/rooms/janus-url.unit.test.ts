import { parseJanusUrl } from './janus-url';

describe('parseJanusUrl', () => {
  it("reads a browser's play and publish URL from the media bridge", () => {
    expect(parseJanusUrl('janus+https://media.example.com/janus?token=t0k&mountpoint=4711&pin=p1n&ws=wss%3A%2F%2Fmedia.example.com%2Fjanus-ws')).toEqual({
      httpUrl: 'https://media.example.com/janus',
      wsUrl: 'wss://media.example.com/janus-ws',
      token: 't0k',
      play: { mountpointId: 4711, pin: 'p1n' },
    });
    expect(parseJanusUrl('janus+http://127.0.0.1:8088/janus?token=t&room=12&feed=34')).toEqual({
      httpUrl: 'http://127.0.0.1:8088/janus',
      wsUrl: '',
      token: 't',
      publish: { videoroomId: 12, feedId: 34 },
    });
  });

  it('answers null for what is not a Janus URL', () => {
    expect(parseJanusUrl('webrtc://play.example.com/live/s_1?txSecret=x')).toBeNull();
    expect(parseJanusUrl('')).toBeNull();
    expect(parseJanusUrl('janus+http://h/janus?mountpoint=1&pin=p')).toBeNull(); // no token
    expect(parseJanusUrl('janus+http://h/janus?token=t&room=1')).toBeNull(); // no feed
    expect(parseJanusUrl('janus+http://h/janus?token=t&mountpoint=x')).toBeNull();
  });
});
