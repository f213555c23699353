// @rtcroom/common/errors: what domain code may take from the shared package (STYLE.md 4): its typed
// errors, and the identity rule and token grants the domain checks against. It loads no library (no
// grpc-js, nats, pg, kysely or PGlite, which the package's main entry brings); a test holds it to that
// (test/domain-imports.unit.test.ts).
export * from './errors';
export { identityPattern } from './grants';
export type { Grants } from './grants';
