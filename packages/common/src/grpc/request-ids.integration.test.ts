// A request's id travels with the gRPC calls made for it: the client sends the log context's requestId
// as x-request-id, and every line the handler logs names it and the rpc; a call made outside any
// request gets an id of its own on the server. Over the mux stream and as unary calls alike.
import { presencev1 } from '@rtcroom/proto';
import { createLogger, Logger, withLogContext } from '../logger';
import { createClient } from './client';
import { bindService, RunningGrpcServer, startGrpcServer } from './server';

type Presence = typeof presencev1.PresenceServiceService;

describe('request ids across a gRPC call', () => {
  let server: RunningGrpcServer;
  let lines: Record<string, any>[];
  let handlerLog: Logger;

  beforeAll(async () => {
    lines = [];
    handlerLog = createLogger({ service: 'presence' }, 'info', (line) => lines.push(JSON.parse(line)));
    const binding = bindService(
      'rtcroom.presence.v1.PresenceService',
      presencev1.PresenceServiceService,
      {
        listOnline: async (req: presencev1.ListOnlineRequest) => {
          handlerLog.info('before', { n: req.identities[0] });
          await new Promise((r) => setImmediate(r));
          handlerLog.info('after', { n: req.identities[0] });
          return { onlineIdentities: [] };
        },
      } as never,
      'rtcroom.presence',
      { listOnline: ['room'] } as never,
    );
    server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({}, 'silent'));
  });
  afterAll(() => server?.stop(500));

  it.each([true, false])('mux %p: the caller\'s requestId is on every line the handler logs', async (mux) => {
    lines.length = 0;
    const client = createClient<Presence>(presencev1.PresenceServiceService, server.address, 2000, { mux });
    try {
      await withLogContext({ requestId: 'rq_from_the_gateway', connectionId: 'cn_1' }, () => client.listOnline({ identities: ['a'] }));
      await client.listOnline({ identities: ['b'] }); // outside any request
    } finally {
      client.close();
    }
    const rpc = 'rtcroom.presence.v1.PresenceService/ListOnline';
    expect(lines.filter((l) => l.n === 'a').map((l) => [l.msg, l.rpc, l.requestId])).toEqual([
      ['before', rpc, 'rq_from_the_gateway'],
      ['after', rpc, 'rq_from_the_gateway'],
    ]);
    const own = lines.filter((l) => l.n === 'b');
    expect(own).toHaveLength(2);
    expect(own[0]!.requestId).toMatch(/^rq_/);
    expect(own[0]!.requestId).not.toBe('rq_from_the_gateway');
    expect(own[1]!.requestId).toBe(own[0]!.requestId);
    expect(lines.some((l) => 'connectionId' in l)).toBe(false); // only the request id crosses
  });
});
