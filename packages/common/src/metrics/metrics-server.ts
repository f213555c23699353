// The metrics listener: GET /metrics in Prometheus' text format, on an address of its own per service
// (<SERVICE>_METRICS_ADDRESS), never on a port that faces clients or media servers.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '../logger';
import { ServiceMetrics } from './service-metrics';

export interface RunningMetricsServer {
  /** host:port, with the port the system gave for port 0. */
  address: string;
  stop(): Promise<void>;
}

export async function startMetricsServer(address: string, metrics: ServiceMetrics, logger: Logger): Promise<RunningMetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    metrics.exposition().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => {
        logger.warn('metrics scrape failed', { err });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.keepAliveTimeout = 65_000; // longer than Prometheus' scrape interval: one connection per scraper
  const host = address.slice(0, address.lastIndexOf(':'));
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = `${host}:${(server.address() as AddressInfo).port}`;
  logger.info('metrics listening', { address: bound, path: '/metrics' });
  return {
    address: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The metrics listener at `address`, or none when the service's <SERVICE>_METRICS_ADDRESS is off (undefined). */
export async function serveMetrics(address: string | undefined, metrics: ServiceMetrics, logger: Logger): Promise<RunningMetricsServer | undefined> {
  return address === undefined ? undefined : startMetricsServer(address, metrics, logger);
}
