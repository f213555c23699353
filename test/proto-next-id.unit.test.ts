// Every message in proto/ ends with `// NEXT-ID: n`, n above every field number and every reserved
// number in it: whoever adds a field takes n and raises it, so a number once used is never used again
// (a removed field's number becomes `reserved`). proto/google holds subsets of Google's own messages,
// whose numbers Google keeps; buf lint leaves them out too.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { protoMessages } from './support/proto-messages';

const protoRoot = join(__dirname, '..', 'proto');

function protoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? protoFiles(join(dir, e.name)) : e.name.endsWith('.proto') ? [join(dir, e.name)] : [],
  );
}

/** What is wrong with each message's NEXT-ID, as "file:line Message: problem". */
function nextIdProblems(file: string, source: string): string[] {
  return protoMessages(source).flatMap((m) => {
    const at = `${file}:${m.line} ${m.name}`;
    const used = Math.max(0, ...m.fieldNumbers, ...m.reservedNumbers);
    if (m.nextIds.length === 0) return [`${at}: no // NEXT-ID line (it would be ${used + 1})`];
    if (m.nextIds.length > 1) return [`${at}: ${m.nextIds.length} NEXT-ID lines`];
    const [n] = m.nextIds;
    if (!Number.isInteger(n)) return [`${at}: NEXT-ID is not a number`];
    if (n <= used) return [`${at}: NEXT-ID ${n} is not above ${used}, a number the message uses or reserves`];
    if (!m.nextIdLast) return [`${at}: NEXT-ID is not the last line of the message`];
    return [];
  });
}

const files = protoFiles(join(protoRoot, 'rtcroom'));

it('finds the contract', () => {
  expect(files.length).toBeGreaterThan(10);
});

it.each(files.map((f) => [relative(protoRoot, f), f]))('%s: every message ends with a NEXT-ID above its numbers', (name, file) => {
  expect(nextIdProblems(name, readFileSync(file, 'utf8'))).toEqual([]);
});

describe('the check itself', () => {
  const problems = (source: string) => nextIdProblems('x.proto', source);

  it('takes a message whose NEXT-ID is above its fields, oneof members and reserved numbers', () => {
    const source = `
      syntax = "proto3";
      message Ok {
        string a = 1; // a comment
        /* a block comment with = 99 in it */
        map<string, string> labels = 2 [deprecated = true];
        oneof body {
          int32 b = 7;
        }
        reserved 3, 9 to 11;
        reserved "old_name";
        message Inner {
          bool c = 1;
          // NEXT-ID: 2
        }
        enum Kind {
          KIND_UNSPECIFIED = 0;
          KIND_BIG = 40;
        }
        // NEXT-ID: 12
      }
      message Empty {
        // NEXT-ID: 1
      }
      service S {
        rpc Get(Ok) returns (Empty);
      }`;
    expect(problems(source)).toEqual([]);
    expect(protoMessages(source).map((m) => [m.name, m.fieldNumbers, m.reservedNumbers])).toEqual([
      ['Ok', [1, 2, 7], [3, 11]],
      ['Ok.Inner', [1], []],
      ['Empty', [], []],
    ]);
  });

  it('fails a message without one, with one too low (fields, oneof members, reserved), or not at its end', () => {
    expect(problems('message A { string a = 1; }')).toEqual(['x.proto:1 A: no // NEXT-ID line (it would be 2)']);
    expect(problems('message A {\n string a = 1;\n string b = 2;\n // NEXT-ID: 2\n}')).toEqual([
      'x.proto:1 A: NEXT-ID 2 is not above 2, a number the message uses or reserves',
    ]);
    expect(problems('message A {\n oneof o { string a = 5; }\n // NEXT-ID: 3\n}')).toEqual([
      'x.proto:1 A: NEXT-ID 3 is not above 5, a number the message uses or reserves',
    ]);
    expect(problems('message A {\n reserved 4 to 8;\n // NEXT-ID: 8\n}')).toEqual([
      'x.proto:1 A: NEXT-ID 8 is not above 8, a number the message uses or reserves',
    ]);
    expect(problems('message A {\n // NEXT-ID: 2\n string a = 1;\n}')).toEqual(['x.proto:1 A: NEXT-ID is not the last line of the message']);
    expect(problems('message A {\n // NEXT-ID: two\n}')).toEqual(['x.proto:1 A: NEXT-ID is not a number']);
  });

  it("counts a nested message's NEXT-ID for it alone", () => {
    expect(problems('message A {\n message B {\n int32 x = 1;\n // NEXT-ID: 2\n }\n int32 y = 1;\n}')).toEqual([
      'x.proto:1 A: no // NEXT-ID line (it would be 2)',
    ]);
  });
});
