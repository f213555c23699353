// "Domain code knows nothing of gRPC, NATS or SQL" (STYLE.md 4), held for what it loads, not only for
// what it says: a file under a service's `domain/` folder imports the shared package's errors-only
// entry (@rtcroom/common/errors) and other domain files of its own service, nothing else. That entry
// in turn must load no library at all.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = join(__dirname, '..');

/** Node built-ins a domain may use: pure computation (signing URLs, hashing facts), no I/O. */
const builtIns = new Set(['node:crypto']);
const sharedErrors = '@rtcroom/common/errors';

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path).isDirectory() ? filesUnder(path, keep) : keep(path) ? [path] : [];
  });
}

/** Every module a file names: static imports and re-exports (type-only ones too), require() and import(). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/^\s*(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/gms, /^\s*import\s*['"]([^'"]+)['"]/gm, /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new Error(`${relative(root, from)}: cannot find ${spec}`);
}

const isDomainFile = (path: string) => path.endsWith('.ts') && !path.endsWith('.test.ts') && path.split(sep).includes('domain');
const services = readdirSync(join(root, 'services'));
const domainFiles = services.flatMap((service) => filesUnder(join(root, 'services', service, 'src'), isDomainFile));

/** What a domain file may not import, with why; empty when it keeps to the rule. */
function breaches(file: string): string[] {
  const serviceSrc = join(root, 'services', relative(join(root, 'services'), file).split(sep)[0]!, 'src');
  return importsOf(readFileSync(file, 'utf8')).flatMap((spec) => {
    if (spec === sharedErrors || builtIns.has(spec)) return [];
    if (!spec.startsWith('.')) return [`${spec} (only ${sharedErrors} and domain files)`];
    const target = resolveRelative(file, spec);
    const inService = relative(serviceSrc, target);
    if (inService.startsWith('..') || !isDomainFile(target)) return [`${spec} (not a domain file of this service)`];
    return [];
  });
}

describe('domain code', () => {
  it('is found where the rule looks for it', () => {
    // Guards the test itself: a layout change that hid the domain folders would pass vacuously.
    const roomDomain = domainFiles.filter((f) => f.includes(join('services', 'room', 'src')));
    expect(roomDomain.length).toBeGreaterThanOrEqual(5);
    expect(domainFiles.some((f) => f.includes(join('services', 'url-issuer', 'src')))).toBe(true);
  });

  it.each(domainFiles.map((f) => [relative(root, f), f]))('%s imports only the errors entry and domain files', (_name, file) => {
    expect(breaches(file)).toEqual([]);
  });

  it('would be caught importing the barrel, a store or a library', () => {
    const source = [
      "import { DomainError } from '@rtcroom/common';",
      "import type { Kysely } from 'kysely';",
      "export { x } from '../store/thing';",
      'const grpc = require("@grpc/grpc-js");',
      "import { y } from '@rtcroom/common/errors';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['@rtcroom/common', 'kysely', '../store/thing', '@rtcroom/common/errors', '@grpc/grpc-js']);
  });
});

describe('@rtcroom/common/errors', () => {
  it('loads no library, only node built-ins and its own dependency-free files', () => {
    const entry = join(root, 'packages', 'common', 'src', 'errors-entry.ts');
    const seen = new Set<string>();
    const libraries: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) visit(resolveRelative(file, spec));
        else if (!spec.startsWith('node:')) libraries.push(`${relative(root, file)}: ${spec}`);
      }
    };
    visit(entry);
    expect(libraries).toEqual([]);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('is what package.json, jest and the test tsconfig point to', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', 'common', 'package.json'), 'utf8'));
    expect(pkg.exports['./errors']).toEqual({ types: './dist/errors-entry.d.ts', default: './dist/errors-entry.js' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jest = require(join(root, 'jest.config.js'));
    expect(jest.moduleNameMapper['^@rtcroom/common/errors$']).toBe('<rootDir>/packages/common/src/errors-entry.ts');
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.test.json'), 'utf8'));
    expect(tsconfig.compilerOptions.paths['@rtcroom/common/errors']).toEqual(['./packages/common/src/errors-entry.ts']);
  });
});
