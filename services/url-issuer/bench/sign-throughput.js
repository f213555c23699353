// URLs signed per second on one core, for each provider: the cost of the url-issuer's own work,
// without gRPC. Needs the compiled package first: `npx tsc -b services/url-issuer` (or `npm run build`
// once tsconfig.build.json references this package) from the repository root, then
// `node services/url-issuer/bench/sign-throughput.js [seconds]`.
'use strict';
const { createMediaProvider, deriveStreamId } = require('../dist/index.js');

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
const seconds = Number(process.argv[2] ?? 2);

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
