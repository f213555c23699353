// A stable address for a server process that a test kills and starts again, as a Kubernetes Service
// is for its pods. The test binds it once (port 0) and keeps it until the end, so no other process
// can take it; each connection is relayed to wherever the process listens now (it binds port 0 and
// reports back), and nowhere while it is down. Services that call each other in a cycle (room and
// presence) can so be given each other's address before either exists, and a restarted process
// never needs its old port back.
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

export class HeldAddress {
  private target: { host: string; port: number } | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** host:port, for the peers' configuration. */
    readonly address: string,
  ) {
    server.on('connection', (socket) => this.relay(socket));
  }

  static async open(host = '127.0.0.1'): Promise<HeldAddress> {
    // Half-open allowed, so one side's end (FIN) reaches the other without closing the way back.
    const server = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    return new HeldAddress(server, `${host}:${(server.address() as AddressInfo).port}`);
  }

  /**
   * New connections go to `address` from now on. Undefined (the process is down): they are reset at
   * once, as a port nobody listens on refuses them. Open connections are left alone: they end when the
   * process at their end does.
   */
  forwardTo(address: string | undefined): void {
    if (address === undefined) {
      this.target = undefined;
      return;
    }
    const colon = address.lastIndexOf(':');
    this.target = { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  }

  /** Cuts every connection relayed now (reset both ways), as a network break would. */
  cut(): void {
    for (const s of this.sockets) if (!s.destroyed) s.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.target = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    if (!this.target) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ ...this.target, allowHalfOpen: true });
    // Small gRPC and NATS frames would otherwise wait for Nagle's algorithm at this extra hop.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      // An end (FIN) travels through the pipe; a reset or error cuts the other side too.
      from.pipe(to);
      from.on('error', () => {
        if (!to.destroyed) to.resetAndDestroy();
      });
      from.on('close', () => {
        this.sockets.delete(from);
        if (!to.writableEnded) to.destroy();
      });
    }
  }
}
