// What the command says when it cannot do what was asked: a stable code a script can test, words for
// the person who typed it, and the exit status that tells the kind of failure apart.

/** Exit statuses: 0 done; the others by who is to blame. */
export const exitStatus = {
  /** The service refused the request (its ErrorInfo reason is the code: ROOM_NOT_FOUND, ...). */
  refused: 1,
  /** The command line is wrong (code USAGE). */
  usage: 2,
  /** Nothing answers at the address, or the connection failed (code UNREACHABLE, UNAVAILABLE). */
  unreachable: 3,
  /** This side's configuration: TLS files, a plain connection to a remote address (code CONFIG, TLS_REQUIRED). */
  config: 4,
} as const;


/** A failure the command reports as `<code>: <message>` and exits on; never a stack trace. */
export class CliError extends Error {
  constructor(
    /** USAGE, UNREACHABLE, CONFIG, TLS_REQUIRED, or the service's reason (ROOM_NOT_FOUND, ...). */
    readonly code: string,
    message: string,
    readonly exitStatus: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError('USAGE', message, exitStatus.usage);
