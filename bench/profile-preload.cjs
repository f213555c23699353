// Profiles a service while the bench drives it (bench/README.md, "Profiling a service under the
// bench"). Loaded into every process by NODE_OPTIONS; only a service's main.js (or `npm start`'s up.js)
// is profiled. PROF_DELAY_MS (default 20000) after the process starts, it records for
// PROF_DURATION_MS (0: until the process exits) and writes to PROF_DIR (default: the working
// directory), by PROF_KIND:
//   cpu (the default)  <service>-<pid>.cpuprofile: the inspector's sampling CPU profiler (every 500 us);
//   heap               <service>-<pid>.heapprofile: V8's sampling heap profiler (every 4 KB allocated,
//                      collected objects included: what the garbage collector has to deal with);
//   promises           <service>-<pid>.promises.json: promises and other async resources created
//                      in the window (with the log context's AsyncLocalStorage on, each promise runs
//                      its hooks).
//   gc                 <service>-<pid>.gc.json: every garbage collection of the window (its kind and
//                      pause, from perf_hooks) and the event loop's delay (p50, p99, max): what a
//                      request may have waited behind, for reading a run's tail latencies.
// Chrome's DevTools opens the first two; `node bench/profile-top.cjs FILE` lists their top items.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');
const asyncHooks = require('node:async_hooks');

const main = process.argv[1] || '';
const named = main.match(/services\/([a-z-]+)\/dist\/main\.js$/) || main.match(/packages\/([a-z-]+)\/dist\/up\.js$/);
const kinds = {
  cpu: {
    extension: 'cpuprofile',
    start: (session, done) =>
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start', done))),
    stop: (session, write) => session.post('Profiler.stop', (err, result) => err || write(JSON.stringify(result.profile))),
  },
  heap: {
    extension: 'heapprofile',
    start: (session, done) =>
      session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, done),
    stop: (session, write) => session.post('HeapProfiler.stopSampling', (err, result) => err || write(JSON.stringify(result.profile))),
  },
  promises: (() => {
    let counting = false;
    let startedAt = 0;
    const counts = { promises: 0, otherAsync: 0 };
    const hook = asyncHooks.createHook({
      init(_id, type) {
        if (!counting) return;
        if (type === 'PROMISE') counts.promises++;
        else counts.otherAsync++;
      },
    });
    return {
      extension: 'promises.json',
      start: (_session, done) => {
        hook.enable();
        counting = true;
        startedAt = Date.now();
        done();
      },
      stop: (_session, write) => {
        counting = false;
        hook.disable();
        write(JSON.stringify({ ...counts, windowMs: Date.now() - startedAt }));
      },
    };
  })(),
  gc: (() => {
    const { PerformanceObserver, monitorEventLoopDelay, performance } = require('node:perf_hooks');
    const kindNames = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb', 16: 'minor' };
    const pauses = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) pauses.push({ at: Math.round(performance.timeOrigin + e.startTime), ms: Number(e.duration.toFixed(3)), kind: kindNames[e.detail?.kind] || String(e.detail?.kind) });
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    let startedAt = 0;
    return {
      extension: 'gc.json',
      start: (_session, done) => {
        observer.observe({ entryTypes: ['gc'] });
        delay.enable();
        startedAt = Date.now();
        done();
      },
      stop: (_session, write) => {
        observer.disconnect();
        delay.disable();
        const byKind = {};
        for (const p of pauses) {
          const k = (byKind[p.kind] ||= { count: 0, totalMs: 0, maxMs: 0 });
          k.count++;
          k.totalMs = Number((k.totalMs + p.ms).toFixed(3));
          k.maxMs = Math.max(k.maxMs, p.ms);
        }
        const ms = (ns) => Number((ns / 1e6).toFixed(2));
        write(
          JSON.stringify({
            windowMs: Date.now() - startedAt,
            byKind,
            eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
            pausesOver5Ms: pauses.filter((p) => p.ms > 5),
          }),
        );
      },
    };
  })(),
};

if (named) {
  const kindName = process.env.PROF_KIND || 'cpu';
  const kind = kinds[kindName];
  if (!kind) throw new Error(`PROF_KIND must be one of ${Object.keys(kinds).join(', ')} (got ${kindName})`);
  const delayMs = Number(process.env.PROF_DELAY_MS || 20000);
  const durationMs = Number(process.env.PROF_DURATION_MS || 0);
  const file = path.join(process.env.PROF_DIR || process.cwd(), `${named[1]}-${process.pid}.${kind.extension}`);
  const session = new inspector.Session();
  session.connect();
  let running = false;
  const stop = () => {
    if (!running) return;
    running = false;
    kind.stop(session, (text) => fs.writeFileSync(file, text));
  };
  setTimeout(() => {
    kind.start(session, () => {
      running = true;
      if (durationMs > 0) setTimeout(stop, durationMs).unref();
    });
  }, delayMs).unref();
  process.on('exit', stop);
}
