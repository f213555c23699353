// For tests only: what WeChat DevTools' "Tools > Build npm" (构建 npm) does with this example, so its
// pages can be run outside DevTools on exactly the files DevTools would give them. Developers use
// DevTools' own button (see README.md); this is no replacement for it.
//
// What it emulates, from project.config.json: with setting.packNpmManually, each entry of
// setting.packNpmRelationList ({packageJsonPath, miniprogramNpmDistDir}); otherwise the package.json in
// miniprogramRoot. For each of that package.json's `dependencies` (not devDependencies), installed in
// the node_modules beside it, a mini-program npm package (one with a `miniprogram` field, or a
// miniprogram_dist folder) has that folder copied as it is to <miniprogramNpmDistDir>/miniprogram_npm/
// <name>/, where require('<name>') finds <name>/index.js. DevTools bundles other packages from their
// `main`; this does not (the example needs none) and says so.
//   node scripts/emulate-build-npm.mjs [example folder, default: the one this script is in]
import { cpSync, existsSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const project = resolve(process.argv[2] ?? dirname(dirname(fileURLToPath(import.meta.url))));
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const config = readJson(join(project, 'project.config.json'));
const rootDir = config.miniprogramRoot ?? './';
const miniprogramRoot = resolve(project, rootDir);
const relations = config.setting?.packNpmManually
  ? config.setting.packNpmRelationList ?? []
  : [{ packageJsonPath: join(rootDir, 'package.json'), miniprogramNpmDistDir: rootDir }];
if (relations.length === 0) throw new Error('project.config.json: packNpmManually is set but packNpmRelationList is empty');

for (const relation of relations) {
  const packageJson = resolve(project, relation.packageJsonPath);
  const out = resolve(project, relation.miniprogramNpmDistDir, 'miniprogram_npm');
  if (!out.startsWith(miniprogramRoot + sep)) throw new Error(`${out} is outside miniprogramRoot: DevTools would not build there`);
  rmSync(out, { recursive: true, force: true });
  for (const name of Object.keys(readJson(packageJson).dependencies ?? {})) {
    const installed = join(dirname(packageJson), 'node_modules', name);
    if (!existsSync(join(installed, 'package.json'))) throw new Error(`${name} is not installed: npm install in ${dirname(packageJson)} first`);
    const pkg = readJson(join(installed, 'package.json'));
    const dist = join(realpathSync(installed), pkg.miniprogram ?? 'miniprogram_dist');
    if (!existsSync(dist) || !statSync(dist).isDirectory()) {
      throw new Error(`${name}: no mini-program build folder (${pkg.miniprogram ? `"miniprogram": "${pkg.miniprogram}" is missing: build the package first` : 'no miniprogram field'}); bundling from main is not emulated`);
    }
    cpSync(dist, join(out, name), { recursive: true });
    console.log(`${name}: ${dist} -> ${join(out, name)}`);
  }
}
