import { ConfigError } from '@rtcroom/common';
import { loadRoomConfig } from '../config';
import { parseWebhookAllowList, specialAddressKind, WebhookTargetRefused, WebhookTargets } from './webhook-target';

describe('webhook targets', () => {
  it('knows the special address ranges, IPv4-mapped IPv6 included', () => {
    const kinds: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0.0.0.0', 'unspecified ("this network")'],
      ['::', 'unspecified ("this network")'],
      ['10.9.8.7', 'private (RFC 1918)'],
      ['172.31.255.255', 'private (RFC 1918)'],
      ['192.168.0.1', 'private (RFC 1918)'],
      ['::ffff:192.168.0.1', 'private (RFC 1918)'],
      ['100.100.100.100', 'carrier-grade NAT (100.64/10)'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fd00::1', 'unique local (fc00::/7)'],
      ['fc00::1', 'unique local (fc00::/7)'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'reserved or broadcast'],
      ['::127.0.0.1', 'an IPv4 translation or tunnel'],
      ['64:ff9b::a00:1', 'an IPv4 translation or tunnel'],
      ['2002:7f00:1::', 'an IPv4 translation or tunnel'],
      ['93.184.215.14', null],
      ['172.32.0.1', null],
      ['100.128.0.1', null],
      ['2606:4700::1111', null],
    ];
    for (const [address, kind] of kinds) expect({ address, kind: specialAddressKind(address) }).toEqual({ address, kind });
  });

  it('lets an allow-list open names, addresses and ranges, and nothing else', async () => {
    const allow = parseWebhookAllowList('ROOM_WEBHOOK_ALLOWED_HOSTS', 'hooks.internal, 127.0.0.1, 10.20.0.0/16, [fd00::1]');
    const resolve = async (host: string) => (host === 'hooks.internal' ? [{ address: '10.99.0.1', family: 4 }] : [{ address: '10.21.0.1', family: 4 }]);
    const targets = new WebhookTargets(allow, resolve);
    await expect(targets.addressesFor('hooks.internal')).resolves.toEqual([{ address: '10.99.0.1', family: 4 }]);
    await expect(targets.addressesFor('127.0.0.1')).resolves.toHaveLength(1);
    await expect(targets.addressesFor('::ffff:127.0.0.1')).resolves.toHaveLength(1);
    await expect(targets.addressesFor('10.20.3.4')).resolves.toHaveLength(1);
    await expect(targets.addressesFor('fd00::1')).resolves.toHaveLength(1);
    await expect(targets.addressesFor('127.0.0.2')).rejects.toBeInstanceOf(WebhookTargetRefused);
    await expect(targets.addressesFor('other.internal')).rejects.toThrow('10.21.0.1 is private (RFC 1918) (other.internal resolves to it)');
  });

  it('keeps the resolver failure as the cause of an unresolvable host', async () => {
    const lookupFailed = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    const targets = new WebhookTargets(parseWebhookAllowList('ROOM_WEBHOOK_ALLOWED_HOSTS', undefined), async () => {
      throw lookupFailed;
    });
    const refused = await targets.addressesFor('nowhere.example').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WebhookTargetRefused);
    expect(refused).toMatchObject({ kind: 'UNRESOLVABLE', message: 'nowhere.example does not resolve (ENOTFOUND)', cause: lookupFailed });
  });

  it('fails the start on an allow-list entry that is neither, naming the variable', () => {
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b', '1.2.3.4/x']) {
      expect(() => loadRoomConfig({ RTCROOM_DEV: 'true', ROOM_WEBHOOK_ALLOWED_HOSTS: bad })).toThrow(ConfigError);
      expect(() => loadRoomConfig({ RTCROOM_DEV: 'true', ROOM_WEBHOOK_ALLOWED_HOSTS: bad })).toThrow(/ROOM_WEBHOOK_ALLOWED_HOSTS/);
    }
    expect(loadRoomConfig({ RTCROOM_DEV: 'true' }).webhookAllowList.names.size).toBe(0);
  });
});
