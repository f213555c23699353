// A call made in-process (InProcessHub, services sharing a process) behaves as the same call over
// gRPC: the handler sees the same caller (from the client's certificate, with mutual TLS on), the same
// metadata (request id, the caller's own), a deadline as far off; the caller gets the same DomainError
// for a refusal by the method's Callers, a domain error, an unknown error, a passed deadline, and the
// handler is cancelled alike. Each scenario runs over the network (unary and mux) and in-process, and
// the outcomes are compared. Needs openssl (the certificates).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bindService,
  CallContext,
  createClient,
  createLogger,
  DomainError,
  GrpcMetrics,
  GrpcSecurity,
  InProcessHub,
  RunningGrpcServer,
  startGrpcServer,
} from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { DevCertificates, makeDevCertificates } from './dev-certificates';

const dir = mkdtempSync(join(tmpdir(), 'rtcroom-inproc-'));
let certs: DevCertificates;
const servers: RunningGrpcServer[] = [];

/** What handlers saw, by the identity asked about. */
const seen = new Map<string, { metadata: Record<string, string>; requestId: string; caller: unknown; deadlineInMs: number; cancelled?: string }>();

async function handlerFor(req: { identities?: string[]; identity?: string }, call: CallContext): Promise<any> {
  const key = req.identities?.[0] ?? req.identity ?? '';
  const { requestid: _unused, ...metadata } = call.metadata as Record<string, string>;
  seen.set(key, { metadata, requestId: call.requestId, caller: { ...call.caller }, deadlineInMs: call.getDeadline() - Date.now() });
  const [what] = key.split(':');
  if (what === 'domain') throw new DomainError('ROOM_FULL', 'the room is full', { capacity: '2' });
  if (what === 'crash') throw new Error('a bug with a secret in its message');
  if (what === 'hang') {
    return new Promise((_resolve, reject) =>
      call.signal.addEventListener('abort', () => {
        seen.get(key)!.cancelled = (call.signal.reason as DomainError).reason;
        reject(call.signal.reason);
      }),
    );
  }
  // Fields of both methods' responses: what the wire drops (the other method's) must not arrive in-process either.
  return { onlineIdentities: [key, 'x'], online: true, sessions: [] };
}

const binding = bindService(
  'rtcroom.presence.v1.PresenceService',
  presencev1.PresenceServiceService,
  { listOnline: handlerFor, getUserPresence: handlerFor } as never,
  'rtcroom.presence',
  { listOnline: ['room'], getUserPresence: ['gateway'] } as never,
);

/** Calls counted by the metrics hooks, as "side transport". */
const transports: string[] = [];
const countingMetrics = {
  server: { start: (_m: string, t: string) => (transports.push(`server ${t}`), () => undefined) },
  client: { start: (_m: string, t: string) => (transports.push(`client ${t}`), () => undefined) },
} as unknown as GrpcMetrics;

type Path = 'unary' | 'mux' | 'inproc';
const paths: Path[] = ['unary', 'mux', 'inproc'];
let hub: InProcessHub;
let address: string;

beforeAll(async () => {
  certs = makeDevCertificates({ outDir: dir });
  hub = new InProcessHub();
  const security: GrpcSecurity = { tls: { caFile: certs.caFile, ...certs.files.presence }, insecure: false };
  const server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({ service: 'inproc-test' }, 'silent'), security, undefined, countingMetrics, hub);
  servers.push(server);
  address = server.address;
});
afterAll(async () => {
  for (const s of servers) await s.stop(500);
  rmSync(dir, { recursive: true, force: true });
});

function client(path: Path, role = 'room') {
  return createClient(presencev1.PresenceServiceService, address, 2000, {
    mux: path === 'mux',
    tls: { caFile: certs.caFile, ...certs.files[role] },
    inproc: path === 'inproc' ? hub : undefined,
    metrics: countingMetrics,
  });
}

/** The call's outcome, as comparable data. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (err) {
    if (!(err instanceof DomainError)) return { thrown: String(err) };
    return { reason: err.reason, message: err.message, metadata: err.metadata };
  }
}

async function eachPath(scenario: (path: Path) => Promise<unknown>): Promise<Record<Path, unknown>> {
  const out = {} as Record<Path, unknown>;
  for (const path of paths) out[path] = await scenario(path);
  return out;
}

/** In-process exactly as on the mux stream (the default transport); a unary call fails with the same reason (grpc-js words a passed deadline its own way). */
function expectAlike(results: Record<Path, unknown>): void {
  expect(results.inproc).toEqual(results.mux);
  const reasons = (r: unknown) => JSON.stringify(r, (k, v) => (k === 'message' ? undefined : v));
  expect(reasons(results.unary)).toEqual(reasons(results.mux));
}

it('answers, and the handler sees the same caller, metadata and deadline', async () => {
  const results = await eachPath(async (path) => {
    const c = client(path);
    try {
      const key = `ok:${path}`;
      const answer = await outcome(() => c.listOnline({ identities: [key] }, { timeoutMs: 1500, metadata: { 'x-tenant': 'acme' }, requestId: 'rq_same' }));
      const { deadlineInMs, ...handlerSaw } = seen.get(key)!;
      expect(deadlineInMs).toBeGreaterThan(0);
      expect(deadlineInMs).toBeLessThanOrEqual(1500);
      return { answer: JSON.stringify(answer).replace(path, 'P'), handlerSaw };
    } finally {
      c.close();
    }
  });
  expectAlike(results);
  expect((results.inproc as any).handlerSaw).toEqual({ metadata: { 'x-tenant': 'acme', 'x-request-id': 'rq_same' }, requestId: 'rq_same', caller: { role: 'room', name: 'room', verified: true } });
});

