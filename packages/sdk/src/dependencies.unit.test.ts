// The SDK runs with nothing but itself (a mini-program cannot npm install): no package dependency, no
// import of another package from its sources, the generated ones included, and the generated wire
// types imported as types only, so no protobuf code is loaded at run time.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const sdk = join(__dirname, '..');
const src = join(sdk, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : []));
}

/** Every import and re-export of a file: the module named, and whether it is for types only. */
function importsOf(file: string): { from: string; typeOnly: boolean }[] {
  // Comments mention packages ("nodeSocket(require('ws'))"): they are no imports.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  const found: { from: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(\{[^}]*\}|\*(\s+as\s+\w+)?|\w+)\s+from\s+['"]([^'"]+)['"]/gm)) found.push({ from: m[5], typeOnly: !!m[2] });
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ from: m[1], typeOnly: false });
  for (const m of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ from: m[1] ?? m[2], typeOnly: false });
  return found;
}

describe('the SDK depends on nothing', () => {
  it('declares no package it needs at run time', () => {
    const pkg = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  it('imports only its own files, and its generated wire types as types only', () => {
    const files = sources(src);
    expect(files.some((f) => f.includes(`${join('src', 'gen')}`))).toBe(true);
    const offending: string[] = [];
    for (const file of files) {
      for (const { from, typeOnly } of importsOf(file)) {
        const name = `${relative(sdk, file)} imports ${from}`;
        if (!from.startsWith('.')) offending.push(name);
        else if (from.includes('/gen/') && !typeOnly && !file.includes(join('src', 'gen'))) offending.push(`${name} (not as a type)`);
      }
    }
    expect(offending).toEqual([]);
  });
});
