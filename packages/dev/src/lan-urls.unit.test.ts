// The LAN lines of `npm run up`'s banner: printed only when the gateway listens on every interface,
// one set per LAN address, and a warning while the media URLs point at loopback.
import type { NetworkInterfaceInfo } from 'node:os';
import { lanUrlLines } from './lan-urls';

const nic = (address: string, internal = false, family: 'IPv4' | 'IPv6' = 'IPv4') => ({ address, internal, family }) as NetworkInterfaceInfo;
const interfaces = { lo: [nic('127.0.0.1', true), nic('::1', true, 'IPv6')], wlan0: [nic('192.168.1.23'), nic('fe80::1', false, 'IPv6')] };

it('prints nothing while the gateway listens on loopback or one address', () => {
  expect(lanUrlLines('127.0.0.1:8787', {}, interfaces)).toEqual([]);
  expect(lanUrlLines('192.168.1.23:8787', {}, interfaces)).toEqual([]);
});

it('on 0.0.0.0: the gateway and token URLs on each LAN address, and the media URLs still on loopback', () => {
  expect(lanUrlLines('0.0.0.0:8787', {}, interfaces)).toEqual([
    '  LAN 192.168.1.23 (mini-program config.js):',
    "    gatewayUrl: 'ws://192.168.1.23:8787/v1/ws', tokenUrl: 'http://192.168.1.23:8787/dev/token'",
    '  media:  push and play URLs point at rtmp://127.0.0.1:1935, which phones cannot reach: start with MEDIA_RTMP_BASE=rtmp://192.168.1.23:1935 (nginx-rtmp on this machine)',
  ]);
});

it('no media warning once MEDIA_RTMP_BASE is on the LAN, or with Tencent Cloud', () => {
  expect(lanUrlLines('0.0.0.0:8787', { MEDIA_RTMP_BASE: 'rtmp://192.168.1.23:1935' }, interfaces).filter((l) => l.includes('media'))).toEqual([]);
  const tencent = { MEDIA_PROVIDER: 'tencent', TENCENT_BIZID: '1234', TENCENT_PUSH_KEY: 'push-key-of-this-test-0123456789' };
  expect(lanUrlLines('0.0.0.0:8787', tencent, interfaces).filter((l) => l.includes('media'))).toEqual([]);
});

it('says so when the machine has no LAN address', () => {
  expect(lanUrlLines('0.0.0.0:8787', {}, { lo: [nic('127.0.0.1', true)] })).toEqual(['  LAN:    no network address found: phones cannot reach this machine']);
});
