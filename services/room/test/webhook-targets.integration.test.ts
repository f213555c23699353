// Webhook URLs may not lead the room service into its own network. The room service on the real
// Postgres and NATS, with a stand-in for DNS (these names exist nowhere else) and a real receiver on
// loopback: loopback, private and other special targets are refused at registration unless
// ROOM_WEBHOOK_ALLOWED_HOSTS names them; a name that rebinds to loopback after registering gets no
// delivery; an allowed name is delivered to the address that was checked, with its own Host header;
// redirects are not followed.
import type { LookupAddress } from 'node:dns';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { eventually } from '@rtcroom/common/testing';
import { roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';

class Receiver {
  readonly hosts: string[] = [];
  redirectTo = '';
  private readonly server: Server;
  port = 0;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
  private async handle(req: IncomingMessage, res: ServerResponse) {
    for await (const _ of req);
    this.hosts.push(String(req.headers.host));
    if (this.redirectTo) res.writeHead(302, { location: this.redirectTo }).end();
    else res.writeHead(204).end();
  }
}

/** DNS for the test: each name gives its answers in turn, the last one for good. */
const answers: Record<string, string[][]> = {
  'hooks.allowed.test': [['127.0.0.1']],
  'hooks.rebind.test': [['93.184.215.14'], ['127.0.0.1']],
  'hooks.private.test': [['93.184.215.14', '10.0.0.8']],
};
const asked: Record<string, number> = {};
async function stubResolver(hostname: string): Promise<LookupAddress[]> {
  const list = answers[hostname];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  const n = (asked[hostname] = (asked[hostname] ?? 0) + 1);
  return list[Math.min(n - 1, list.length - 1)].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

describe('webhook targets', () => {
  let harness: RoomHarness;
  let receiver: Receiver;
  let elsewhere: Receiver;

  beforeAll(async () => {
    harness = await startRoomHarness(
      { ROOM_WEBHOOK_POLL_INTERVAL_MS: '50', ROOM_WEBHOOK_MIN_BACKOFF_MS: '50', ROOM_WEBHOOK_ALLOWED_HOSTS: 'hooks.allowed.test' },
      { webhookResolver: stubResolver },
    );
    receiver = new Receiver();
    elsewhere = new Receiver();
    await receiver.start();
    await elsewhere.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await elsewhere?.stop();
    await harness?.stop();
  });

  const register = (url: string) => harness.webhooks.createWebhook({ url, secret: '' });
  const newRoom = (name: string) => harness.client.createRoom({ room: roomv1.Room.fromPartial({ name }), requestId: '' });
  const listed = async (id: string) => (await harness.webhooks.listWebhooks({})).webhooks.find((w) => w.id === id)!;

  it('refuses loopback, private, link-local and other special targets with PERMISSION_DENIED, saying how to allow them', async () => {
    const port = receiver.port;
    for (const url of [
      `http://127.0.0.1:${port}/hook`,
      `http://127.1:${port}/hook`,
      `http://2130706433:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      'http://0.0.0.0/hook',
      'http://10.1.2.3/hook',
      'http://172.20.0.1/hook',
      'https://192.168.1.1/hook',
      'http://100.64.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd12:3456::1]/hook',
      'http://[fe80::1]/hook',
      'http://224.0.0.1/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://hooks.private.test/hook', // its second address is private
    ]) {
      const refusal = await register(url).then(
        () => undefined,
        (err: { reason?: string; message?: string }) => err,
      );
      expect({ url, reason: refusal?.reason }).toEqual({ url, reason: 'PERMISSION_DENIED' });
      expect(refusal?.message).toMatch(/ROOM_WEBHOOK_ALLOWED_HOSTS/);
    }
    await expect(register('http://no-such-host.test/hook')).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    expect((await harness.webhooks.listWebhooks({})).webhooks).toEqual([]);
  });

  it('delivers to an allowed name at the address it was checked at, with the Host header of the URL', async () => {
    const { webhook } = await register(`http://hooks.allowed.test:${receiver.port}/hook`);
    await newRoom('wt-allowed');
    await eventually(() => receiver.hosts.length > 0, 10_000, 'a delivery');
    expect(receiver.hosts[0]).toBe(`hooks.allowed.test:${receiver.port}`);
    await harness.webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('does not deliver to a name that rebinds to loopback after registration', async () => {
    const before = receiver.hosts.length;
    // Registered while it resolves to a public address...
    const { webhook } = await register(`http://hooks.rebind.test:${receiver.port}/hook`);
    // ...then resolving to loopback when the delivery connects.
    await newRoom('wt-rebind');
    const failed = await eventually(async () => {
      const w = await listed(webhook!.id);
      return w.failedAttempts > 0 && w;
    }, 10_000, 'a refused delivery');
    expect(failed.lastError).toMatch(/127\.0\.0\.1 is loopback \(hooks\.rebind\.test resolves to it\)/);
    expect(failed.deliveredCount).toBe(0);
    expect(receiver.hosts.length).toBe(before);
    await harness.webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('does not follow a redirect', async () => {
    receiver.redirectTo = `http://127.0.0.1:${elsewhere.port}/stolen`;
    try {
      const { webhook } = await register(`http://hooks.allowed.test:${receiver.port}/hook`);
      await newRoom('wt-redirect');
      const failed = await eventually(async () => {
        const w = await listed(webhook!.id);
        return w.failedAttempts > 0 && w;
      }, 10_000, 'a failed delivery');
      expect(failed.lastError).toBe('HTTP 302 (redirects are not followed)');
      expect(elsewhere.hosts).toEqual([]);
      await harness.webhooks.deleteWebhook({ id: webhook!.id });
    } finally {
      receiver.redirectTo = '';
    }
  });
});
