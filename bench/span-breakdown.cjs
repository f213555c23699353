// Where a request's milliseconds go, by span: an OTLP/HTTP (JSON) receiver for the services' traces
// during a bench run, which prints, for the traces that start at a root span (default the gateway's
// `gateway joinRoom`), each span name's count and its duration's p50 / p90 / p99, in the order the
// spans start. Run it, then the bench with tracing pointed at it:
//   node bench/span-breakdown.cjs [--port 4318] [--root "gateway joinRoom"] [--with NAME] [--seconds 120]
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/json \
//     node bench/dist/run.js --target system --scenarios churn --rate 200 --lifecycle join-leave
// --with NAME keeps only the traces that also hold a span of that name (`publish rtcroom.room.*.room.created`:
// the joins that made their room). It prints when the bench is done (--seconds after it started, or on Ctrl-C). Tracing costs CPU of
// its own: read the spans for where the time goes, not the run's CPU figures. Span start times are
// whole milliseconds (OpenTelemetry's SDK starts them from Date.now()); durations are exact.
'use strict';
const http = require('node:http');
const { parseArgs } = require('node:util');

const usage = 'usage: node bench/span-breakdown.cjs [--port 4318] [--root "gateway joinRoom"] [--with NAME] [--seconds 120]\n';
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '4318' },
      root: { type: 'string', default: 'gateway joinRoom' },
      with: { type: 'string' },
      seconds: { type: 'string', default: '120' },
      help: { type: 'boolean' },
    },
  }));
} catch (err) {
  process.stderr.write(`${err.message}\n${usage}`);
  process.exit(2);
}
const port = Number(values.port);
const seconds = Number(values.seconds);
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !(seconds > 0)) {
  process.stderr.write(`--port must be 1-65535 and --seconds above 0\n${usage}`);
  process.exit(2);
}

/** Spans by trace id: { service, name, parent, startMs, durationMs }. */
const traces = new Map();
let received = 0;

function take(body) {
  for (const rs of body.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '?';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const start = BigInt(s.startTimeUnixNano);
        const span = { service, name: s.name, parent: s.parentSpanId || '', startMs: Number(start / 1000n) / 1000, durationMs: Number(BigInt(s.endTimeUnixNano) - start) / 1e6 };
        let list = traces.get(s.traceId);
        if (!list) traces.set(s.traceId, (list = []));
        list.push(span);
        received++;
      }
    }
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/v1/traces') {
      try {
        take(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        // a body that is not OTLP/JSON: nothing to count
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function report() {
  const rows = new Map();
  let rooted = 0;
  for (const spans of traces.values()) {
    const root = spans.find((s) => s.name === values.root && s.parent === '');
    if (!root || (values.with !== undefined && !spans.some((s) => s.name === values.with))) continue;
    rooted++;
    for (const s of spans) {
      const key = `${s.service}: ${s.name}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { offsets: [], durations: [] }));
      row.offsets.push(s.startMs - root.startMs);
      row.durations.push(s.durationMs);
    }
  }
  const also = values.with === undefined ? '' : ` and hold "${values.with}"`;
  process.stdout.write(`${received} spans received; ${rooted} traces start at "${values.root}"${also}\n\n`);
  process.stdout.write('| span | n | starts after the root, p50 (ms) | duration p50 | p90 | p99 (ms) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n');
  const ordered = [...rows].map(([key, r]) => {
    r.offsets.sort((a, b) => a - b);
    r.durations.sort((a, b) => a - b);
    return { key, n: r.durations.length, offset: quantile(r.offsets, 0.5), d: r.durations };
  });
  ordered.sort((a, b) => a.offset - b.offset || b.d[b.d.length >> 1] - a.d[a.d.length >> 1]);
  for (const r of ordered) {
    process.stdout.write(`| ${r.key} | ${r.n} | ${r.offset.toFixed(0)} | ${quantile(r.d, 0.5).toFixed(2)} | ${quantile(r.d, 0.9).toFixed(2)} | ${quantile(r.d, 0.99).toFixed(2)} |\n`);
  }
}

server.listen(port, '127.0.0.1', () => process.stderr.write(`listening for OTLP/HTTP JSON on http://127.0.0.1:${port} for ${seconds} s\n`));
const finish = () => {
  report();
  server.close();
  process.exit(0);
};
setTimeout(finish, seconds * 1000).unref();
process.on('SIGINT', finish);
process.on('SIGTERM', finish);
