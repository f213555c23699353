// Puts the console together in dist/: the static files, and the SDK's ES module build in dist/sdk/
// (index.html's import map points "@rtcroom/sdk" there). Run after tsc has built the console and the
// SDK (npm run build does both); the gateway serves dist/ at /console/ (GATEWAY_CONSOLE_DIR).
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(here, 'dist');
const sdkBuild = join(here, '..', 'sdk', 'dist', 'esm');

if (!existsSync(join(dist, 'app.js'))) throw new Error(`${dist}/app.js is missing: build the console first (npx tsc -b packages/console)`);
if (!existsSync(join(sdkBuild, 'index.js'))) throw new Error(`${sdkBuild}/index.js is missing: build the SDK first (npx tsc -b packages/sdk/tsconfig.esm.json)`);

cpSync(join(here, 'static'), dist, { recursive: true });
rmSync(join(dist, 'sdk'), { recursive: true, force: true });
// The SDK's modules with their folders (connection/, rooms/, ...), which their imports name.
cpSync(sdkBuild, join(dist, 'sdk'), { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.js') });
console.log(`console assembled in ${dist}`);
