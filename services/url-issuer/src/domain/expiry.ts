// Signed URLs carry whole UNIX seconds; kept apart from media-provider.ts so that providers need not
// import the module that imports them.

/** The expiry, in UNIX seconds, of a URL issued at `now` that lives `ttlSeconds`. */
export function expirySeconds(now: Date, ttlSeconds: number): number {
  return Math.floor(now.getTime() / 1000) + ttlSeconds;
}