it('refuses a caller the method does not admit, with the same error', async () => {
  const results = await eachPath(async (path) => {
    const c = client(path, 'room');
    try {
      return await outcome(() => c.getUserPresence({ identity: `refused:${path}` }));
    } finally {
      c.close();
    }
  });
  expectAlike(results);
  expect(results.inproc).toMatchObject({ reason: 'PERMISSION_DENIED' });
  expect(seen.has('refused:inproc')).toBe(false); // the handler never ran
});

it.each([
  ['a domain error', 'domain', 'ROOM_FULL'],
  ['an unknown error, as INTERNAL without its message', 'crash', 'INTERNAL'],
])('fails %s alike', async (_name, what, reason) => {
  const results = await eachPath(async (path) => {
    const c = client(path);
    try {
      return await outcome(() => c.listOnline({ identities: [`${what}:${path}`] }));
    } finally {
      c.close();
    }
  });
  expectAlike(results);
  expect(results.inproc).toMatchObject({ reason });
  expect(JSON.stringify(results.inproc)).not.toContain('secret');
});

it('fails at the deadline alike, and the handler is cancelled', async () => {
  const results = await eachPath(async (path) => {
    const c = client(path);
    try {
      const key = `hang:deadline-${path}`;
      const result = await outcome(() => c.listOnline({ identities: [key] }, { timeoutMs: 150 }));
      await until(() => seen.get(key)?.cancelled !== undefined);
      return { result, cancelled: seen.get(key)!.cancelled };
    } finally {
      c.close();
    }
  });
  expectAlike(results);
  expect(results.inproc).toEqual({ result: { reason: 'UNAVAILABLE', message: 'service unavailable: Deadline exceeded', metadata: {} }, cancelled: 'UNAVAILABLE' });
});

it('is cancelled by the caller\'s signal alike', async () => {
  const results = await eachPath(async (path) => {
    const c = client(path);
    try {
      const key = `hang:abort-${path}`;
      const aborter = new AbortController();
      const pending = outcome(() => c.listOnline({ identities: [key] }, { signal: aborter.signal, timeoutMs: 2000 }));
      await until(() => seen.has(key));
      aborter.abort(new DomainError('UNAVAILABLE', 'the client went away'));
      const result = await pending;
      await until(() => seen.get(key)?.cancelled !== undefined);
      return { result, cancelled: seen.get(key)!.cancelled };
    } finally {
      c.close();
    }
  });
  expectAlike(results);
  expect(results.inproc).toMatchObject({ result: { reason: 'UNAVAILABLE', message: 'the client went away' } });
});

it('delivers an ill-typed response as the wire does (the encoder\'s coercions, or its failure)', async () => {
  const local = new InProcessHub();
  const broken = bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    { getUserPresence: async () => ({ online: true, sessions: [{ sessionId: 7 }] }) } as never,
    'rtcroom.presence',
    { getUserPresence: ['room'] } as never,
  );
  const server = await startGrpcServer('127.0.0.1:0', [broken], createLogger({}, 'silent'), { insecure: false }, undefined, undefined, local);
  servers.push(server);
  const over = async (inproc: InProcessHub | undefined) => {
    const c = createClient(presencev1.PresenceServiceService, server.address, 2000, { inproc });
    try {
      return await outcome(() => c.getUserPresence({ identity: 'a' }));
    } finally {
      c.close();
    }
  };
  const wire = await over(undefined);
  expect(await over(local)).toEqual(wire);
});

it('copies request and response: neither side holds the other\'s objects', async () => {
  let held: { identities: string[] } | undefined;
  let answered: { onlineIdentities: string[] } | undefined;
  const local = new InProcessHub();
  const own = bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      listOnline: async (req: { identities: string[] }) => {
        held = req;
        answered = { onlineIdentities: ['kept'] };
        return answered;
      },
    } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );
  const server = await startGrpcServer('127.0.0.1:0', [own], createLogger({}, 'silent'), { insecure: false }, undefined, undefined, local);
  servers.push(server);
  const c = createClient(presencev1.PresenceServiceService, server.address, 2000, { inproc: local });
  try {
    const request = { identities: ['a'] };
    const response = await c.listOnline(request);
    request.identities.push('changed by the caller');
    response.onlineIdentities.push('changed by the caller');
    expect(held).toEqual({ identities: ['a'] });
    expect(answered).toEqual({ onlineIdentities: ['kept'] });
  } finally {
    c.close();
  }
});

it('shows in the metrics as transport inproc at both ends', async () => {
  transports.length = 0;
  const c = client('inproc');
  try {
    await c.listOnline({ identities: ['metrics'] });
  } finally {
    c.close();
  }
  expect(transports.sort()).toEqual(['client inproc', 'server inproc']);
});

it('answers UNAVAILABLE once its server has stopped', async () => {
  const local = new InProcessHub();
  const server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({}, 'silent'), { insecure: false }, undefined, undefined, local);
  const c = createClient(presencev1.PresenceServiceService, server.address, 2000, { inproc: local });
  try {
    expect(await outcome(() => c.listOnline({ identities: ['before-stop'] }))).toMatchObject({ ok: { onlineIdentities: ['before-stop', 'x'] } });
    await server.stop(500);
    expect(local.route(server.address)).toBeUndefined();
    expect(await outcome(() => c.listOnline({ identities: ['after-stop'] }))).toMatchObject({ reason: 'UNAVAILABLE' });
  } finally {
    c.close();
  }
});

/** Waits for a condition, for 5 s at most. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}
