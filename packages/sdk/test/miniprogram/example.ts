// The mini-program example (examples/miniprogram) set up as its README tells a developer to: a copy of
// it in a temporary directory (beside a link to packages/sdk, so its `file:../../packages/sdk` holds),
// config.js pointed at the gateway in place of the README's LAN address, `npm install` (the example's
// .npmrc installs the SDK as a copy of its published files), and "Build npm" (emulated by the
// example's scripts/emulate-build-npm.mjs) filling miniprogram_npm/. Then phones run it (phone.ts).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@rtcroom/common/testing';
import { cleanEnv, npmInstall, repoRoot, sdkDir, withBuiltSdk } from '../packed-sdk';
import { Phone, PhoneOptions, startPhone } from './phone';

const run = promisify(execFile);
export const exampleDir = join(repoRoot, 'examples', 'miniprogram');
/** The address config.js holds, for the developer to replace with the machine's LAN address. */
export const placeholderAddress = '192.168.1.10:8787';

export interface InstalledExample {
  dir: string;
  remove(): void;
}

/** `media`: config.js's media setting ('trtc': the TRTC page). */
export async function installExample(gatewayAddress: string, serviceTeam = 'claims', media: 'rtmp' | 'trtc' = 'rtmp'): Promise<InstalledExample> {
  const base = mkdtempSync(join(tmpdir(), 'rtcroom-miniprogram-'));
  const dir = join(base, 'examples', 'miniprogram');
  cpSync(exampleDir, dir, { recursive: true, filter: (src) => !/^(node_modules|miniprogram_npm|package-lock\.json)/.test(relative(exampleDir, src)) });
  mkdirSync(join(base, 'packages'));
  symlinkSync(sdkDir, join(base, 'packages', 'sdk'));
  const config = readFileSync(join(dir, 'config.js'), 'utf8');
  if (!config.includes(placeholderAddress) || !config.includes("serviceTeam: 'claims'") || !config.includes("media: 'rtmp'")) throw new Error('config.js no longer has the address, team and media its README says to replace');
  writeFileSync(join(dir, 'config.js'), config.replaceAll(placeholderAddress, gatewayAddress).replace("serviceTeam: 'claims'", `serviceTeam: '${serviceTeam}'`).replace("media: 'rtmp'", `media: '${media}'`));
  await withBuiltSdk(() => npmInstall(dir));
  await run(process.execPath, ['scripts/emulate-build-npm.mjs'], { cwd: dir, env: cleanEnv() });
  return { dir, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** Waits for `check` to hold (any truthy value; '' and 0 count as not yet). */
export const until = <T>(check: () => T | undefined | false | null | '' | 0, what: string): Promise<T> =>
  eventually(() => check() || undefined, 8000, what) as Promise<T>;

/** A `bindstatechange` event of <live-pusher> or <live-player>, as WeChat hands it to the page. */
export const stateChange = (code: number, memberId?: string) => ({ detail: { code }, currentTarget: { dataset: { memberId } } });

const phones: Phone[] = [];

/** A phone with the example open on its first page (index), signed in as `identity` the way a user does it. */
export async function signedInPhone(example: InstalledExample, identity: string, name = '', options: PhoneOptions = {}): Promise<Phone> {
  const phone = await startPhone(example.dir, options);
  phones.push(phone);
  const index = phone.top('pages/index/index');
  index.onIdentity({ detail: { value: ` ${identity} ` } });
  index.onName({ detail: { value: name } });
  await index.signIn();
  if (!index.data.signedIn) throw new Error(`${identity} could not sign in: ${index.data.error}`);
  return phone;
}

/** Closes every phone made so far: pages unloaded, then the app's client says goodbye. */
export async function closePhones(): Promise<void> {
  for (const phone of phones.splice(0)) {
    await phone.unloadAll();
    try {
      await phone.require('/utils/session.js').getClient().close();
    } catch {
      // never signed in
    }
  }
}

/** Taps a button whose handler navigates, and resolves with the page it opened once that page has loaded. */
export async function tapAndOpen(phone: Phone, tap: () => unknown, route: string, loaded: (page: Phone['pages'][number]) => unknown): Promise<Phone['pages'][number]> {
  tap();
  return until(() => phone.pages.length > 0 && phone.top().route === route && !!loaded(phone.top()) && phone.top(), `${route} to load`);
}
