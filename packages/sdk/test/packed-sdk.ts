// The SDK as an app outside this repository gets it: `npm pack` (whose prepack builds it), and
// `npm install <tarball>` into a throw-away directory. The SDK has no dependencies, so installing it
// needs no registry; Node's `ws` comes from this workspace, packed the same way.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = join(__dirname, '..', '..', '..');
export const sdkDir = join(repoRoot, 'packages', 'sdk');

/**
 * The environment of a fresh shell: without what `npm test` tells its script (above all the
 * workspace as npm's prefix, which would send an install in the throw-away app to the workspace) and
 * jest's Node options. The user's npm settings (cache, registry, certificates) stay.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const scriptOnly = /^(npm_(package|lifecycle)_|npm_config_(local_)?prefix$|npm_config_call$|npm_command$|npm_(node_)?execpath$|NODE_OPTIONS$|INIT_CWD$)/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!scriptOnly.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export interface PackedSdk {
  tarball: string;
  /** The files in the tarball, relative to the package. */
  files: string[];
}

/**
 * `npm pack` in packages/sdk into `dest`. Test files run in parallel and prepack rebuilds dist/: one
 * at a time (a lock directory), so none reads a build another is writing.
 */
export function packSdk(dest: string): Promise<PackedSdk> {
  return withSdkLock(async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: sdkDir, env: cleanEnv(), timeout: 120_000 });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    return { tarball: join(dest, packed!.filename), files: packed!.files.map((f) => f.path).sort() };
  });
}

/** Builds the SDK (as prepack does), then runs `use` while no other test rebuilds it. */
export function withBuiltSdk<T>(use: () => Promise<T>): Promise<T> {
  return withSdkLock(async () => {
    await run('npm', ['run', 'build'], { cwd: sdkDir, env: cleanEnv(), timeout: 120_000 });
    return use();
  });
}

/** One test at a time builds or reads packages/sdk/dist. */
async function withSdkLock<T>(use: () => Promise<T>): Promise<T> {
  // One lock per checkout: another worktree's tests build their own dist.
  const release = await lock(join(tmpdir(), `rtcroom-sdk-pack-${createHash('sha1').update(sdkDir).digest('hex').slice(0, 12)}.lock`));
  try {
    return await use();
  } finally {
    release();
  }
}

/** A throw-away app in a temporary directory, outside the workspace, with these packages installed. */
export async function throwawayApp(name: string, packageFiles: string[]): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), `rtcroom-${name}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `throwaway-${name}`, version: '1.0.0', private: true }, null, 2));
  if (packageFiles.length > 0) await npmInstall(dir, packageFiles);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `npm install` as an app would, offline where it can be: what it installs here are local tarballs. */
export async function npmInstall(dir: string, specs: string[] = []): Promise<void> {
  await run('npm', ['install', ...specs, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: cleanEnv(), timeout: 120_000 });
}

/** The workspace's `ws`, packed: what `npm install ws` would give the app. */
export async function packWs(dest: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', join(repoRoot, 'node_modules', 'ws'), '--json', '--pack-destination', dest], { cwd: dest, env: cleanEnv(), timeout: 60_000 });
  return join(dest, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
}

async function lock(path: string): Promise<() => void> {
  for (const deadline = Date.now() + 180_000; ; ) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a process that died mid-pack: no pack takes two minutes.
      const held = statSync(path, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120_000) rmSync(path, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${path} is held: another test packing the SDK did not finish`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
