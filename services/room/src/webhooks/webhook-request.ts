// One webhook POST, connected only to addresses WebhookTargets checked: the socket's own DNS lookup
// is replaced by one that resolves, checks and hands over exactly the checked addresses, so what is
// checked is what is connected to (no second lookup to rebind). The Host header and the TLS server
// name stay the URL's. Redirects are not followed: a 3xx is a failed delivery.
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { bareHost, WebhookTargets } from './webhook-target';

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export class WebhookClient {
  // Connections are kept (idle for 30 s at most) for the next delivery to the same endpoint; each
  // was checked when it was made.
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 8, timeout: 30_000 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 8, timeout: 30_000 });

  constructor(private readonly targets: WebhookTargets) {}

  /** null on a 2xx answer, else what went wrong (kept as the webhook's last error). */
  async post(req: WebhookPost): Promise<string | null> {
    const url = new URL(req.url);
    const host = bareHost(url);
    // An IP literal is never looked up by the socket: check it here. A name is checked at connect.
    if (isIP(host)) await this.targets.addressesFor(host);
    const tls = url.protocol === 'https:';
    const send = tls ? httpsRequest : httpRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = send(
        {
          protocol: url.protocol,
          hostname: host,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
          headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
          agent: tls ? this.https : this.http,
          lookup: this.checkedLookup,
          signal: AbortSignal.timeout(req.timeoutMs),
        },
        resolve,
      );
      r.on('error', reject);
      r.end(req.body);
    });
    // The answer's body means nothing to us; it is read to keep the connection usable.
    await new Promise<void>((resolve) => {
      res.on('end', resolve).on('error', () => resolve()).on('close', resolve);
      res.resume();
    });
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return null;
    return status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** net's lookup contract: one address, or all of them when the socket tries several (happy eyeballs). */
  private readonly checkedLookup: LookupFunction = (hostname, options, callback) => {
    this.targets.addressesFor(hostname).then(
      (all) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const wanted = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) (callback as unknown as (err: null, addresses: typeof wanted) => void)(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}
