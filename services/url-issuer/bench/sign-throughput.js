// URLs signed per second on one core, for each provider: the cost of the url-issuer's own work,
// without gRPC; then the IssuePushUrl and IssuePlayUrls rate over gRPC on loopback (client and server
// in this one process, so both share a core: a floor, not a ceiling). Needs the compiled packages
// first (`npm run build` from the repository root), then
// `node services/url-issuer/bench/sign-throughput.js [seconds] [concurrency]`.
'use strict';
const { createMediaProvider, deriveStreamId, loadUrlIssuerConfig, startUrlIssuer } = require('../dist/index.js');
const { createClient, createLogger, InMemoryEventBus, readCommandLine, usageFailed } = require('@rtcroom/common');
const { urlIssuerv1 } = require('@rtcroom/proto');

const lifetimes = { pushTtlSeconds: 86400, playTtlSeconds: 86400 };
const providers = {
  tencent: createMediaProvider({
    kind: 'tencent',
    ...lifetimes,
    bizid: '8888',
    pushKey: 'bench-push-key',
    pushDomain: '8888.livepush.myqcloud.com',
    playDomain: '8888.liveplay.myqcloud.com',
    recordFormats: ['mp4'],
    recordIntervalSeconds: 1800,
  }),
  'self-hosted': createMediaProvider({
    kind: 'self-hosted',
    ...lifetimes,
    rtmpBase: 'rtmp://127.0.0.1:1935',
    httpBase: 'http://127.0.0.1:8080',
    signingKey: 'bench-signing-key-0123456789',
    app: 'live',
    recordApp: 'record',
  }),
};
const streamIdKey = 'bench-stream-id-key-0123456789';
const usage = `usage: node services/url-issuer/bench/sign-throughput.js [seconds] [concurrency]
  seconds       per measurement (default 2)
  concurrency   gRPC calls in flight (default 16)
`;
const { positionals } = readCommandLine(usage, { allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
if (positionals.length > 2) usageFailed(usage, `unexpected argument ${positionals[2]}`);
const seconds = Number(positionals[0] ?? 2);
const concurrency = Number(positionals[1] ?? 16);
if (!(seconds > 0)) usageFailed(usage, `seconds must be a number above 0, got ${positionals[0]}`);
if (!Number.isInteger(concurrency) || concurrency < 1) usageFailed(usage, `concurrency must be a positive whole number, got ${positionals[1]}`);

/** Runs `op` for `seconds` (after a short warm-up) and returns operations per second. */
function measure(op) {
  const warmUntil = Date.now() + 200;
  while (Date.now() < warmUntil) op(0);
  let n = 0;
  const start = process.hrtime.bigint();
  const stopAt = start + BigInt(Math.round(seconds * 1e9));
  let now;
  do {
    for (let i = 0; i < 1000; i++) op(n++);
    now = process.hrtime.bigint();
  } while (now < stopAt);
  return n / (Number(now - start) / 1e9);
}

const fmt = (x) => Math.round(x).toLocaleString('en-US').padStart(10);
console.log(`node ${process.version}, ${seconds}s per measurement, one core`);
for (const [name, provider] of Object.entries(providers)) {
  const at = new Date();
  // What IssuePushUrl does per call: derive the stream id, sign the push URL.
  const push = measure((i) => provider.pushUrl(deriveStreamId(streamIdKey, provider.streamIdPrefix, 'room_bench', `mem_${i}`), false, at));
  // What IssuePlayUrls does per viewer: sign the RTC, rtmp, flv and hls URLs.
  const streamId = deriveStreamId(streamIdKey, provider.streamIdPrefix, 'room_bench', 'mem_0');
  const play = measure((i) => provider.playUrl(streamId, `viewer_${i}`, at));
  console.log(`${name.padEnd(12)} push URLs/s ${fmt(push)}   play URL sets/s ${fmt(play)}`);
}

/** Runs `call` from `concurrency` loops for `seconds`; returns calls per second and latency percentiles. */
async function measureCalls(call) {
  for (let i = 0; i < 200; i++) await call(i);
  const latencies = [];
  let n = 0;
  const start = process.hrtime.bigint();
  const stopAt = start + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (process.hrtime.bigint() < stopAt) {
        const t0 = process.hrtime.bigint();
        await call(n++);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

async function grpcRates() {
  const env = {
    RTCROOM_DEV: 'true',
    URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0',
    URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
    DATABASE_URL: process.env.DATABASE_URL,
  };
  const running = await startUrlIssuer(loadUrlIssuerConfig(env), createLogger({}, 'error'), { bus: new InMemoryEventBus() });
  const client = createClient(urlIssuerv1.UrlIssuerServiceService, running.grpcAddress);
  try {
    const push = await measureCalls((i) => client.issuePushUrl({ roomId: 'room_bench', memberId: `mem_${i}`, record: false, recordFormats: [] }));
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_bench', memberId: 'mem_0', record: false, recordFormats: [] });
    const viewers = Array.from({ length: 5 }, (_, i) => `viewer_${i}`);
    const play = await measureCalls(() => client.issuePlayUrls({ roomId: 'room_bench', streamId: pushUrl.streamId, viewerIdentities: viewers, viewerKinds: [] }));
    console.log(`gRPC, ${concurrency} calls in flight (self-hosted):`);
    console.log(`  IssuePushUrl            ${fmt(push.rate)} calls/s   p50 ${push.p50} ms   p99 ${push.p99} ms`);
    console.log(`  IssuePlayUrls (5 each)  ${fmt(play.rate)} calls/s   p50 ${play.p50} ms   p99 ${play.p99} ms`);
  } finally {
    client.close();
    await running.stop();
  }
}

grpcRates().catch((err) => {
  console.error(err);
  process.exit(1);
});
