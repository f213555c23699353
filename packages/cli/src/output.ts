// How a command prints: with --json the RPC's answer as proto3 JSON (what buf curl shows), else a
// few lines for people: a table for lists, "name: value" lines for one thing.

export interface Output {
  json: boolean;
  /** One answer: `json` with --json, else `human`. */
  result(json: unknown, human: () => string): void;
  /** One line of a stream (a tail): compact JSON with --json. */
  line(json: unknown, human: () => string): void;
  /** What goes on, for people, apart from the answer (stderr): "following ... after seq 4". */
  note(text: string): void;
}

export function output(json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    note(text) {
      err.write(withNewline(text));
    },
    result(value, human) {
      out.write(json ? `${JSON.stringify(value, null, 2)}\n` : withNewline(human()));
    },
    line(value, human) {
      out.write(json ? `${JSON.stringify(value)}\n` : withNewline(human()));
    },
  };
}

const withNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

/** Rows under a header, columns padded to their widest cell; `empty` when there are no rows. */
export function table(header: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** "name: value" lines, values of undefined or '' left out. */
export function fields(values: Record<string, string | number | boolean | undefined>): string {
  const shown = Object.entries(values).filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n') + '\n';
}

export const time = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '');

/** An enum value without its type's prefix, lower case: ROOM_KIND_GROUP -> group. */
export function enumName(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length).toLowerCase() : name.toLowerCase();
}
