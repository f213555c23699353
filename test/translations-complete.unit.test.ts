// Every stable code a user can meet has its message in both languages (packages/sdk/src/i18n/): the
// codes are read from where they are defined - the services' reasons (packages/common/src/errors.ts,
// which the room service, the desk and the url-issuer throw), the gateway's codes
// (services/gateway/src/errors.ts), the url-issuer's reasons a browser's URL has no WebRTC
// (services/url-issuer/src/domain/media-provider.ts), the SDK's own (packages/sdk/src/errors.ts) and the pusher and player
// codes the SDK explains (packages/sdk/src/rooms/live-glue.ts) - so a code added later fails here until
// it is translated, and the failure says what line to add where. The UI strings: both languages with the
// same {placeholders}, and every key the mini-program example's plain JS and WXML name is there (the
// console's are checked by tsc).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { clientErrorCodes, serverErrorCodes } from '../packages/sdk/src/errors';
import { errorMessages } from '../packages/sdk/src/i18n/error-messages';
import { locales } from '../packages/sdk/src/i18n/locale';
import { playerMessagesZh, pusherMessagesZh } from '../packages/sdk/src/i18n/media-messages';
import { uiMessages } from '../packages/sdk/src/i18n/ui-messages';
import { explainedPlayerCodes, explainedPusherCodes } from '../packages/sdk/src/rooms/live-glue';
import { gatewayErrorCodes } from '../services/gateway/src/errors';
import { webrtcFailed, webrtcStarting, webrtcUnavailable } from '../services/url-issuer/src/domain/media-provider';

const root = join(__dirname, '..');
const catalogFile = 'packages/sdk/src/i18n/error-messages.ts';
const mediaFile = 'packages/sdk/src/i18n/media-messages.ts';

/** The string literals of a union type alias, read from its source (ErrorReason is a type only). */
function unionMembers(file: string, alias: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found = source.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === alias);
  if (!found || !ts.isUnionTypeNode(found.type)) throw new Error(`${file} no longer declares ${alias} as a union of codes: point this test at where the codes live now`);
  return found.type.types.flatMap((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? [t.literal.text] : []));
}

const sources: [string, readonly string[]][] = [
  ['packages/common/src/errors.ts (ErrorReason)', unionMembers('packages/common/src/errors.ts', 'ErrorReason')],
  ['services/gateway/src/errors.ts (gatewayErrorCodes)', gatewayErrorCodes],
  ['packages/sdk/src/errors.ts (serverErrorCodes)', serverErrorCodes],
  ['packages/sdk/src/errors.ts (clientErrorCodes)', clientErrorCodes],
  ['services/url-issuer/src/domain/media-provider.ts (webrtc_unavailable codes)', [webrtcUnavailable, webrtcFailed, webrtcStarting]],
];

const hasChinese = (text: string) => /[\u4e00-\u9fff]/.test(text);
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

it('reads the codes from their sources', () => {
  for (const [where, codes] of sources) expect([where, codes.length > 1]).toEqual([where, true]);
  expect(sources[0]![1]).toContain('ROOM_FULL');
});

it('every error code has a message in en and zh-CN', () => {
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const [where, codes] of sources) {
    for (const code of codes) {
      if (seen.has(code)) continue;
      seen.add(code);
      const line = errorMessages[code];
      const incomplete = !line || locales.some((l) => !line[l]?.trim()) || !hasChinese(line['zh-CN']);
      if (incomplete) missing.push(`${code} (defined in ${where}) needs a line in ${catalogFile}, in errorMessages: ${code}: { en: '<one sentence for users>', 'zh-CN': '<同一句中文，用微信文档的用语：房间、成员、推流、拉流、连麦、坐席>' },`);
    }
  }
  expect(missing).toEqual([]);
});

it('has no message for a code that no longer exists', () => {
  const known = new Set(sources.flatMap(([, codes]) => codes));
  const stale = Object.keys(errorMessages).filter((code) => !known.has(code)).map((code) => `${code} is in ${catalogFile} but defined nowhere: remove its line`);
  expect(stale).toEqual([]);
});

it('every pusher and player code the SDK explains has its Chinese', () => {
  const missing = [
    ...explainedPusherCodes.filter((c) => !hasChinese(pusherMessagesZh[c] ?? '')).map((c) => `pusher code ${c} (explained in packages/sdk/src/rooms/live-glue.ts) needs a line in ${mediaFile}, in pusherMessagesZh`),
    ...explainedPlayerCodes.filter((c) => !hasChinese(playerMessagesZh[c] ?? '')).map((c) => `player code ${c} (explained in packages/sdk/src/rooms/live-glue.ts) needs a line in ${mediaFile}, in playerMessagesZh`),
  ];
  expect(missing).toEqual([]);
  expect(Object.keys(pusherMessagesZh).map(Number).filter((c) => !explainedPusherCodes.includes(c))).toEqual([]);
  expect(Object.keys(playerMessagesZh).map(Number).filter((c) => !explainedPlayerCodes.includes(c))).toEqual([]);
});

it('every UI string is there in both languages, with the same {placeholders}', () => {
  const wrong = Object.entries(uiMessages).flatMap(([key, text]) => {
    if (locales.some((l) => !text[l])) return [`${key}: a language is empty`];
    if (placeholders(text.en).join() !== placeholders(text['zh-CN']).join()) return [`${key}: en has {${placeholders(text.en)}}, zh-CN has {${placeholders(text['zh-CN'])}}`];
    return [];
  });
  expect(wrong).toEqual([]);
});

it('every UI key the mini-program example names is in the catalog', () => {
  const example = join(root, 'examples/miniprogram');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.name === 'node_modules' || e.name === 'miniprogram_npm' ? [] : e.isDirectory() ? files(join(dir, e.name)) : /\.(js|wxml)$/.test(e.name) ? [join(dir, e.name)] : []));
  const named = files(example).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const keys = file.endsWith('.wxml')
      ? [...text.matchAll(/\bt\.(\w+)/g)].map((m) => m[1]!)
      : [
          ...[...text.matchAll(/\blang\.t\('(\w+)'/g)].map((m) => m[1]!),
          // the tables from a code to a key (stateText, endedWords, seatEnded...)
          ...[...text.matchAll(/^\s+[A-Z_]+: '([a-z]+[A-Z]\w*)',$/gm)].map((m) => m[1]!),
        ];
    return keys.map((key) => `${key} (${file.slice(root.length + 1)})`);
  });
  expect(named.length).toBeGreaterThan(20);
  expect(named.filter((entry) => !(entry.split(' ')[0]! in uiMessages)).map((e) => `${e} is not in packages/sdk/src/i18n/ui-messages.ts`)).toEqual([]);
});
