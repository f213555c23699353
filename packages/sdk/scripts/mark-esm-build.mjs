// Marks dist/esm as ES modules for Node: its files end in .js, and without {"type": "module"} beside
// them Node would load `import '@rtcroom/sdk'` (package.json exports, "import") as CommonJS and fail.
// The package itself stays CommonJS, so dist/cjs (main, and the mini-program's build directory) needs
// no marker. Run after tsc: npm run build does both.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const esm = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist', 'esm');
if (!existsSync(join(esm, 'index.js'))) throw new Error(`${esm}/index.js is missing: build the SDK first (npx tsc -b packages/sdk/tsconfig.esm.json)`);
writeFileSync(join(esm, 'package.json'), '{ "type": "module" }\n');
