// A request's id travels with the gRPC calls made for it: the client sends CallOptions.requestId as
// x-request-id, and every line the handler logs through its call's logger names it and the rpc, across
// awaits, and so does a call the handler makes on with the call as its scope; a call made outside any
// request gets an id of its own on the server. Over the mux stream, as unary calls and in-process alike.
import { presencev1 } from '@rtcroom/proto';
import { createLogger, Logger } from '../logger';
import type { CallContext } from './call-context';
import { createClient, withCallDefaults } from './client';
import { bindService, RunningGrpcServer, startGrpcServer } from './server';

type Presence = typeof presencev1.PresenceServiceService;

describe('request ids across a gRPC call', () => {
  let server: RunningGrpcServer;
  let lines: Record<string, any>[];
  let serviceLog: Logger;
  let onward: ReturnType<typeof createClient<Presence>>;

  beforeAll(async () => {
    lines = [];
    serviceLog = createLogger({ service: 'presence' }, 'info', (line) => lines.push(JSON.parse(line)));
    const binding = bindService(
      'rtcroom.presence.v1.PresenceService',
      presencev1.PresenceServiceService,
      {
        listOnline: async (req: presencev1.ListOnlineRequest, call: CallContext) => {
          call.log.info('before', { n: req.identities[0] });
          await new Promise((r) => setImmediate(r));
          call.log.info('after', { n: req.identities[0] });
          // A second hop made for the same request: the call is its scope.
          if (req.identities[0]!.startsWith('hop:')) await onward.getUserPresence({ identity: `${req.identities[0]}:next` }, { requestId: call.requestId });
          return { onlineIdentities: [] };
        },
        getUserPresence: async (req: presencev1.GetUserPresenceRequest, call: CallContext) => {
          if (req.identity === 'crash') throw new Error('a bug');
          call.log.info('second hop', { n: req.identity });
          return { identity: req.identity, online: false, sessions: [] };
        },
      } as never,
      'rtcroom.presence',
      { listOnline: ['room'], getUserPresence: ['room'] } as never,
    );
    server = await startGrpcServer('127.0.0.1:0', [binding], serviceLog);
    onward = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000);
  });
  afterAll(async () => {
    onward?.close();
    await server?.stop(500);
  });

  it.each([true, false])('mux %p: the caller\'s requestId is on every line the handler logs, and goes on with its calls', async (mux) => {
    lines.length = 0;
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000, { mux });
    try {
      await client.listOnline({ identities: ['a'] }, { requestId: 'rq_from_the_gateway' });
      await client.listOnline({ identities: ['b'] }); // outside any request
      await client.listOnline({ identities: ['hop:c'] }, { requestId: 'rq_two_hops' });
    } finally {
      client.close();
    }
    const rpc = 'rtcroom.presence.v1.PresenceService/ListOnline';
    expect(lines.filter((l) => l.n === 'a').map((l) => [l.msg, l.rpc, l.requestId, l.service])).toEqual([
      ['before', rpc, 'rq_from_the_gateway', 'presence'],
      ['after', rpc, 'rq_from_the_gateway', 'presence'],
    ]);
    const own = lines.filter((l) => l.n === 'b');
    expect(own).toHaveLength(2);
    expect(own[0]!.requestId).toMatch(/^rq_/);
    expect(own[0]!.requestId).not.toBe('rq_from_the_gateway');
    expect(own[1]!.requestId).toBe(own[0]!.requestId);
    expect(lines.filter((l) => l.n?.startsWith('hop:c')).map((l) => [l.msg, l.rpc, l.requestId])).toEqual([
      ['before', rpc, 'rq_two_hops'],
      ['after', rpc, 'rq_two_hops'],
      ['second hop', 'rtcroom.presence.v1.PresenceService/GetUserPresence', 'rq_two_hops'],
    ]);
  });

  it('a client scoped to a request (the gateway\'s per frame) names it on every call, its own options kept', async () => {
    lines.length = 0;
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000);
    try {
      const scoped = withCallDefaults(client, { requestId: 'rq_frame' });
      await scoped.listOnline({ identities: ['s1'] });
      await scoped.listOnline({ identities: ['s2'] }, { timeoutMs: 1500 });
      await scoped.listOnline({ identities: ['s3'] }, { requestId: 'rq_own' });
    } finally {
      client.close();
    }
    expect(lines.filter((l) => l.msg === 'before').map((l) => [l.n, l.requestId])).toEqual([
      ['s1', 'rq_frame'],
      ['s2', 'rq_frame'],
      ['s3', 'rq_own'],
    ]);
  });

  it.each([true, false])('mux %p: a handler that fails is logged with its rpc and request id', async (mux) => {
    lines.length = 0;
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000, { mux });
    try {
      await expect(client.getUserPresence({ identity: 'crash' }, { requestId: 'rq_failing' })).rejects.toMatchObject({ reason: 'INTERNAL' });
    } finally {
      client.close();
    }
    expect(lines.map((l) => [l.msg, l.rpc, l.requestId, l.err?.message])).toEqual([['rpc failed', 'rtcroom.presence.v1.PresenceService/GetUserPresence', 'rq_failing', 'a bug']]);
  });
});
