// Where webhook deliveries may go. A webhook URL is chosen by whoever registers it, and the room
// service then calls it from inside its own network: loopback, private, link-local and other
// special addresses are refused unless ROOM_WEBHOOK_ALLOWED_HOSTS names them. Checked at
// registration and again at every connection, on the addresses the connection then uses (a name
// that resolved to a public address once cannot rebind to an internal one later).
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '@rtcroom/common';

export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** What ROOM_WEBHOOK_ALLOWED_HOSTS lets through although it is refused by default. */
export interface WebhookAllowList {
  /** Host names as written in URLs, lower case: whatever they resolve to. */
  names: ReadonlySet<string>;
  /** Addresses and CIDR ranges. */
  addresses: BlockList;
}

export class WebhookTargetRefused extends Error {
  constructor(
    readonly kind: 'FORBIDDEN_ADDRESS' | 'UNRESOLVABLE',
    message: string,
    readonly address = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookTargetRefused';
  }
}

/** Ranges no webhook reaches by default, each with the words a refusal uses. */
const refusedRanges: [label: string, cidrs: string[]][] = [
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['unspecified ("this network")', ['0.0.0.0/8', '::/128']],
  ['private (RFC 1918)', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['carrier-grade NAT (100.64/10)', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['unique local (fc00::/7)', ['fc00::/7', 'fec0::/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['reserved or broadcast', ['240.0.0.0/4', '192.0.0.0/24', '198.18.0.0/15', '100::/64', '2001::/23']],
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']],
  // These embed an IPv4 address that may be any of the above.
  ['an IPv4 translation or tunnel', ['::/96', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16', '192.88.99.0/24']],
];

const refusedLists = refusedRanges.map(([label, cidrs]) => {
  const list = new BlockList();
  for (const cidr of cidrs) addCidr(list, cidr);
  return { label, list };
});

function addCidr(list: BlockList, cidr: string): boolean {
  const [address, bits] = cidr.split('/');
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(address, type);
  else if (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)) list.addSubnet(address, Number(bits), type);
  else return false;
  return true;
}

/** Why an address is refused by default ("loopback", ...), or null for an ordinary public one. */
export function specialAddressKind(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is checked against the IPv4 ranges by BlockList.
  return refusedLists.find((r) => r.list.check(address, type))?.label ?? null;
}

/** Parses ROOM_WEBHOOK_ALLOWED_HOSTS: host names, IP addresses and CIDR ranges, comma-separated. */
export function parseWebhookAllowList(variable: string, raw: string | undefined): WebhookAllowList {
  const names = new Set<string>();
  const addresses = new BlockList();
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const bare = entry.replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare.split('/')[0])) {
      if (!addCidr(addresses, bare)) throw new ConfigError(variable, `has a bad address range "${entry}"`);
    } else if (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(entry)) {
      names.add(entry.toLowerCase().replace(/\.$/, ''));
    } else {
      throw new ConfigError(variable, `must list host names, IP addresses or CIDR ranges, got "${entry}"`);
    }
  }
  return { names, addresses };
}

/** A URL's host as a resolver or socket wants it: no IPv6 brackets, no trailing dot, lower case. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

export class WebhookTargets {
  constructor(
    private readonly allow: WebhookAllowList,
    private readonly resolve: HostResolver = systemResolver,
  ) {}

  /**
   * The addresses a connection to `host` may use: all it resolves to, each one public or allowed;
   * throws WebhookTargetRefused otherwise (one refused address refuses the host: a connection
   * could pick it).
   */
  async addressesFor(host: string): Promise<LookupAddress[]> {
    const family = isIP(host);
    let addresses: LookupAddress[];
    if (family !== 0) addresses = [{ address: host, family }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new WebhookTargetRefused('UNRESOLVABLE', `${host} does not resolve (${why})`, '', { cause: err });
      }
      if (addresses.length === 0) throw new WebhookTargetRefused('UNRESOLVABLE', `${host} does not resolve`);
    }
    if (this.allow.names.has(host)) return addresses;
    for (const { address, family: f } of addresses) {
      const kind = specialAddressKind(address);
      if (kind && !this.allow.addresses.check(address, f === 6 ? 'ipv6' : 'ipv4')) {
        const via = address === host ? '' : ` (${host} resolves to it)`;
        throw new WebhookTargetRefused('FORBIDDEN_ADDRESS', `${address} is ${kind}${via}; list it in ROOM_WEBHOOK_ALLOWED_HOSTS to send webhooks there`, address);
      }
    }
    return addresses;
  }
}
