// The README's paths ("Where things are", the architecture, the security model) lead somewhere: every
// path it quotes from the repository's top folders exists, so moving a file without the README fails
// here instead of misleading a reader.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const topFolders = /^(services|packages|test|bench|proto|scripts|examples|docs|deploy)\//;

/** Paths quoted in backticks, without patterns (`<capability>`, `*`, `{a,b}`, `...`) or a `:line`. */
function quotedPaths(markdown: string): string[] {
  return [...markdown.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((p) => topFolders.test(p) && !/[<*{]|\.\.\./.test(p))
    .map((p) => p.replace(/:\d+$/, '').replace(/\/$/, ''));
}

describe('README paths', () => {
  const paths = quotedPaths(readFileSync(join(root, 'README.md'), 'utf8'));

  it('quotes paths at all (the check itself finds them)', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  it('quotes only paths that exist', () => {
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });
});
