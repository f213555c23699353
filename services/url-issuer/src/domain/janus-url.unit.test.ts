import { janusPlayUrl, janusPublishUrl } from './janus-url';

describe("a browser's Janus URL", () => {
  const access = { httpUrl: 'http://127.0.0.1:8088/janus', wsUrl: 'ws://127.0.0.1:8188', token: 'a+b/c' };

  it('carries the token, the mountpoint and its pin (play) or the room and feed (publish), escaped', () => {
    expect(janusPlayUrl(access, 4711, 'p&n')).toBe('janus+http://127.0.0.1:8088/janus?token=a%2Bb%2Fc&mountpoint=4711&pin=p%26n&ws=ws%3A%2F%2F127.0.0.1%3A8188');
    expect(janusPublishUrl({ ...access, wsUrl: '' }, 12, 34)).toBe('janus+http://127.0.0.1:8088/janus?token=a%2Bb%2Fc&room=12&feed=34');
  });

  it('refuses a Janus URL that is not http(s)', () => {
    expect(() => janusPlayUrl({ ...access, httpUrl: 'ftp://x' }, 1, 'p')).toThrow(/not http/);
  });
});
