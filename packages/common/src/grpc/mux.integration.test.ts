// Calls over the mux stream against a real gRPC server: the same answers, errors and metadata as
// unary calls, deadlines, a stopping server, a restarted one, and a server that has no mux at all.
// (Deadlines and cancellation as handlers see them, the cap, back-pressure: mux-flow.integration.test.ts.)
import * as grpc from '@grpc/grpc-js';
import { presencev1 } from '@rtcroom/proto';
import { DomainError } from '../errors';
import { createLogger } from '../logger';
import type { CallContext } from './call-context';
import { createClient } from './client';
import { bindService, RunningGrpcServer, startGrpcServer } from './server';

const logger = createLogger({ service: 'mux-test' }, 'silent');
type Presence = typeof presencev1.PresenceServiceService;

/** A presence service whose answers the tests steer: "slow:<ms>" waits, "refuse" fails, "crash" throws, "unencodable" answers what does not serialize, "metadata" answers the call's. */
function binding(calls: string[]) {
  return bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      listOnline: async (req: presencev1.ListOnlineRequest, call: CallContext) => {
        calls.push(req.identities.join(','));
        const first = req.identities[0] ?? '';
        if (first === 'metadata') return { onlineIdentities: Object.entries(call.metadata).map(([k, v]) => `${k}=${v}`) };
        if (first.startsWith('slow:')) await new Promise((r) => setTimeout(r, Number(first.slice(5))));
        if (first === 'refuse') throw new DomainError('RATE_LIMITED', 'too many', { retryAfterMs: '100' });
        if (first === 'crash') throw new Error('boom');
        if (first === 'unencodable') return { onlineIdentities: 5 };
        return { onlineIdentities: req.identities.map((i) => i.toUpperCase()) };
      },
    } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );
}

describe('gRPC mux', () => {
  let server: RunningGrpcServer;
  let calls: string[];
  const clients: Array<{ close(): void }> = [];
  const client = (mux: boolean, address = server.address) => {
    const c = createClient<Presence>(presencev1.PresenceServiceService, address, 2000, { mux });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    calls = [];
    server = await startGrpcServer('127.0.0.1:0', [binding(calls)], logger);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop(500);
  });

  it('answers many concurrent calls, each with its own answer', async () => {
    const c = client(true);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => c.listOnline({ identities: [`u${i}`] })));
    expect(answers.map((a) => a.onlineIdentities[0])).toEqual(Array.from({ length: 200 }, (_, i) => `U${i}`));
  });

  it('fails a call with the same DomainError as a unary call', async () => {
    const viaMux = await client(true).listOnline({ identities: ['refuse'] }).catch((e: unknown) => e);
    const viaUnary = await client(false).listOnline({ identities: ['refuse'] }).catch((e: unknown) => e);
    expect(viaMux).toBeInstanceOf(DomainError);
    expect(viaMux).toEqual(viaUnary);
    expect(viaMux).toMatchObject({ reason: 'RATE_LIMITED', message: 'too many', metadata: { retryAfterMs: '100' } });
    const crash = await client(true).listOnline({ identities: ['crash'] }).catch((e: unknown) => e);
    expect(crash).toMatchObject({ reason: 'INTERNAL' });
    // An answer that does not serialize fails the call (as grpc-js fails a unary one), not the server.
    for (const mux of [true, false]) {
      await expect(client(mux).listOnline({ identities: ['unencodable'] })).rejects.toMatchObject({ reason: 'INTERNAL' });
    }
  });

  it.each([true, false])('hands the handler the metadata its caller set, and only that (mux %s)', async (mux) => {
    const c = client(mux);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const seen = await c.listOnline({ identities: ['metadata'] }, { metadata: { traceparent, 'x-tenant': 'acme' } });
    expect(seen.onlineIdentities.sort()).toEqual([`traceparent=${traceparent}`, 'x-tenant=acme']);
    await expect(c.listOnline({ identities: ['metadata'] })).resolves.toEqual({ onlineIdentities: [] });
    // What only one path could carry is refused on both, before the call leaves.
    const refused: Array<Record<string, string>> = [{ 'Not-Lowercase': 'x' }, { 'trace-bin': 'x' }, { 'grpc-timeout': '1S' }, { tenant: 'caf\u00e9' }];
    for (const metadata of refused) {
      await expect(c.listOnline({ identities: ['metadata'] }, { metadata })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    }
  });

  it('answers a fast call while a slow one on the same stream still runs', async () => {
    const c = client(true);
    const slow = c.listOnline({ identities: ['slow:300'] });
    const fast = await c.listOnline({ identities: ['quick'] });
    expect(fast.onlineIdentities).toEqual(['QUICK']);
    expect(calls).toEqual(['slow:300', 'quick']);
    await expect(slow).resolves.toEqual({ onlineIdentities: ['SLOW:300'] });
  });

  it('times a call out as UNAVAILABLE and keeps the stream for the next', async () => {
    const c = client(true);
    await expect(c.listOnline({ identities: ['slow:400'] }, { timeoutMs: 50 })).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    await expect(c.listOnline({ identities: ['after'] })).resolves.toEqual({ onlineIdentities: ['AFTER'] });
  });

  it('lets a stopping server answer what it holds and stop without waiting for the stream', async () => {
    const c = client(true);
    await c.listOnline({ identities: ['warm'] }); // the stream is open
    const inFlight = c.listOnline({ identities: ['slow:200'] });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await server.stop(5000);
    expect(Date.now() - started).toBeLessThan(4000); // graceful, not the force-shutdown timer
    await expect(inFlight).resolves.toEqual({ onlineIdentities: ['SLOW:200'] });
  });

  it('opens a new stream to a restarted server', async () => {
    const c = client(true);
    await c.listOnline({ identities: ['before'] });
    const port = server.port;
    await server.stop(500);
    await expect(c.listOnline({ identities: ['down'] })).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    server = await startGrpcServer(`127.0.0.1:${port}`, [binding(calls)], logger);
    let answer: presencev1.ListOnlineResponse | undefined;
    for (let i = 0; i < 50 && !answer; i++) {
      answer = await c.listOnline({ identities: ['again'] }).catch(() => undefined);
      if (!answer) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toEqual({ onlineIdentities: ['AGAIN'] });
  });

  it('falls back to unary calls against a server without the mux', async () => {
    const bare = new grpc.Server();
    bare.addService(presencev1.PresenceServiceService as unknown as grpc.ServiceDefinition, {
      listOnline: (call: grpc.ServerUnaryCall<presencev1.ListOnlineRequest, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { onlineIdentities: ['bare'] }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      const c = client(true, `127.0.0.1:${port}`);
      const answers = await Promise.all([c.listOnline({ identities: ['a'] }), c.listOnline({ identities: ['b'] })]);
      expect(answers).toEqual([{ onlineIdentities: ['bare'] }, { onlineIdentities: ['bare'] }]);
      await expect(c.listOnline({ identities: ['c'] })).resolves.toEqual({ onlineIdentities: ['bare'] });
    } finally {
      bare.forceShutdown();
    }
  });

  it('answers a method the server does not serve with an error, not a hang', async () => {
    const other = createClient(presencev1.PresenceServiceService, server.address, 2000, { mux: true });
    clients.push(other);
    await expect(other.keepAlive({ gatewayId: 'g', sessionIds: [], listsAll: false })).rejects.toBeInstanceOf(DomainError);
  });
});
