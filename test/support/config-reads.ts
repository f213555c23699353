// What each service's config.ts reads from the environment, found in the sources (not listed by
// hand): the variables and the plain defaults the code gives them. The README's Configuration tables
// (test/docs-agree.unit.test.ts) and the Kubernetes manifests (test/kubernetes) are checked against it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** A variable a config.ts reads, and its default when the code gives a plain one (a number or a string). */
export interface Read {
  /** The service (gateway, room, ...), 'common' (packages/common/src/config.ts: every service) or 'cli' (rtcroom). */
  scope: string;
  name: string;
  fallback?: string | number;
}

/** [scope, path of its config.ts] for every service, the common helpers and the admin CLI. */
export const configFiles: [string, string][] = [
  ...readdirSync(join(root, 'services')).map((s): [string, string] => [s, `services/${s}/src/config.ts`]),
  ['common', 'packages/common/src/config.ts'] as [string, string],
  ['cli', 'packages/cli/src/config.ts'] as [string, string],
].filter(([, path]) => statSync(join(root, path), { throwIfNoEntry: false })?.isFile());

/** `20_000`, `64 * 1024`: its value; anything else (a call, a template, a name): undefined. */
function plainValue(source: string): string | number | undefined {
  const text = source.trim();
  const quoted = /^'([^'\\]*)'$/.exec(text);
  if (quoted) return quoted[1];
  if (/^[\d_]+(\s*\*\s*[\d_]+)*$/.test(text)) return text.split('*').reduce((n, f) => n * Number(f.replace(/_/g, '')), 1);
  return undefined;
}

export function readsOf(scope: string, path: string): Read[] {
  const source = readFileSync(join(root, path), 'utf8');
  const fallbacks = new Map<string, string | number>();
  // env*(env, 'NAME', fallback ...) and envOneOf(env, 'NAME', [choices], fallback)
  for (const m of source.matchAll(/\benv\w*\(\s*env,\s*'([A-Z][A-Z0-9_]*)'\s*,\s*(\[[^\]]*\](?:\s*as const)?\s*,\s*)?([^,)]+)/g)) {
    const value = plainValue(m[3]);
    if (value !== undefined) fallbacks.set(m[1], value);
  }
  // Names: an env* helper's or a ConfigError's first name, and lists of names read in a loop (GRPC_TLS_*).
  const name = `'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'`;
  const names = new Set([
    ...[...source.matchAll(new RegExp(`\\b(?:env\\w*\\(\\s*env,|ConfigError\\()\\s*${name}`, 'g'))].map((m) => m[1]),
    ...[...source.matchAll(new RegExp(`\\[\\s*(${name}(?:\\s*,\\s*${name})*)\\s*\\]`, 'g'))].flatMap((m) => m[1].split(',').map((n) => n.trim().slice(1, -1))),
  ]);
  return [...names].map((name) => ({ scope, name, fallback: fallbacks.get(name) }));
}

/** Everything every config.ts reads. */
export const configReads: Read[] = configFiles.flatMap(([scope, path]) => readsOf(scope, path));
