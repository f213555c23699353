// A real local HTTP endpoint for webhook tests: records what it is sent, and can fail, refuse chosen
// events or hang on purpose.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface Received {
  id: string;
  type: string;
  roomId: string;
  seq: number;
  signature: string;
  body: string;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** The next this many deliveries are answered 503. */
  failuresLeft = 0;
  /** Deliveries it answers 500 for as long as it says so. */
  refuse: (delivery: { roomId: string; seq: number; type: string }) => boolean = () => false;
  hang = false;
  readonly hanging: ServerResponse[] = [];
  private server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** The seqs received for a room, in the order they arrived. */
  seqsOf(roomId: string): number[] {
    return this.received.filter((r) => r.roomId === roomId).map((r) => r.seq);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (this.hang) {
      this.hanging.push(res);
      return;
    }
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      res.writeHead(503).end();
      return;
    }
    const json = JSON.parse(body);
    if (this.refuse({ roomId: json.roomId, seq: json.seq, type: json.type })) {
      res.writeHead(500).end();
      return;
    }
    this.received.push({ id: json.id, type: json.type, roomId: json.roomId, seq: json.seq, signature: String(req.headers['rtcroom-signature']), body });
    res.writeHead(204).end();
  }
}
