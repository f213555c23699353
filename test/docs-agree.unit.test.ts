// The README says what the code does: every variable a config.ts reads is in the README's
// Configuration section (under its service, or common to all), with the default the code uses where
// the README states one, and every variable documented there is read somewhere; the error codes a
// client can get in an error frame are exactly those the README lists and gateway.proto's Error
// comment lists, and every "Errors:" line of gateway.proto names only such codes.
// Robust to new variables and codes: they are found in the sources, not listed here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gatewayErrorCodes } from '../services/gateway/src/errors';
import { configFiles, configReads, Read } from './support/config-reads';

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const readme = read('README.md');

// --- What the code reads: every config.ts (test/support/config-reads.ts) ---------------------------

const reads = configReads;

// --- What the README documents ------------------------------------------------------------------

/** A variable as the README's Configuration section documents it: for a service, or common (''). */
interface Documented {
  scope: string;
  name: string;
  /** The default cell's words about this variable; undefined in prose. */
  stated?: string;
}

const configuration = (() => {
  const start = readme.indexOf('\n## Configuration\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, end);
})();

const backticked = (text: string) => [...text.matchAll(/`([A-Z][A-Z0-9_]+)(?:=[^`]*)?`/g)].map((m) => m[1]);

/** Splits at `separator` outside backticks and brackets: "a, b (c, d), `e,f`" -> ["a", "b (c, d)", "`e,f`"]. */
function splitOutsideCode(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let code = false;
  let current = '';
  for (const ch of text) {
    if (ch === '`') code = !code;
    if (!code && ch === '(') depth++;
    if (!code && ch === ')') depth--;
    if (ch === separator && depth === 0 && !code) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  return [...parts, current.trim()];
}

function documentedVariables(): Documented[] {
  const out: Documented[] = [];
  // Prose: `NAME` (what it does) or `NAME=value` (...), before the first table: common to all services.
  const prose = configuration.slice(0, configuration.indexOf('\n|'));
  for (const m of prose.matchAll(/`([A-Z][A-Z0-9_]+)(?:=[^`]*)?` \(/g)) out.push({ scope: '', name: m[1] });
  let columns: string[] = [];
  let service = '';
  for (const line of configuration.split('\n')) {
    if (!line.startsWith('|')) {
      columns = [];
      continue;
    }
    const cells = splitOutsideCode(line, '|').slice(1, -1);
    if (columns.length === 0) {
      columns = cells;
      continue;
    }
    if (cells[0].startsWith('---')) continue;
    const cell = (column: string) => cells[columns.indexOf(column)] ?? '';
    if (columns.includes('service')) service = cell('service') || service;
    const names = backticked(cell('variable'));
    const stated = splitOutsideCode(cell('default'), ',').filter(Boolean);
    names.forEach((name, i) => out.push({ scope: columns.includes('service') ? service : '', name, stated: stated.length === names.length ? stated[i] : cell('default') }));
  }
  return out;
}

const documented = documentedVariables();

/** Where the README says what `r` is: its service's row, else a common one. */
function docFor(r: Read): Documented | undefined {
  const own = documented.find((d) => d.name === r.name && d.scope === r.scope);
  const common = documented.find((d) => d.name === r.name && d.scope === '');
  // The common helpers' variables (TLS, secure start) may be documented under any service.
  return own ?? common ?? (r.scope === 'common' ? documented.find((d) => d.name === r.name) : undefined);
}

/** Does the README's statement of a default name the code's? (A statement with no value in it states none.) */
function states(stated: string, fallback: string | number): boolean {
  if (typeof fallback === 'number') return new RegExp(`(?<![\\d.])${fallback}(?![\\d])`).test(stated);
  return stated.includes(`\`${fallback}\``) || new RegExp(`(^|[\\s(])${fallback.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s),;])`).test(stated);
}

describe('configuration', () => {
  it('finds the variables of every config.ts', () => {
    expect(configFiles.map(([scope]) => scope).sort()).toEqual(['cli', 'common', 'gateway', 'media-bridge', 'presence', 'room', 'url-issuer']);
    expect(reads.length).toBeGreaterThan(50);
  });

  it('documents every variable a config.ts reads, under its service or as common', () => {
    const missing = reads.filter((r) => !docFor(r)).map((r) => `${r.scope}: ${r.name}`);
    expect(missing).toEqual([]);
  });

  it('states the default the code uses, wherever the README states one', () => {
    const wrong = reads.flatMap((r) => {
      const stated = docFor(r)?.stated;
      const statesAValue = stated !== undefined && /[`\d]/.test(stated);
      return r.fallback !== undefined && statesAValue && !states(stated, r.fallback) ? [`${r.scope}: ${r.name} is ${r.fallback} in code, "${stated}" in the README`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('documents no variable that nothing reads', () => {
    const sources = ['packages', 'services']
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    const unread = [...new Set(documented.map((d) => d.name))].filter((name) => !new RegExp(`['".]${name}\\b`).test(sources));
    expect(unread).toEqual([]);
  });
});

/** Non-test TypeScript sources (no generated code, no build output). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', 'gen'].includes(e.name) ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !relative(root, path).includes('/test/') ? [path] : [];
  });
}

// --- Error codes ------------------------------------------------------------------------------

const gatewayProto = read('proto/rtcroom/gateway/v1/gateway.proto');
const codesIn = (text: string) => [...new Set(text.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b/g) ?? [])].filter((w) => w.length > 2).sort();

/** The README's list: "... with stable codes: `A`, `B`, ... `Z`." */
function readmeCodes(): string[] {
  const start = readme.indexOf('with stable codes:');
  expect(start).toBeGreaterThan(0);
  const list = readme.slice(start, readme.indexOf('. ', start));
  return [...new Set(backticked(list))].sort();
}

/** gateway.proto's comment on message Error, from "Codes:" on. */
function protoCodes(): string[] {
  const lines = gatewayProto.split('\n');
  const at = lines.findIndex((l) => /^message Error \{/.test(l));
  let first = at;
  while (first > 0 && lines[first - 1].startsWith('//')) first--;
  const comment = lines.slice(first, at).map((l) => l.replace(/^\/\/\s?/, '')).join(' ');
  expect(comment).toContain('Codes:');
  return codesIn(comment.slice(comment.indexOf('Codes:') + 'Codes:'.length));
}

describe('error codes', () => {
  const sent = [...gatewayErrorCodes].sort();

  it('the README lists exactly the codes a client can get', () => {
    expect(readmeCodes()).toEqual(sent);
  });

  it("gateway.proto's Error comment lists exactly the codes a client can get", () => {
    expect(protoCodes()).toEqual(sent);
  });

  it('every "Errors:" line of gateway.proto names codes a client can get', () => {
    // A comment's lines joined, so a list that wraps is read whole, up to the sentence's end.
    const comments = gatewayProto.replace(/\n\s*\/\/\s?/g, ' ');
    const named = [...comments.matchAll(/Errors: (.*?)(\.\s|\n)/g)].flatMap((m) => codesIn(m[1]));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((code) => !sent.includes(code as never))).toEqual([]);
  });
});
