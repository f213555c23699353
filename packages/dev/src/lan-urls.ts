// What `npm run up` adds to its banner when the gateway listens on every interface
// (GATEWAY_ADDRESS=0.0.0.0:8787): the URLs a phone on the LAN uses (the mini-program example's
// config.js takes them), and a warning while the signed media URLs still point at loopback, where a
// phone's <live-pusher> and <live-player> cannot reach.
import { networkInterfaces, NetworkInterfaceInfo } from 'node:os';
import type { Env } from '@rtcroom/common';
import { loadUrlIssuerConfig } from '@rtcroom/url-issuer';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const loopback = /^(127\.|localhost$|\[?::1\]?$)/;

/** The banner's lines about the LAN: none unless the gateway listens on 0.0.0.0. */
export function lanUrlLines(gatewayAddress: string, env: Env, interfaces: Interfaces = networkInterfaces()): string[] {
  const [host, port] = [gatewayAddress.slice(0, gatewayAddress.lastIndexOf(':')), gatewayAddress.slice(gatewayAddress.lastIndexOf(':') + 1)];
  if (host !== '0.0.0.0') return [];
  const addresses = Object.values(interfaces)
    .flat()
    .filter((i): i is NetworkInterfaceInfo => !!i && i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
  if (addresses.length === 0) return ['  LAN:    no network address found: phones cannot reach this machine'];
  const lines = addresses.flatMap((ip) => [
    `  LAN ${ip} (mini-program config.js):`,
    `    gatewayUrl: 'ws://${ip}:${port}/v1/ws', tokenUrl: 'http://${ip}:${port}/dev/token'`,
  ]);
  const media = loadUrlIssuerConfig({ RTCROOM_DEV: 'true', ...env }).media;
  if (media.kind === 'self-hosted' && loopback.test(new URL(media.rtmpBase.replace(/^rtmp:/, 'http:')).hostname)) {
    lines.push(`  media:  push and play URLs point at ${media.rtmpBase}, which phones cannot reach: start with MEDIA_RTMP_BASE=rtmp://${addresses[0]}:1935 (nginx-rtmp on this machine)`);
  }
  return lines;
}
