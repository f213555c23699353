// The Grafana dashboard (deploy/grafana/rtcroom.json) asks only for metrics the services export: every
// name in every panel's query is registered by the code that registers it in the services.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportConsumers, exportPoolUse, grpcMetrics, processMetrics, ServiceMetrics } from '@rtcroom/common';
import { GatewayMetrics } from '@rtcroom/gateway';
import { presenceMetrics } from '@rtcroom/presence';
import { roomMetrics } from '@rtcroom/room';
import { urlIssuerMetrics } from '@rtcroom/url-issuer';

const dashboardPath = join(__dirname, '../../deploy/grafana/rtcroom.json');

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** What the four services register, as the services register it (nothing is started or scraped). */
async function exportedNames(): Promise<Set<string>> {
  const registries = [processMetrics()];
  for (const service of ['room', 'presence', 'url-issuer', 'gateway']) {
    const metrics = new ServiceMetrics(service);
    grpcMetrics(metrics);
    exportPoolUse(metrics, { poolUse: () => ({ total: 0, idle: 0, waiting: 0, max: 0 }) });
    exportConsumers(metrics, () => []);
    if (service === 'room') roomMetrics(metrics, {} as never);
    if (service === 'gateway') new GatewayMetrics(metrics, () => 0);
    if (service === 'presence') presenceMetrics(metrics, { count: () => 0 });
    if (service === 'url-issuer') urlIssuerMetrics(metrics, { waitingCount: 0 });
    registries.push(...metrics.registries());
  }
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      // PromQL sees a histogram as its series.
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

function panelsOf(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

/** The metric names a PromQL expression reads: identifiers followed by a selector or a range, not functions or labels. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutGroupings = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...withoutGroupings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=[{[]|\)|$|\s*[-+*/])/g)]
    .map((m) => m[1]!)
    .filter((name) => !/^(sum|max|min|avg|rate|increase|histogram_quantile|label_values|count)$/.test(name) && !/^\d/.test(name));
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { panels: Panel[]; templating: { list: { query?: unknown }[] } };

  it('reads only metrics the services export', async () => {
    const exported = await exportedNames();
    const graphs = panelsOf(dashboard.panels).filter((p) => p.type !== 'row');
    expect(graphs.length).toBeGreaterThan(20);
    const missing: string[] = [];
    let read = 0;
    for (const panel of graphs) {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        const names = metricNames(expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          read++;
          if (!exported.has(name)) missing.push(`${panel.title}: ${name}`);
        }
      }
    }
    for (const variable of dashboard.templating.list) {
      const query = (variable.query as { query?: string } | undefined)?.query;
      if (query) for (const name of metricNames(query.replace(/^label_values\((.*), \w+\)$/, '$1'))) if (!exported.has(name)) missing.push(`variable: ${name}`);
    }
    expect(read).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it('shows every rtcroom metric the services export', async () => {
    const exported = [...(await exportedNames())].filter((n) => n.startsWith('rtcroom_'));
    const text = readFileSync(dashboardPath, 'utf8');
    const shown = exported.filter((n) => text.includes(n) || ['_bucket', '_sum', '_count'].some((s) => text.includes(n + s)));
    expect(exported.filter((n) => !shown.includes(n) && !/_(bucket|sum|count)$/.test(n))).toEqual([]);
  });

  it('the name reader finds the names in a query', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, method) (rate(rtcroom_grpc_server_handling_seconds_bucket{code!="OK"}[$__rate_interval])))')).toEqual([
      'rtcroom_grpc_server_handling_seconds_bucket',
    ]);
    expect(metricNames('max(rtcroom_room_open_rooms)')).toEqual(['rtcroom_room_open_rooms']);
    expect(metricNames('process_resident_memory_bytes{instance=~"$instance"}')).toEqual(['process_resident_memory_bytes']);
  });
});
