// What a muxed call shares with a unary one beyond its answer, against a real gRPC server: its deadline
// (the caller times out, the handler sees the cancellation, the server answers DEADLINE_EXCEEDED by
// itself), cancellation by the caller or by its going away, the cap on calls in flight per stream,
// and back-pressure both ways (a caller that stops reading, a server that stops reading).
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { muxv1, presencev1 } from '@rtcroom/proto';
import { DomainError } from '../errors';
import { createLogger } from '../logger';
import type { CallContext } from './call-context';
import { createClient } from './client';
import { bindService, RunningGrpcServer, startGrpcServer } from './server';

const logger = createLogger({ service: 'mux-flow-test' }, 'silent');
type Presence = typeof presencev1.PresenceServiceService;
const listOnline = presencev1.PresenceServiceService.listOnline;
const { exchange } = muxv1.MuxServiceService;

interface Seen {
  cancelled: boolean;
  reason: string | undefined;
  deadline: number;
}

/** ListOnline steered by its first identity: "wait:<ms>" waits (less if cancelled), "big:<n>" answers n characters. */
function binding(seen: Seen[], started: string[]) {
  return bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      listOnline: async (req: presencev1.ListOnlineRequest, call: CallContext) => {
        const first = req.identities[0] ?? '';
        started.push(first);
        if (first.startsWith('big:')) return { onlineIdentities: ['x'.repeat(Number(first.slice(4)))] };
        if (first.startsWith('wait:')) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Number(first.slice(5)));
            call.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
          seen.push({ cancelled: call.cancelled, reason: call.signal.aborted ? (call.signal.reason as Error).message : undefined, deadline: call.getDeadline() });
        }
        return { onlineIdentities: [first] };
      },
    } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const giveUp = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until `count()` has not moved for `quietMs`, and returns it. */
async function settled(count: () => number, quietMs = 500): Promise<number> {
  let last = -1;
  while (count() !== last) {
    last = count();
    await new Promise((r) => setTimeout(r, quietMs));
  }
  return last;
}

function request(callId: number, first: string, extra: Partial<muxv1.ExchangeRequest> = {}): muxv1.ExchangeRequest {
  return { callId, method: listOnline.path, body: listOnline.requestSerialize({ identities: [first] }), timeoutMs: 0, metadata: {}, cancel: false, ...extra };
}

/**
 * A mux stream over bare HTTP/2 that reads nothing until read() is called: a stalled caller as the
 * server sees it (grpc-js's own client keeps reading and buffers what its user does not take).
 */
function bareStream(address: string) {
  const session = http2.connect(`http://${address}`);
  const stream = session.request({ ':method': 'POST', ':path': exchange.path, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => undefined);
  return {
    send(req: muxv1.ExchangeRequest) {
      const body = exchange.requestSerialize(req);
      const frame = Buffer.alloc(5 + body.length); // gRPC framing: not compressed, 4-byte length, message
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      stream.write(frame);
    },
    read(onAnswer: (res: muxv1.ExchangeResponse) => void) {
      let buffered = Buffer.alloc(0);
      stream.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
          const end = 5 + buffered.readUInt32BE(1);
          onAnswer(exchange.responseDeserialize(buffered.subarray(5, end)));
          buffered = buffered.subarray(end);
        }
      });
    },
    close: () => session.destroy(),
  };
}

