#!/usr/bin/env node
// The `rtcroom` bin. A file that exists from the clone on, so npm links it at install time, before
// the build has made dist/ (npm does not link a bin whose file is missing).
try {
  require.resolve('../dist/main.js');
} catch {
  process.stderr.write('CONFIG: the admin CLI is not built yet; run npm run build first\n');
  process.exit(4);
}
require('../dist/main.js');
