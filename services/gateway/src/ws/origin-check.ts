// Which browser pages may open the WebSocket: a configured list of origins, exact
// (`https://app.example.com`) or one wildcard label deep and beyond (`https://*.example.com`).
// A request without an Origin header is let through: Origin protects a browser's user from a
// cross-site page, a mini-program's wx.connectSocket and other non-browser clients send none, and
// such a client could forge any header anyway; the access token is what admits them.
import { ConfigError } from '@rtcroom/common';

export interface OriginRule {
  scheme: string;
  /** Exact host, or for a wildcard the suffix after `*` (".example.com"). */
  host: string;
  wildcard: boolean;
  /** '' for the scheme's default port. */
  port: string;
}

/** Parses GATEWAY_ALLOWED_ORIGINS-style text: origins separated by commas. */
export function parseOriginRules(variable: string, raw: string): OriginRule[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(https?):\/\/(\*\.)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(entry);
      if (!m) throw new ConfigError(variable, `must list origins like https://app.example.com or https://*.example.com, got "${entry}"`);
      const [, scheme, star, host, port] = m;
      const defaultPort = scheme === 'https' ? '443' : '80';
      return { scheme, host: `${star ? '.' : ''}${host.toLowerCase()}`, wildcard: Boolean(star), port: port === defaultPort ? '' : (port ?? '') };
    });
}

/** Whether a request with this Origin header may open a socket; rules undefined = any origin. */
export function originAllowed(rules: readonly OriginRule[] | undefined, origin: string | undefined): boolean {
  if (!rules || origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage
  }
  if (url.origin === 'null') return false;
  const scheme = url.protocol.slice(0, -1);
  const host = url.hostname.toLowerCase();
  return rules.some(
    (r) => r.scheme === scheme && r.port === url.port && (r.wildcard ? host.endsWith(r.host) && host.length > r.host.length : host === r.host),
  );
}
