// rtcroom's commands (npm run desk, token, certs, the bench, ...) read their flags with node:util's
// parseArgs and behave alike: --help (-h) prints the usage and exits 0; an unknown flag, a flag
// without its value or a value that makes no sense prints what is wrong and the usage, and exits 2.
import { parseArgs, ParseArgsConfig } from 'node:util';

/** A command line that cannot be run: what is wrong, in words for the person who typed it. */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** parseArgs, strict, with its errors (unknown flag, missing value, ...) as UsageError. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): Parsed<T> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (err) {
    // parseArgs goes on with advice on '--' that fits none of rtcroom's commands.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), { cause: err });
  }
}

/**
 * The command line of this process (process.argv), for a command's main: with --help (an option
 * `help` in `config`) prints `usage` and exits 0; a bad command line exits 2 (usageFailed).
 */
export function readCommandLine<T extends ParseArgsConfig>(usage: string, config: T): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseCommandLine(config);
  } catch (err) {
    usageFailed(usage, err);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return parsed;
}

/** Prints what is wrong with the command line and the usage, and exits 2. */
export function usageFailed(usage: string, problem: unknown): never {
  process.stderr.write(`${problem instanceof Error ? problem.message : String(problem)}\n${usage}`);
  process.exit(2);
}
