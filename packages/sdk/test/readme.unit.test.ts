// The SDK's README is its reference, so it is held to the code: its tables name exactly the client's
// public methods and properties, its options, its events, the error codes (the server's and the SDK's
// own) and the package's run-time exports, as the TypeScript compiler reads them from the sources (a member
// added without a line in the README, or a line left after a member went, fails here). Its Node example
// is examples/example.mjs word for word, which package.integration.test.ts runs against the system.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import * as sdkModule from '@rtcroom/sdk';
import { serverErrorCodes } from '@rtcroom/sdk';

const sdk = join(__dirname, '..');
const readme = readFileSync(join(sdk, 'README.md'), 'utf8');

/** The text under a `### ` heading that starts with `title`, up to the next heading. */
function section(title: string): string {
  const start = readme.split('\n').findIndex((l) => l.startsWith(`### ${title}`));
  if (start < 0) throw new Error(`README has no "### ${title}" section`);
  const rest = readme.split('\n').slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('#'));
  return rest.slice(0, end < 0 ? undefined : end).join('\n');
}

/** The names a section's table rows are about: the first identifier of each backticked span in the first cell. */
function tableNames(text: string): string[] {
  const rows = text.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!)).sort();
}

/** The SDK's public surface as the compiler sees it. */
function publicSurface() {
  const { config } = ts.readConfigFile(join(sdk, 'tsconfig.esm.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, sdk);
  const index = join(sdk, 'src', 'index.ts');
  const program = ts.createProgram({ rootNames: [index], options: { ...options, noEmit: true, composite: false, declaration: false, incremental: false } });
  const checker = program.getTypeChecker();
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index)!)!);
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const byName = (name: string) => {
    const s = exported.find((e) => e.name === name);
    if (!s) throw new Error(`the SDK exports no ${name}`);
    return resolve(s);
  };
  const hidden = (s: ts.Symbol) =>
    (s.declarations ?? []).some(
      (d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal'),
    ) || s.name.startsWith('#');
  const propertiesOf = (name: string) => checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(byName(name))).filter((p) => !hidden(p)).map((p) => p.name).sort();
  const clientCodes = (checker.getDeclaredTypeOfSymbol(byName('ClientErrorCode')) as ts.UnionType).types.map((t) => (t as ts.StringLiteralType).value);
  return {
    members: propertiesOf('RtcRoomClient'),
    options: propertiesOf('RtcRoomClientOptions'),
    events: propertiesOf('RtcRoomEvents'),
    clientCodes,
  };
}

const surface = publicSurface();

it('finds the public surface (the check itself works)', () => {
  expect(surface.members).toEqual(expect.arrayContaining(['connect', 'enterRoom', 'reportPusherEvent', 'callTeam', 'state']));
  expect(surface.members).not.toContain('diagnose'); // @internal
  expect(surface.members).not.toContain('transport'); // protected
  expect(surface.events).toContain('streamReady');
  expect(surface.clientCodes).toContain('CONNECTION_LOST');
});

it('names every public method and property of RtcRoomClient, and nothing else', () => {
  expect(tableNames(section('Methods and properties'))).toEqual(surface.members);
});

it('names every constructor option', () => {
  expect(tableNames(section('Options'))).toEqual(surface.options);
});

it('names every event', () => {
  expect(tableNames(section('Events'))).toEqual(surface.events);
});

it('names every error code, each with where it comes from', () => {
  const rows = section('Errors').split('\n').filter((l) => l.startsWith('| `'));
  const from = Object.fromEntries(rows.map((r) => r.split('|').map((c) => c.trim())).map(([, code, origin]) => [code!.replace(/`/g, ''), origin]));
  const expected = { ...Object.fromEntries(serverErrorCodes.map((c) => [c, 'server'])), ...Object.fromEntries(surface.clientCodes.map((c) => [c, 'SDK'])) };
  expect(from).toEqual(expected);
});

it('names every value the package exports (what an app gets at run time)', () => {
  expect(tableNames(section('Other exports'))).toEqual(Object.keys(sdkModule).sort());
});

it('shows examples/example.mjs as it is', () => {
  expect(readme).toContain(`\`\`\`js\n${readFileSync(join(sdk, 'examples', 'example.mjs'), 'utf8')}\`\`\``);
});
