// HTTP over a bare TCP socket, for requests `fetch` refuses to send (bad request lines, broken
// headers, invalid encodings, bodies that stop half way): what came back and how the server ended.
import { connect } from 'node:net';

export interface RawExchange {
  /** The status of the first answer, or undefined when the server sent none. */
  status: number | undefined;
  /** Everything the server sent. */
  text: string;
  /** How the exchange ended: the server closed, or our wait ran out (we then closed). */
  ended: 'closed' | 'waited' | 'reset';
}

/** "host:port" -> [host, port] */
export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/**
 * Sends `parts` one after another (with `pauseMs` between them), then waits up to `waitMs` for the
 * server to answer and close. A server that answered but keeps the connection open is fine too.
 */
export function rawHttp(address: string, parts: (string | Buffer)[], options: { waitMs?: number; pauseMs?: number } = {}): Promise<RawExchange> {
  const [host, port] = splitAddress(address);
  const { waitMs = 3000, pauseMs = 0 } = options;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (ended: RawExchange['ended']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, ended });
    };
    const socket = connect(port, host, async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // One complete answer is all we want; keep-alive would otherwise hold the socket open.
      const sofar = Buffer.concat(chunks).toString('latin1');
      const headEnd = sofar.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(sofar.slice(0, headEnd))?.[1];
      if (length === undefined) setTimeout(() => finish('closed'), 100);
      else if (sofar.length - headEnd - 4 >= Number(length)) finish('closed');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('reset'));
    const timer = setTimeout(() => finish('waited'), waitMs);
  });
}
