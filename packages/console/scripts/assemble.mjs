// Puts the console together in dist/: the static files, and the SDK's ES module build in dist/sdk/
// (index.html's import map points "@rtcroom/sdk" there). Run after tsc has built the console and the
// SDK (npm run build does both); the gateway serves dist/ at /console/ (GATEWAY_CONSOLE_DIR).
// Skipped when its inputs are what it last assembled from (npm run up builds on every start).
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(here, 'dist');
const sdkBuild = join(here, '..', 'sdk', 'dist', 'esm');
const stamp = join(dist, '.assembled');

if (!existsSync(join(dist, 'app.js'))) throw new Error(`${dist}/app.js is missing: build the console first (npx tsc -b packages/console)`);
if (!existsSync(join(sdkBuild, 'index.js'))) throw new Error(`${sdkBuild}/index.js is missing: build the SDK first (npx tsc -b packages/sdk/tsconfig.esm.json)`);

/** Every file under dir that passes keep, recursively. */
function files(dir, keep = () => true) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? files(path, keep) : keep(path) ? [path] : [];
  });
}

// What it copies, by name, size and time of change: tsc -b leaves an unchanged build's files alone.
const inputs = [...files(join(here, 'static')), ...files(sdkBuild, (path) => path.endsWith('.js'))];
const fingerprint = createHash('sha256')
  .update(inputs.map((path) => `${relative(here, path)} ${statSync(path).size} ${statSync(path).mtimeMs}`).join('\n'))
  .digest('hex');
const copied = (path) => existsSync(join(dist, relative(join(here, 'static'), path)));
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint && files(join(here, 'static')).every(copied) && existsSync(join(dist, 'sdk', 'index.js'))) {
  console.log(`console up to date in ${dist}`);
} else {
  cpSync(join(here, 'static'), dist, { recursive: true });
  rmSync(join(dist, 'sdk'), { recursive: true, force: true });
  // The SDK's modules with their folders (connection/, rooms/, ...), which their imports name.
  cpSync(sdkBuild, join(dist, 'sdk'), { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.js') });
  writeFileSync(stamp, fingerprint);
  console.log(`console assembled in ${dist}`);
}
