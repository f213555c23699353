// Secrets anyone can read in this repository: the development defaults, and every value the compose
// file, the README or an example has ever offered. Outside development (RTCROOM_DEV) envSecret refuses
// them, whatever their length: a deployment started from a copied example is not secret at all.
// published-secrets.unit.test.ts scans the tracked files and fails when a secret-looking value there
// is missing from this list.

/** What RTCROOM_DEV=true starts with when a secret is unset; nothing else accepts them. */
export const devSecrets = {
  accessToken: 'rtcroom-dev-secret-do-not-use-in-production',
  streamIdKey: 'rtcroom-dev-stream-id-key-not-secret',
  mediaSigningKey: 'rtcroom-dev-media-signing-key-not-secret',
  trtcSecretKey: 'rtcroom-dev-trtc-secret-key-not-secret',
} as const;

const published: readonly string[] = [
  ...Object.values(devSecrets),
  // docker-compose.yml's defaults until issue 14 (a copied .env may still hold them).
  'change-me-stream-id-key',
  'change-me-media-signing-key',
  'change-me-access-token-secret',
  // docker-compose.yml's Postgres password default until issue 14.
  'rtcroom',
  // The bench's bare WebSocket hub (bench/src/floor), in development mode.
  'rtcroom-floor-dev-secret',
];

const publishedSet = new Set(published);

export function isPublishedSecret(value: string): boolean {
  return publishedSet.has(value) || publishedSet.has(value.trim());
}

export const publishedSecrets: readonly string[] = published;
