import { ConfigError } from '@rtcroom/common';
import { loadGatewayConfig } from '../config';
import { originAllowed, parseOriginRules } from './origin-check';

describe('origin allow-list', () => {
  const rules = parseOriginRules('GATEWAY_ALLOWED_ORIGINS', 'https://app.example.com, https://*.example.org,http://localhost:3000, https://[::1]:8443');

  it('matches exact origins, default ports, wildcard subdomains and nothing else', () => {
    expect(originAllowed(rules, 'https://app.example.com')).toBe(true);
    expect(originAllowed(rules, 'https://APP.example.com')).toBe(true);
    expect(originAllowed(rules, 'https://app.example.com:443')).toBe(true);
    expect(originAllowed(rules, 'https://a.example.org')).toBe(true);
    expect(originAllowed(rules, 'https://a.b.example.org')).toBe(true);
    expect(originAllowed(rules, 'http://localhost:3000')).toBe(true);
    expect(originAllowed(rules, 'https://[::1]:8443')).toBe(true);
    for (const refused of ['https://example.org', 'https://evilexample.org', 'http://app.example.com', 'https://app.example.com:8443', 'https://app.example.com.evil', 'http://localhost', 'null', 'garbage', '']) {
      expect({ refused, allowed: originAllowed(rules, refused) }).toEqual({ refused, allowed: false });
    }
  });

  it('lets everything through without a list, and requests without an Origin through with one', () => {
    expect(originAllowed(undefined, 'https://anything.example')).toBe(true);
    expect(originAllowed(rules, undefined)).toBe(true);
  });

  it('fails the start on an entry that is not an origin, naming the variable', () => {
    for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://x', 'https://*', 'https://a.*.example.com']) {
      expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_ALLOWED_ORIGINS: bad })).toThrow(ConfigError);
      expect(() => loadGatewayConfig({ RTCROOM_DEV: 'true', GATEWAY_ALLOWED_ORIGINS: bad })).toThrow(/GATEWAY_ALLOWED_ORIGINS/);
    }
    expect(loadGatewayConfig({ RTCROOM_DEV: 'true' }).allowedOrigins).toBeUndefined();
  });
});
