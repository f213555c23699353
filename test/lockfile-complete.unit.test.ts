// package-lock.json holds every platform's packages, so `npm ci` takes it unchanged on any machine
// (the images' builds included) and never wants to rewrite it: each optional dependency a locked
// package names (buf's and swc's binaries for every OS and CPU) has its own entry, and the lock agrees
// with every workspace's package.json. npm leaves the other platforms out when it resolves on a machine
// configured to keep registry addresses out of lockfiles; this catches such a lock before CI's npm ci.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const lock = read('package-lock.json') as { packages: Record<string, LockedPackage> };
const manifest = read('package.json') as { workspaces: string[] };

interface LockedPackage {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Where node would find `name` from the package at `path` (its own node_modules, then its parents'). */
function resolves(path: string, name: string): boolean {
  for (let at = path; ; at = at.includes('/node_modules/') ? at.slice(0, at.lastIndexOf('/node_modules/')) : '') {
    if (lock.packages[`${at ? `${at}/` : ''}node_modules/${name}`]) return true;
    if (!at) return false;
  }
}

test('every optional dependency of a locked package has its own entry, whatever the platform', () => {
  const missing = Object.entries(lock.packages).flatMap(([path, p]) =>
    Object.keys(p.optionalDependencies ?? {})
      .filter((name) => !resolves(path, name))
      .map((name) => `${path || '(root)'} -> ${name}`),
  );
  expect(missing).toEqual([]);
});

test('the lock records the root and every workspace with the dependencies its package.json declares', () => {
  for (const workspace of ['', ...manifest.workspaces]) {
    const own = read(workspace ? `${workspace}/package.json` : 'package.json');
    const locked = lock.packages[workspace];
    expect({ workspace, locked: !!locked }).toEqual({ workspace, locked: true });
    for (const kind of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const) {
      expect({ workspace, kind, deps: locked[kind] ?? {} }).toEqual({ workspace, kind, deps: own[kind] ?? {} });
    }
  }
});
