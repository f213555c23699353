// Samples a service's CPU with the inspector's profiler while the bench drives it (bench/README.md,
// "Profiling a service under the bench"). Loaded into every process by NODE_OPTIONS; only a service's
// main.js (or `npm start`'s up.js) is profiled. PROF_DELAY_MS (default 20000) after the process
// starts, it samples for PROF_DURATION_MS (0: until the process exits) and writes
// <PROF_DIR or the working directory>/<service>-<pid>.cpuprofile, which Chrome's DevTools opens.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const main = process.argv[1] || '';
const named = main.match(/services\/([a-z-]+)\/dist\/main\.js$/) || main.match(/packages\/([a-z-]+)\/dist\/up\.js$/);
if (named) {
  const delayMs = Number(process.env.PROF_DELAY_MS || 20000);
  const durationMs = Number(process.env.PROF_DURATION_MS || 0);
  const file = path.join(process.env.PROF_DIR || process.cwd(), `${named[1]}-${process.pid}.cpuprofile`);
  const session = new inspector.Session();
  session.connect();
  let running = false;
  const stop = () => {
    if (!running) return;
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (!err) fs.writeFileSync(file, JSON.stringify(result.profile));
    });
  };
  setTimeout(() => {
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 500 }, () =>
        session.post('Profiler.start', () => {
          running = true;
          if (durationMs > 0) setTimeout(stop, durationMs).unref();
        }),
      ),
    );
  }, delayMs).unref();
  process.on('exit', stop);
}
