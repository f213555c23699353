// The metrics plumbing against real listeners: gRPC calls counted at both ends by method, code and
// transport (unary and mux alike), a value read at scrape time that fails or hangs, the /metrics
// listener's answers, and <SERVICE>_METRICS_ADDRESS.
import { get } from 'node:http';
import { presencev1 } from '@rtcroom/proto';
import { ConfigError, envMetricsAddress } from '../config';
import { DomainError } from '../errors';
import { createClient } from '../grpc/client';
import { bindService, startGrpcServer } from '../grpc/server';
import { createLogger } from '../logger';
import { grpcMetrics } from './grpc-metrics';
import { startMetricsServer } from './metrics-server';
import { ServiceMetrics } from './service-metrics';

const logger = createLogger({ service: 'metrics-test' }, 'silent');
const method = 'rtcroom.presence.v1.PresenceService/ListOnline';

function binding() {
  return bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      listOnline: async (req: presencev1.ListOnlineRequest) => {
        if (req.identities[0] === 'missing') throw new DomainError('NOT_FOUND', 'no such one');
        return { onlineIdentities: req.identities };
      },
    } as never,
    'rtcroom.presence',
    { listOnline: ['room'] } as never,
  );
}

async function count(metrics: ServiceMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
  return values
    .filter((v) => v.metricName === `${name}_count` && Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((acc, v) => acc + v.value, 0);
}

function httpGet(address: string, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    get({ host: address.slice(0, i), port: Number(address.slice(i + 1)), path, method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('gRPC metrics', () => {
  it.each([
    ['mux', true],
    ['unary', false],
  ] as const)('counts calls at both ends over %s, by method and code', async (transport, mux) => {
    const serverMetrics = new ServiceMetrics('server');
    const clientMetrics = new ServiceMetrics('client');
    const server = await startGrpcServer('127.0.0.1:0', [binding()], logger, undefined, undefined, grpcMetrics(serverMetrics));
    const client = createClient(presencev1.PresenceServiceService, server.address, 2000, { mux, metrics: grpcMetrics(clientMetrics) });
    try {
      await client.listOnline({ identities: ['a'] });
      await client.listOnline({ identities: ['b'] });
      await expect(client.listOnline({ identities: ['missing'] })).rejects.toThrow('no such one');
      for (const [metrics, name] of [
        [serverMetrics, 'rtcroom_grpc_server_handling_seconds'],
        [clientMetrics, 'rtcroom_grpc_client_handling_seconds'],
      ] as const) {
        expect(await count(metrics, name, { method, code: 'OK', transport })).toBe(2);
        expect(await count(metrics, name, { method, code: 'NOT_FOUND', transport })).toBe(1);
      }
    } finally {
      client.close();
      await server.stop(500);
    }
  });
});

describe('the metrics listener', () => {
  it('serves /metrics with the service label and the process metrics; anything else is 404, a POST 405', async () => {
    const metrics = new ServiceMetrics('svc');
    metrics.counter('rtcroom_test_things_total', 'things').inc(3);
    const server = await startMetricsServer('127.0.0.1:0', metrics, logger);
    try {
      const res = await httpGet(server.address, '/metrics');
      expect(res.status).toBe(200);
      expect(res.body).toContain('rtcroom_test_things_total{service="svc"} 3');
      expect(res.body).toContain('process_cpu_user_seconds_total');
      expect(res.body).toContain('nodejs_eventloop_lag_seconds');
      expect((await httpGet(server.address, '/')).status).toBe(404);
      expect((await httpGet(server.address, '/metrics', 'POST')).status).toBe(405);
    } finally {
      await server.stop();
    }
  });

  it('reads NaN (or no series) for a value read at scrape that fails or hangs, counts it, and still answers', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'performance'] });
    try {
      const metrics = new ServiceMetrics('svc');
      metrics.gaugeAtScrape('rtcroom_test_broken', 'fails', [], async () => {
        throw new Error('database down');
      });
      metrics.gaugeAtScrape('rtcroom_test_hung', 'hangs', ['kind'], () => new Promise(() => undefined));
      metrics.gaugeAtScrape('rtcroom_test_fine', 'works', ['kind'], () => [{ labels: { kind: 'a' }, value: 7 }]);
      const scraped = metrics.exposition();
      await jest.advanceTimersByTimeAsync(2500);
      const text = await scraped;
      expect(text).toContain('rtcroom_test_fine{kind="a",service="svc"} 7');
      expect(text).toMatch(/^rtcroom_test_broken\{service="svc"\} nan$/im); // prom-client writes Nan; Prometheus reads it in any case
      expect(text).not.toMatch(/^rtcroom_test_hung/m);
      expect(text).toContain('rtcroom_metrics_collect_failures_total{metric="rtcroom_test_broken",service="svc"} 1');
      expect(text).toContain('rtcroom_metrics_collect_failures_total{metric="rtcroom_test_hung",service="svc"} 1');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('<SERVICE>_METRICS_ADDRESS', () => {
  it('is host:port, or off', () => {
    expect(envMetricsAddress({}, 'ROOM_METRICS_ADDRESS', '127.0.0.1:9461')).toBe('127.0.0.1:9461');
    expect(envMetricsAddress({ ROOM_METRICS_ADDRESS: '0.0.0.0:9000' }, 'ROOM_METRICS_ADDRESS', '127.0.0.1:9461')).toBe('0.0.0.0:9000');
    expect(envMetricsAddress({ ROOM_METRICS_ADDRESS: 'off' }, 'ROOM_METRICS_ADDRESS', '127.0.0.1:9461')).toBeUndefined();
    expect(() => envMetricsAddress({ ROOM_METRICS_ADDRESS: '9000' }, 'ROOM_METRICS_ADDRESS', '127.0.0.1:9461')).toThrow(ConfigError);
    expect(() => envMetricsAddress({ ROOM_METRICS_ADDRESS: '9000' }, 'ROOM_METRICS_ADDRESS', '127.0.0.1:9461')).toThrow(/ROOM_METRICS_ADDRESS/);
  });
});