describe('gRPC mux: deadlines, cancellation, limits, back-pressure', () => {
  let server: RunningGrpcServer;
  let seen: Seen[];
  let started: string[];
  const cleanups: Array<() => void> = [];
  const client = (mux: boolean, timeoutMs = 5000) => {
    const c = createClient<Presence>(presencev1.PresenceServiceService, server.address, timeoutMs, { mux });
    cleanups.push(() => c.close());
    return c;
  };
  /** A mux stream driven by hand: nothing reads its answers until the test does. */
  const rawStream = (address = server.address) => {
    const c = new grpc.Client(address, grpc.credentials.createInsecure());
    const stream = c.makeBidiStreamRequest(exchange.path, exchange.requestSerialize, exchange.responseDeserialize, {}) as grpc.ClientDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse>;
    stream.on('error', () => undefined);
    cleanups.push(() => (stream.cancel(), c.close()));
    return stream;
  };
  const serve = async (limits?: { maxInFlight: number; defaultDeadlineMs: number }) => {
    server = await startGrpcServer('127.0.0.1:0', [binding(seen, started)], logger, { insecure: false }, limits);
  };

  beforeEach(async () => {
    seen = [];
    started = [];
    await serve();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await server.stop(500);
  });

  it.each([true, false])('a handler slower than the deadline: the caller gets UNAVAILABLE, the handler sees the cancellation (mux %s)', async (mux) => {
    const sent = Date.now();
    const failure = await client(mux).listOnline({ identities: ['wait:10000'] }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ reason: 'UNAVAILABLE', message: expect.stringMatching(/deadline exceeded/i) });
    await until(() => seen.length === 1, 'the handler to end');
    // A muxed call's server notices the deadline itself; a unary one mostly hears the client's cancel
    // first (the client's clock starts a trip earlier), which reads the same to the handler.
    expect(seen[0]).toEqual({ cancelled: true, reason: expect.stringMatching(mux ? /deadline exceeded/ : /deadline exceeded|cancelled by the caller/), deadline: expect.any(Number) });
    // The handler's deadline is the caller's, give or take the trip.
    expect(seen[0]!.deadline).toBeGreaterThanOrEqual(sent + 100);
    expect(seen[0]!.deadline).toBeLessThanOrEqual(Date.now() + 100);
  });

  it('answers DEADLINE_EXCEEDED itself when a call outlives the deadline it carried', async () => {
    const stream = rawStream();
    const answer = new Promise<muxv1.ExchangeResponse>((resolve) => stream.once('data', resolve));
    stream.write(request(7, 'wait:10000', { timeoutMs: 150 }));
    const res = await answer;
    expect(res).toEqual({ callId: 7, result: { $case: 'status', value: expect.objectContaining({ code: grpc.status.DEADLINE_EXCEEDED }) } });
    await until(() => seen.length === 1, 'the handler to end');
    expect(seen[0]!.cancelled).toBe(true);
  });

  it.each([true, false])('a caller that aborts its call cancels the handler (mux %s)', async (mux) => {
    const aborter = new AbortController();
    const pending = client(mux).listOnline({ identities: ['wait:10000'] }, { signal: aborter.signal });
    await until(() => started.length === 1, 'the handler to start');
    aborter.abort(new Error('not needed any more'));
    await expect(pending).rejects.toThrow('not needed any more');
    await until(() => seen.length === 1, 'the handler to end');
    expect(seen[0]).toMatchObject({ cancelled: true, reason: expect.stringMatching(/cancelled/) });
  });

  it('a caller that goes away cancels the calls it left running', async () => {
    const c = client(true);
    const pending = c.listOnline({ identities: ['wait:10000'] }).catch((e: unknown) => e);
    await until(() => started.length === 1, 'the handler to start');
    c.close();
    await expect(pending).resolves.toMatchObject({ reason: 'UNAVAILABLE' });
    await until(() => seen.length === 1, 'the handler to end');
    expect(seen[0]!.cancelled).toBe(true);
  });

  it('answers RESOURCE_EXHAUSTED past the cap of calls in flight on a stream, and takes calls again below it', async () => {
    await server.stop(500);
    await serve({ maxInFlight: 3, defaultDeadlineMs: 30_000 });
    const stream = rawStream();
    const answers: muxv1.ExchangeResponse[] = [];
    stream.on('data', (res: muxv1.ExchangeResponse) => answers.push(res));
    for (let id = 1; id <= 8; id++) stream.write(request(id, 'wait:400'));
    await until(() => answers.length === 8, 'every call answered');
    const refused = answers.filter((a) => a.result?.$case === 'status').map((a) => [a.callId, a.result?.$case === 'status' && a.result.value.code]);
    expect(refused).toEqual([4, 5, 6, 7, 8].map((id) => [id, grpc.status.RESOURCE_EXHAUSTED]));
    expect(started).toEqual(['wait:400', 'wait:400', 'wait:400']);
    // Through the client: the refusal is RATE_LIMITED, and calls go through again once the flood is over.
    const c = client(true);
    const flood = await Promise.allSettled(Array.from({ length: 10 }, () => c.listOnline({ identities: ['wait:300'] })));
    expect(flood.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(flood.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual(
      Array.from({ length: 7 }, () => expect.objectContaining({ reason: 'RATE_LIMITED', metadata: { maxInFlight: '3' } })),
    );
    await expect(Promise.all([1, 2, 3].map((i) => c.listOnline({ identities: [`after-${i}`] })))).resolves.toHaveLength(3);
  });

  it('stops reading calls while its answers are not being read, and reads on once they are', async () => {
    const stream = bareStream(server.address);
    cleanups.push(() => stream.close());
    // 40 answers of 64 KB fill the stream's flow-control window many times over: it stops reading...
    for (let id = 1; id <= 40; id++) stream.send(request(id, 'big:65536'));
    expect(await settled(() => started.length)).toBeLessThanOrEqual(40);
    // ...so calls sent now wait unread (without back-pressure their answers would pile up too).
    for (let id = 41; id <= 100; id++) stream.send(request(id, 'small'));
    expect(await settled(() => started.length)).toBeLessThanOrEqual(40);
    const answers: Array<muxv1.ExchangeResponse['result']> = [];
    stream.read((res) => answers.push(res.result));
    await until(() => answers.length === 100, 'every call answered', 15_000);
    expect(answers.every((r) => r?.$case === 'body')).toBe(true);
    expect(started).toHaveLength(100);
  });

  it('holds no more than its cap of answers for a caller that reads none, stops reading, and answers every call once read', async () => {
    await server.stop(500);
    await serve({ maxInFlight: 20, defaultDeadlineMs: 30_000 });
    const stream = bareStream(server.address);
    cleanups.push(() => stream.close());
    const calls = 300; // answers of 64 KB: 19 MB the server would otherwise hold for a caller that reads nothing
    for (let id = 1; id <= calls; id++) stream.send(request(id, 'big:65536'));
    expect(await settled(() => started.length)).toBeLessThanOrEqual(20);
    const answers: Array<muxv1.ExchangeResponse['result']> = [];
    stream.read((res) => answers.push(res.result));
    await until(() => answers.length === calls, 'every call answered', 15_000);
    // What it ran is answered in full, the rest refused as a flood: none is lost or left hanging.
    const bodies = answers.filter((r) => r?.$case === 'body');
    expect(bodies.length).toBe(started.length);
    expect(answers.filter((r) => r?.$case === 'status').every((r) => r?.$case === 'status' && r.value.code === grpc.status.RESOURCE_EXHAUSTED)).toBe(true);
  });

  it('keeps calls for a server that stops reading, and never sends those whose deadline passed meanwhile', async () => {
    // A MuxService that reads nothing until told to.
    const stalled = new grpc.Server();
    let reading: grpc.ServerDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse> | undefined;
    let received = 0;
    stalled.addService(muxv1.MuxServiceService as unknown as grpc.ServiceDefinition, {
      exchange: (call: grpc.ServerDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse>) => {
        call.on('error', () => undefined);
        reading = call;
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      stalled.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    cleanups.push(() => stalled.forceShutdown());
    const c = createClient<Presence>(presencev1.PresenceServiceService, `127.0.0.1:${port}`, 400, { mux: true });
    cleanups.push(() => c.close());
    const calls = 40; // of 64 KB each, far past the stream's flow-control window
    const results = await Promise.allSettled(Array.from({ length: calls }, () => c.listOnline({ identities: ['y'.repeat(65536)] })));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as DomainError).reason === 'UNAVAILABLE')).toBe(true);
    reading!.on('data', () => received++);
    expect(await settled(() => received)).toBeLessThan(calls);
  });
});
