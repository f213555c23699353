// Copies the SDK's CommonJS build (packages/sdk/dist/cjs, made by `npm run build`) into lib/sdk/, where
// the pages require it: node examples/miniprogram/scripts/copy-sdk.mjs
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const example = dirname(dirname(fileURLToPath(import.meta.url)));
const build = join(example, '..', '..', 'packages', 'sdk', 'dist', 'cjs');
if (!existsSync(join(build, 'index.js'))) throw new Error(`${build}/index.js is missing: run npm run build first`);
const target = join(example, 'lib', 'sdk');
rmSync(target, { recursive: true, force: true });
// The SDK's modules with their folders (connection/, rooms/, ...), which their requires name.
cpSync(build, target, { recursive: true, filter: (path) => statSync(path).isDirectory() || path.endsWith('.js') });
console.log(`SDK copied to ${target}`);
