// scripts/install-deps.sh (the first step of npm run up and of CI), run on a throw-away project whose
// only packages are workspaces (npm needs no registry): it installs once, a second run with nothing
// changed installs nothing, a change to the lockfile or a workspace's package.json installs again,
// and it never rewrites package-lock.json, even when npm ci refuses it and npm install takes over.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '../scripts/install-deps.sh');
let project: string;

function write(path: string, json: unknown): void {
  mkdirSync(join(project, path, '..'), { recursive: true });
  writeFileSync(join(project, path), JSON.stringify(json, null, 2) + '\n');
}

function installDeps(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [join(project, 'scripts/install-deps.sh')], { env: { ...process.env, npm_config_offline: 'true' }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const lock = () => readFileSync(join(project, 'package-lock.json'), 'utf8');

beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'rtcroom-install-'));
  mkdirSync(join(project, 'scripts'));
  copyFileSync(script, join(project, 'scripts/install-deps.sh'));
  write('package.json', { name: 'throw-away', version: '1.0.0', private: true, workspaces: ['packages/a'] });
  write('packages/a/package.json', { name: 'a', version: '1.0.0' });
  execFileSync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], { cwd: project, stdio: 'ignore' });
});

afterEach(() => rmSync(project, { recursive: true, force: true }));

it('installs once; a second run with nothing changed installs nothing; a changed workspace installs again', async () => {
  const first = await installDeps();
  expect(first.code).toBe(0);
  expect(first.stdout).not.toContain('nothing to install');
  expect(existsSync(join(project, 'node_modules/a/package.json'))).toBe(true);

  expect(await installDeps()).toMatchObject({ code: 0, stdout: 'node_modules matches package-lock.json: nothing to install\n' });

  write('packages/a/package.json', { name: 'a', version: '1.0.1' });
  execFileSync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], { cwd: project, stdio: 'ignore' });
  const third = await installDeps();
  expect(third.code).toBe(0);
  expect(third.stdout).not.toContain('nothing to install');
  expect(JSON.parse(readFileSync(join(project, 'node_modules/a/package.json'), 'utf8')).version).toBe('1.0.1');
}, 60_000);

it('leaves package-lock.json as it is when npm ci refuses it as out of sync', async () => {
  const before = lock();
  // A workspace the lockfile does not know: npm ci refuses, npm install would add it to the lock.
  write('package.json', { name: 'throw-away', version: '1.0.0', private: true, workspaces: ['packages/a', 'packages/b'] });
  write('packages/b/package.json', { name: 'b', version: '1.0.0' });
  const ran = await installDeps();
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('npm install --no-save');
  expect(existsSync(join(project, 'node_modules/b/package.json'))).toBe(true);
  expect(lock()).toBe(before);
  expect((await installDeps()).stdout).toContain('nothing to install');
  expect(lock()).toBe(before);
}, 60_000);
