// The shape of rtcroom's command line: groups of commands (rooms, members, ...; a group may hold
// groups: desk teams), each command with its arguments and flags, and the usage text every level
// prints for --help. Reading a command line against the tree is in run.ts.
import type { Connection } from './connection';
import type { Output } from './output';

export interface Flag {
  type: 'string' | 'boolean';
  /** What the value is, in the usage: --since ISO-TIME. */
  value?: string;
  /** May be given several times (its values come as a list). */
  multiple?: boolean;
  help: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  connection: Connection;
  output: Output;
  /** Aborted on Ctrl-C (a tail stops cleanly). */
  signal: AbortSignal;
}

export interface Command {
  kind: 'command';
  summary: string;
  /** The arguments, as the usage shows them: "<room> <identity>"; optional ones in [brackets]. */
  args?: string;
  /** How many arguments it takes: [at least, at most]. */
  arity: [number, number];
  flags?: Record<string, Flag>;
  /** More words for --help: what it changes, what it prints. */
  details?: string;
  run(ctx: CommandContext, args: string[], flags: FlagValues): Promise<void>;
}

export interface Group {
  kind: 'group';
  summary: string;
  children: Record<string, Group | Command>;
  /** Other names of children (team -> teams). */
  aliases?: Record<string, string>;
}

export const command = (c: Omit<Command, 'kind'>): Command => ({ kind: 'command', ...c });
export const group = (g: Omit<Group, 'kind'>): Group => ({ kind: 'group', ...g });

/** The options every command takes: where the services are, how to reach them, how to print. */
export const globalFlags: Record<string, Flag & { short?: string }> = {
  address: { type: 'string', value: 'HOST:PORT', help: 'the room service (default ROOM_SERVICE_ADDRESS, else 127.0.0.1:50051)' },
  'token-address': { type: 'string', value: 'HOST:PORT', help: "the gateway's TokenService (default TOKEN_SERVICE_ADDRESS, else 127.0.0.1:50054)" },
  ca: { type: 'string', value: 'FILE', help: 'mutual TLS: the CA (default GRPC_TLS_CA)' },
  cert: { type: 'string', value: 'FILE', help: 'mutual TLS: an internal certificate (default GRPC_TLS_CERT)' },
  key: { type: 'string', value: 'FILE', help: "mutual TLS: the certificate's key (default GRPC_TLS_KEY)" },
  insecure: { type: 'boolean', help: 'plain gRPC, also to a remote address (development, or a mesh doing TLS)' },
  timeout: { type: 'string', value: 'MS', help: 'deadline of each call (default 10000)' },
  json: { type: 'boolean', help: 'print JSON (the RPC answer as proto3 JSON; a tail: one event per line)' },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
};

const flagLine = (name: string, f: Flag) => `--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;

function flagTable(flags: Record<string, Flag>): string {
  const rows = Object.entries(flags).map(([name, f]) => [flagLine(name, f) + (f.multiple ? ' ...' : ''), f.help]);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`).join('\n');
}

function childTable(g: Group): string {
  const rows = Object.entries(g.children).map(([name, c]) => [c.kind === 'command' && c.args ? `${name} ${c.args}` : name, c.summary]);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`).join('\n');
}

/** The usage of a node at `path` (["rooms", "list"]); every one begins with "usage: ". */
export function usageOf(node: Group | Command, path: string[]): string {
  const at = ['rtcroom', ...path].join(' ');
  if (node.kind === 'group') {
    return `usage: ${at} <command> [flags]\n\n${node.summary}\n\ncommands:\n${childTable(node)}\n\nflags of every command:\n${flagTable(globalFlags)}\n\n` +
      `${at} <command> --help says more about each.\n`;
  }
  const own = node.flags && Object.keys(node.flags).length > 0 ? `\nflags:\n${flagTable(node.flags)}\n` : '';
  const synopsis = [at, node.args, node.flags && Object.keys(node.flags).length > 0 ? '[flags]' : ''].filter(Boolean).join(' ');
  return `usage: ${synopsis}\n\n${node.summary}${node.details ? `\n${node.details}` : ''}\n${own}\nflags of every command:\n${flagTable(globalFlags)}\n`;
}
