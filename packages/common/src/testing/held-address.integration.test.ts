// The address tests hold for a process that comes and goes: it relays to where the process listens
// now, refuses while it is down, and follows it to a new port.
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import { HeldAddress } from './held-address';

/** A server answering each line with its name and the line. */
async function echo(name: string): Promise<{ server: Server; address: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(`${name}:${d}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

/** What one connection to `address` gets back for `line`, or the error it meets. */
function ask(address: string, line: string): Promise<string> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const s: Socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }, () => s.write(line));
    s.once('data', (d) => (s.destroy(), resolve(String(d))));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.once('end', () => resolve('ended'));
  });
}

it('relays to the current process, refuses while none listens, and follows a restart to another port', async () => {
  const held = await HeldAddress.open();
  const first = await echo('first');
  const second = await echo('second');
  try {
    expect(await ask(held.address, 'a')).toBe('ECONNRESET');
    held.forwardTo(first.address);
    expect(await ask(held.address, 'b')).toBe('first:b');
    held.forwardTo(undefined);
    expect(await ask(held.address, 'c')).toBe('ECONNRESET');
    held.forwardTo(second.address);
    expect(await ask(held.address, 'd')).toBe('second:d');
  } finally {
    await held.close();
    first.server.close();
    second.server.close();
  }
});

it('ends a relayed connection when the process at its end goes away', async () => {
  const held = await HeldAddress.open();
  const target = await echo('t');
  held.forwardTo(target.address);
  try {
    const colon = held.address.lastIndexOf(':');
    const client = connect({ host: '127.0.0.1', port: Number(held.address.slice(colon + 1)) });
    await new Promise((r) => client.once('connect', r));
    client.write('x');
    await new Promise((r) => client.once('data', r));
    const closed = new Promise((r) => client.once('close', r));
    // The server's end of the connection goes, as when its process is killed.
    target.server.close();
    for (const c of target.sockets) c.destroy();
    await closed;
  } finally {
    await held.close();
  }
});
