// Reads the messages of a .proto file's text, enough to check their field numbers: each message's
// field numbers (oneof members included), reserved numbers, and its `// NEXT-ID: n` lines. Nested
// messages are messages of their own, named Outer.Inner. No buf needed: the contract's guard holds
// where buf is not installed, and the parse is small because rtcroom's protos are plain proto3.

export interface ProtoMessage {
  /** Outer.Inner for a nested message. */
  name: string;
  /** Line of `message Name {`, from 1. */
  line: number;
  /** Line of its closing brace. */
  endLine: number;
  fieldNumbers: number[];
  reservedNumbers: number[];
  /** The n of each `// NEXT-ID: n` directly in this message (not in a nested one). */
  nextIds: number[];
  /** Whether the last NEXT-ID line is the last thing in the message, just before its closing brace. */
  nextIdLast: boolean;
}

const maxFieldNumber = 536_870_911;

interface Token {
  text: string;
  line: number;
  /** The n of a `// NEXT-ID: n` comment. */
  nextId?: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  for (let i = 0; i < source.length; ) {
    const c = source[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
      const comment = source.slice(i, end);
      const nextId = /^\/\/\s*NEXT-ID:\s*(\S+)\s*$/.exec(comment);
      if (nextId) tokens.push({ text: '// NEXT-ID', line, nextId: /^\d+$/.test(nextId[1]) ? Number(nextId[1]) : NaN });
      else if (/NEXT-ID/.test(comment)) tokens.push({ text: '// NEXT-ID', line, nextId: NaN }); // misspelt: reported as wrong
      i = end;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      line += source.slice(i, stop).split('\n').length - 1;
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      tokens.push({ text: source.slice(i, j + 1), line });
      i = j + 1;
    } else if (/[A-Za-z0-9_.]/.test(c)) {
      let j = i;
      while (j < source.length && /[A-Za-z0-9_.]/.test(source[j])) j++;
      tokens.push({ text: source.slice(i, j), line });
      i = j;
    } else {
      tokens.push({ text: c, line });
      i++;
    }
  }
  return tokens;
}

interface Frame {
  kind: 'message' | 'oneof' | 'other';
  message?: ProtoMessage;
  /** The last token seen directly in this block. */
  last?: Token;
}

/** Every message in the file, outer ones before the ones nested in them. */
export function protoMessages(source: string): ProtoMessage[] {
  const tokens = tokenize(source);
  const messages: ProtoMessage[] = [];
  const stack: Frame[] = [];
  const enclosingMessage = () => [...stack].reverse().find((f) => f.kind === 'message')?.message;
  let statement: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const top = stack[stack.length - 1];
    if (t.nextId !== undefined) {
      if (top?.kind === 'message') top.message!.nextIds.push(t.nextId);
      if (top) top.last = t;
      continue;
    }
    if (t.text === '{') {
      const head = statement.map((s) => s.text);
      if (head[0] === 'message' && head.length === 2) {
        const outer = enclosingMessage();
        const message: ProtoMessage = {
          name: outer ? `${outer.name}.${head[1]}` : head[1],
          line: statement[0].line,
          endLine: statement[0].line,
          fieldNumbers: [],
          reservedNumbers: [],
          nextIds: [],
          nextIdLast: false,
        };
        messages.push(message);
        stack.push({ kind: 'message', message });
      } else {
        stack.push({ kind: head[0] === 'oneof' ? 'oneof' : 'other' });
      }
      statement = [];
      continue;
    }
    if (t.text === '}') {
      const frame = stack.pop();
      if (frame?.kind === 'message') {
        frame.message!.nextIdLast = frame.last?.nextId !== undefined;
        frame.message!.endLine = t.line;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.last = t;
      statement = [];
      continue;
    }
    if (top) top.last = t;
    if (t.text !== ';') {
      statement.push(t);
      continue;
    }
    if (top?.kind === 'message' || top?.kind === 'oneof') read(statement.map((s) => s.text), enclosingMessage()!);
    statement = [];
  }
  return messages;
}

/** One statement of a message body, its `;` left off: a field, a reserved list, or something else. */
function read(words: string[], message: ProtoMessage): void {
  if (words[0] === 'reserved') {
    const list = words.slice(1).filter((w) => w !== ',');
    for (let k = 0; k < list.length; k++) {
      if (!/^\d+$/.test(list[k])) continue; // a reserved name
      if (list[k + 1] === 'to') {
        message.reservedNumbers.push(list[k + 2] === 'max' ? maxFieldNumber : Number(list[k + 2]));
        k += 2;
      } else {
        message.reservedNumbers.push(Number(list[k]));
      }
    }
    return;
  }
  if (words[0] === 'option' || words[0] === 'extensions') return;
  const eq = words.indexOf('=');
  if (eq > 0 && /^\d+$/.test(words[eq + 1] ?? '')) message.fieldNumbers.push(Number(words[eq + 1]));
}
