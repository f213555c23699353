// Runs one command line: finds the command in the tree, checks its arguments and flags, runs it and
// turns every failure into `<CODE>: <message>` and an exit status (cli-error.ts), never a stack trace.
import { parseArgs, ParseArgsConfig } from 'node:util';
import { CliError, exitStatus, usageError } from './cli-error';
import { Command, Flag, FlagValues, globalFlags, Group, usageOf } from './command-tree';
import { Connection } from './connection';
import { output } from './output';

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Every flag of the tree (parseArgs reads them all at once; each command then refuses the others'). */
function allFlags(root: Group): Record<string, Flag & { short?: string }> {
  const out: Record<string, Flag & { short?: string }> = { ...globalFlags };
  const walk = (node: Group | Command) => {
    if (node.kind === 'group') return Object.values(node.children).forEach(walk);
    for (const [name, flag] of Object.entries(node.flags ?? {})) {
      const seen = out[name];
      if (seen && (seen.type !== flag.type || !!seen.multiple !== !!flag.multiple)) throw new Error(`--${name} is defined two ways`);
      out[name] = flag;
    }
  };
  walk(root);
  return out;
}

const parseOptions = (flags: Record<string, Flag & { short?: string }>): ParseArgsConfig['options'] =>
  Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]));

/** The node the words lead to, as far as they name one, and the words left over. */
function walk(root: Group, words: string[]): { node: Group | Command; path: string[]; rest: string[]; unknown?: string } {
  let node: Group | Command = root;
  const path: string[] = [];
  let i = 0;
  while (node.kind === 'group' && i < words.length) {
    const word: string = node.aliases?.[words[i]] ?? words[i];
    const child: Group | Command | undefined = Object.hasOwn(node.children, word) ? node.children[word] : undefined;
    if (!child) return { node, path, rest: words.slice(i), unknown: words[i] };
    node = child;
    path.push(word);
    i++;
  }
  return { node, path, rest: words.slice(i) };
}

/** Runs `argv` (without node and the script); resolves to the exit status. */
export async function run(root: Group, argv: string[], streams: Streams = process, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const flagsOf = allFlags(root);
  const options = parseOptions(flagsOf);
  // Where the words lead, read leniently first: a bad flag is then told with the usage it concerns.
  const lenient = parseArgs({ args: argv, options, allowPositionals: true, strict: false });
  let at = walk(root, lenient.positionals);
  const json = lenient.values.json === true;
  const fail = (err: unknown): number => report(err, at.node, at.path, json, streams);

  let values: FlagValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: FlagValues; positionals: string[] });
  } catch (err) {
    return fail(usageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, '')));
  }
  at = walk(root, positionals);
  if (values.help) {
    streams.stdout.write(usageOf(at.node, at.path));
    return 0;
  }
  if (at.unknown !== undefined) return fail(usageError(`unknown command: ${['rtcroom', ...at.path, at.unknown].join(' ')}`));
  if (at.node.kind === 'group') return fail(usageError(at.path.length === 0 ? 'a command is needed' : `${['rtcroom', ...at.path].join(' ')} needs a command`));
  const cmd = at.node;
  const [min, max] = cmd.arity;
  if (at.rest.length < min || at.rest.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    return fail(usageError(`${['rtcroom', ...at.path].join(' ')} takes ${wanted} argument${max === 1 ? '' : 's'} (${cmd.args ?? 'none'}), got ${at.rest.length}`));
  }
  const stray = Object.keys(values).find((f) => !(f in globalFlags) && !(f in (cmd.flags ?? {})));
  if (stray) return fail(usageError(`--${stray} is not a flag of ${['rtcroom', ...at.path].join(' ')}`));

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  let connection: Connection | undefined;
  try {
    connection = new Connection(values, env);
    await cmd.run({ connection, output: output(json, streams.stdout, streams.stderr), signal: abort.signal }, at.rest, values);
    return 0;
  } catch (err) {
    if (abort.signal.aborted) return 0; // Ctrl-C: stopped as asked
    return fail(err);
  } finally {
    process.off('SIGINT', onSignal);
    connection?.close();
  }
}

/** Prints a failure (`CODE: message`, or {"error": {code, message}} with --json) and gives its exit status. */
function report(err: unknown, node: Group | Command, path: string[], json: boolean, streams: Streams): number {
  const e = err instanceof CliError ? err : new CliError('INTERNAL', `${(err as Error)?.message ?? String(err)} (a fault of rtcroom's; please report it)`, exitStatus.refused, { cause: err });
  if (json) streams.stderr.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
  else streams.stderr.write(`${e.code === 'USAGE' ? '' : `${e.code}: `}${e.message}\n`);
  // A wrong command line gets the usage it concerns (as rtcroom's other commands do).
  if (e.code === 'USAGE') streams.stderr.write(usageOf(node, path));
  return e.exitStatus;
}
