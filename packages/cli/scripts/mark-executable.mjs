// tsc writes dist/main.js without the executable bit the `rtcroom` bin needs (npx, a global install).
import { chmodSync } from 'node:fs';
import { join } from 'node:path';

chmodSync(join(import.meta.dirname, '..', 'dist', 'main.js'), 0o755);
