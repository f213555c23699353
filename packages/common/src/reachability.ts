// What a command says when the system it needs is not there: what it tried to reach, why that failed,
// and what to start (a bare "fetch failed" tells a newcomer nothing).
import { connect } from 'node:net';

/** Socket errors that mean "nothing answers there" (or the name does not resolve), not a server's refusal. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

/** The socket error code under an error (fetch keeps it in `cause`, ws on the error, a dual-stack connect in `errors`), if it is one of those. */
export function unreachableCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && unreachableCodes.has(e.code)) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = unreachableCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return unreachableCode(e.cause, depth + 1);
}

/**
 * Whether anything accepts a TCP connection at host:port: undefined when something does, else why not.
 * Asked after a gRPC call failed UNAVAILABLE, whose message alone cannot tell "nothing there" from a
 * service that answered UNAVAILABLE itself (about another service it could not reach).
 */
export function tcpUnreachable(address: string, timeoutMs = 2000): Promise<string | undefined> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err) => done(unreachableCode(err) ?? (err as { code?: string }).code ?? err.message));
  });
}

/** The line a command prints when it reaches nothing: `no <what> at <where> (<why>); start it with ...`. */
export function startItFirst(what: string, where: string, why: string, variable: string): string {
  return `no ${what} at ${where} (${why}); start it with \`npm run up\` (or set ${variable} to where it listens)\n`;
}
