// The web console in a real browser (Debian's Chromium, driven by playwright-core) against the whole
// system on the real Postgres and NATS: signed out, nothing of the workspace shows or acts; two people,
// each in their own browser context, join one room and see each other arrive, begin a stream and leave
// (and a third, whose browser closes, shown as interrupted), each with their own join in the log and
// their push URL shown once; they chat (the late joiner reads what was said before, a private line
// reaches its one recipient); a click that fails says so on its button and in the status line; then
// one calls the other, who answers. Reloaded, a console signs in again by itself and is back in its
// room (the other sees it dropped and back). Switched to 中文, the console and the SDK's error messages are in
// Chinese, and the choice is remembered. Screenshots of a room with its members (in English and in
// Chinese) and of a call are kept in test-artifacts/.
//
// Without /usr/bin/chromium the test is skipped (run scripts/ensure-browser.sh), except in CI, where
// it must run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { RunningSystem, startAll } from '@rtcroom/dev';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';
const root = resolve(__dirname, '../..');
const consoleDir = join(root, 'packages/console/dist');
const artifacts = join(root, 'test-artifacts');
const haveBrowser = existsSync(chromiumPath) || process.env.CI === 'true';

if (!haveBrowser) {
  // eslint-disable-next-line no-console
  console.warn(`test/browser skipped: no Chromium at ${chromiumPath}. Install it with: bash scripts/ensure-browser.sh`);
}

/** The console as `npm run build` makes it (tsc for the SDK's ES build and the console, then the copy step). */
function buildConsole(): void {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/console/tsconfig.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'packages/console/scripts/assemble.mjs')], { stdio: 'pipe' });
}

(haveBrowser ? describe : describe.skip)('the web console in Chromium', () => {
  let database: TestDatabase;
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Script errors and console errors of every page: a test ends with none. */
  const pageErrors: string[] = [];
  let base: string;

  beforeAll(async () => {
    buildConsole();
    database = await createTestDatabase();
    const start = () =>
      startAll({
        env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, RTCROOM_DEV: 'true', GATEWAY_CONSOLE_DIR: consoleDir, ACCESS_TOKEN_SECRET: 'browser-test-secret-long-enough' },
        ephemeralPorts: true,
        logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
      });
    // startAll picks free ports before binding them: another process on the machine may take one first.
    system = await start().catch((err) => (String(err?.message).includes('EADDRINUSE') ? start() : Promise.reject(err)));
    base = `http://${system.gatewayAddress}/console/`;
    const { chromium } = await import('playwright-core');
    // launch() starts Chromium on a fresh temporary profile (user-data-dir) of its own, removed on close.
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await system?.stop();
    await database?.drop();
  });

  async function openConsole(who: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${who}: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`${who}: ${msg.text()}`));
    await page.goto(base);
    return page;
  }

  async function signIn(identity: string, displayName: string): Promise<Page> {
    const page = await openConsole(identity);
    await page.fill('#identity', identity);
    await page.fill('#display-name', displayName);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('[data-testid=connection]:text("connected")');
    await page.waitForSelector('#workspace:not([hidden])');
    return page;
  }

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  const row = (page: Page, identity: string) => page.locator(`#member-rows tr[data-identity="${identity}"]`);
  const logHas = (page: Page, text: string) => page.waitForSelector(`#log li:has-text("${text}")`);
  /** How many times a text is on the page (in any element's text, hidden ones too). */
  const timesOnPage = async (page: Page, text: string) => (await page.textContent('body'))!.split(text).length - 1;
  /** Every value a button's data-state takes from now on (busy, failed), in order. */
  const watchButtonStates = (page: Page, selector: string) =>
    page.evaluate(`(() => {
      const button = document.querySelector(${JSON.stringify(selector)});
      window.seenStates = [];
      new MutationObserver(() => button.dataset.state && window.seenStates.push(button.dataset.state)).observe(button, { attributeFilter: ['data-state'] });
    })()`);

  it('signed out, nothing of the workspace shows or acts, and a click that reaches it anyway says to sign in', async () => {
    const page = await openConsole('nobody');
    await page.waitForSelector('[data-testid=sign-in]:visible');
    for (const part of ['#workspace', '[data-testid=rooms-panel]', '[data-testid=room-panel]', '[data-testid=call-panel]', '[data-testid=desk-panel]', '[data-testid=log-panel]', '#create-room-form button', '#sign-out']) {
      expect([part, await page.isVisible(part)]).toEqual([part, false]);
    }
    // No one can click what is hidden; a script can. "Create and join" and "Refresh" then only say to sign in.
    await page.evaluate(`document.getElementById('room-name').value = 'not-while-signed-out'; document.getElementById('create-room-form').requestSubmit()`);
    await page.waitForSelector('#sign-in-error:has-text("Sign in first")');
    expect(await page.textContent('[data-testid=status]')).toBe('Sign in first');
    await page.evaluate(`document.getElementById('status').textContent = ''; document.getElementById('refresh-rooms').click()`);
    expect(await page.textContent('[data-testid=status]')).toBe('Sign in first');
    // Nothing reached the system: no such room was made.
    const zoe = await signIn('zoe', 'Zoe');
    await zoe.click('#refresh-rooms');
    await zoe.waitForSelector('[data-testid=status]:has-text("open room")');
    expect(await zoe.isVisible('[data-room-name="not-while-signed-out"]')).toBe(false);
    await zoe.close();
  });

  it('two people join one room, each sees the other arrive, begin a stream and leave', async () => {
    const alice = await signIn('alice', 'Alice');
    const bob = await signIn('bob', 'Bob');

    // Alice creates the room from the console and is seated in it.
    await alice.fill('#room-name', 'support-1');
    await alice.fill('#room-title', 'Customer support');
    await alice.click('#create-room-form button[type=submit]');
    await alice.waitForSelector('[data-testid=room-title]:text("Customer support")');
    await row(alice, 'alice').waitFor();
    const alicePushUrl = (await alice.textContent('[data-testid=push-url]'))!;
    expect(alicePushUrl).toMatch(/^rtmp:\/\//);
    // The console joins as a browser: on this self-hosted deployment (no WebRTC bridge) its push URL says why it is RTMP.
    expect(await alice.getAttribute('[data-testid=push-url]', 'title')).toMatch(/RTMP only/);
    // Her own join is in her log, and her push URL is on the page once.
    await logHas(alice, 'you joined Customer support (seq 2)');
    expect(await alice.textContent('[data-testid=status]')).toBe('you joined Customer support (seq 2)');
    expect(await timesOnPage(alice, alicePushUrl)).toBe(1);
    expect(await row(alice, 'alice').locator('td.url').textContent()).toContain('you push to the URL above');
    // She writes in the chat before anyone else is there.
    await alice.fill('#chat-text', 'welcome, whoever comes');
    await alice.click('#chat-form button[type=submit]');
    await alice.waitForSelector('[data-testid=chat-lines] li:has-text("welcome, whoever comes")');

    // Bob tries to make a room of the same name: the button goes busy, then shows it failed, and the status line and the log say why.
    await bob.fill('#room-name', 'support-1');
    await watchButtonStates(bob, '#create-room-form button[type=submit]');
    await bob.click('#create-room-form button[type=submit]');
    await bob.waitForSelector('#create-room-form button[type=submit][data-state=failed]');
    expect(await bob.evaluate('window.seenStates')).toEqual(['busy', 'failed']);
    expect(await bob.textContent('[data-testid=status]')).toMatch(/^create room failed: ALREADY_EXISTS /);
    expect(await bob.getAttribute('#create-room-form button[type=submit]', 'title')).toMatch(/^create room failed: ALREADY_EXISTS /);
    await logHas(bob, 'create room failed: ALREADY_EXISTS');

    // Bob finds it in the list and joins.
    await bob.click('#refresh-rooms');
    await bob.click('[data-testid=join-support-1]');
    await row(bob, 'alice').waitFor();
    await row(alice, 'bob').waitFor();
    await logHas(alice, 'Bob joined Customer support');
    await logHas(bob, 'you joined Customer support (seq 4)'); // seq 3: Alice's message
    expect(await timesOnPage(bob, (await bob.textContent('[data-testid=push-url]'))!)).toBe(1);
    expect(await row(alice, 'bob').getAttribute('data-state')).toBe('joined');
    // Bob, joining late, reads what was said (the room's history); his private line reaches Alice only.
    await bob.waitForSelector('[data-testid=chat-lines] li:has-text("welcome, whoever comes")');
    await bob.fill('#chat-text', 'thanks, just between us');
    await bob.fill('#chat-to', 'alice');
    await bob.click('#chat-form button[type=submit]');
    await alice.waitForSelector('[data-testid=chat-lines] li.private:has-text("thanks, just between us")');
    await logHas(alice, 'bob wrote in Customer support to alice');

    // Alice's push begins (what <live-pusher> reports as 1002): Bob sees her publishing, with a play URL signed for him.
    await alice.click('[data-testid=push-began]');
    await bob.waitForSelector('#member-rows tr[data-identity="alice"][data-state="publishing"]');
    expect(await row(bob, 'alice').locator('td.url code').textContent()).toMatch(/^rtmp:\/\/.*viewer=bob/);
    await logHas(alice, 'pusher 1002 (push began) → STREAM_STARTED');
    await bob.click('[data-testid=push-began]');
    await alice.waitForSelector('#member-rows tr[data-identity="bob"][data-state="publishing"]');
    await logHas(alice, "Bob's stream began");

    // Erin's browser goes away without leaving: Alice sees her interrupted (her seat is kept for the grace period).
    const erin = await signIn('erin', 'Erin');
    await erin.click('#refresh-rooms');
    await erin.click('[data-testid=join-support-1]');
    await row(alice, 'erin').waitFor();
    await erin.close();
    await alice.waitForSelector('#member-rows tr[data-identity="erin"][data-state="interrupted"]');
    await logHas(alice, 'Erin is interrupted');

    // Dan watches from the audience: Alice sees the audience's size, not a row for him; Dan has no push URL.
    const dan = await signIn('dan', 'Dan');
    await dan.click('#refresh-rooms');
    await dan.click('[data-testid=watch-support-1]');
    await dan.waitForSelector('[data-testid=room-title]:text("Customer support")');
    expect(await dan.textContent('[data-testid=push-url]')).toBe('');
    expect(await dan.textContent('#room-meta')).toContain('you watch from the audience');
    await alice.waitForSelector('[data-testid=audience-count]:text("1")');
    expect(await row(alice, 'dan').count()).toBe(0);
    await logHas(alice, '1 in the audience of Customer support');

    mkdirSync(artifacts, { recursive: true });
    await alice.screenshot({ path: join(artifacts, 'console.png'), fullPage: true });

    // Bob leaves: Alice sees him go, with the reason.
    await bob.click('#leave-room');
    await row(alice, 'bob').waitFor({ state: 'detached' });
    await logHas(alice, 'Bob left Customer support: left');
    await bob.waitForSelector('#room-empty:not([hidden])');
  });

  it('reloaded, the console signs in again by itself and is back in its room: the other sees it dropped and back, not leave and join', async () => {
    const rey = await signIn('rey', 'Rey');
    const sam = await signIn('sam', 'Sam');
    await rey.fill('#room-name', 'reload-1');
    await rey.click('#create-room-form button[type=submit]');
    await row(rey, 'rey').waitFor();
    await sam.click('#refresh-rooms');
    await sam.click('[data-testid=join-reload-1]');
    await row(sam, 'rey').waitFor();
    await row(rey, 'sam').waitFor();

    await rey.reload();
    await rey.waitForSelector('[data-testid=connection][data-state=connected]');
    await row(rey, 'sam').waitFor();
    expect(await rey.textContent('#room-title-text')).toContain('reload-1');
    await logHas(rey, 'resumed; 1 seat(s) kept');
    // Sam saw Rey's connection drop and come back, and nothing else.
    await logHas(sam, 'Rey is back in');
    expect(await sam.locator('#log li:has-text("Rey left")').count()).toBe(0);
    expect(await sam.locator('#log li:has-text("Rey joined")').count()).toBe(0);
    await rey.click('#sign-out');
    await rey.waitForSelector('[data-testid=sign-in]:not([hidden])');
    await logHas(sam, 'Rey left');
    await Promise.all([rey.close(), sam.close()]);
  });

  it('switched to 中文, the console speaks Chinese (the SDK\'s error messages too), remembers it, and switches back', async () => {
    const page = await openConsole('lin');
    await page.selectOption('[data-testid=language]', 'zh-CN');
    expect(await page.textContent('[data-testid=sign-in] h2')).toBe('登录');
    expect([await page.getAttribute('html', 'lang'), await page.textContent('[data-testid=connection]')]).toEqual(['zh-CN', '未登录']);
    expect(await page.getAttribute('#chat-text', 'placeholder')).toBe('输入消息');
    // The choice outlives a reload.
    await page.reload();
    await page.waitForSelector('[data-testid=sign-in] h2:text("登录")');
    expect(await page.inputValue('[data-testid=language]')).toBe('zh-CN');

    await page.fill('#identity', 'lin');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('[data-testid=connection][data-state=connected]');
    expect([await page.textContent('[data-testid=connection]'), await page.textContent('[data-testid=status]')]).toEqual(['已连接', '已登录：lin']);
    expect(await page.textContent('[data-testid=rooms-panel] h2')).toBe('房间');
    await page.fill('#room-name', 'zh-room');
    await page.click('#create-room-form button[type=submit]');
    await row(page, 'lin').waitFor();
    await page.waitForSelector('[data-testid=status]:text("你已进入 zh-room（seq 2）")');
    expect(await page.textContent('[data-testid=state-lin]')).toBe('已进入');
    // The seats and the audience (观众) in Chinese too.
    expect(await page.textContent('#room-meta')).toMatch(/ · 1\/\d+ 个麦位 · 0 位观众 · seq /);
    expect(await page.textContent('[data-testid=chat] .label')).toContain('聊天');
    await page.waitForSelector('[data-testid=chat-lines] li:text("暂无消息。")');
    await page.fill('#chat-text', '大家好');
    await page.click('#chat-form button[type=submit]');
    await page.waitForSelector('[data-testid=chat-lines] li:has-text("大家好")');
    expect(await page.textContent('[data-testid=chat-lines] li b')).toBe('我');
    await page.waitForSelector('[data-testid=status]:text("消息已发送（seq 3）")');

    // A refusal: the stable code, its meaning in Chinese, the server's English detail.
    await page.fill('#room-name', 'zh-room');
    await page.click('#create-room-form button[type=submit]');
    await page.waitForSelector('#create-room-form button[type=submit][data-state=failed]');
    expect(await page.textContent('[data-testid=status]')).toMatch(/^创建房间失败：ALREADY_EXISTS 已存在，请勿重复创建。 \(.+\)$/);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'console-zh.png'), fullPage: true });

    await page.selectOption('[data-testid=language]', 'en');
    expect([await page.textContent('[data-testid=rooms-panel] h2'), await page.textContent('[data-testid=state-lin]'), await page.textContent('[data-testid=connection]')]).toEqual(['Rooms', 'joined', 'connected']);
    await page.close();
  });

  it('a 1:1 call placed in one browser rings in the other and is answered, then hung up', async () => {
    const carol = await signIn('carol', 'Carol');
    const dave = await signIn('dave', 'Dave');

    await carol.fill('#callee', 'dave');
    await carol.click('#call-form button[type=submit]');
    await carol.waitForSelector('[data-testid=call-dave] [data-testid=call-state]:text("dialing")');
    await logHas(carol, 'you joined 1:1 call');
    // Dave's phone rings only once Carol's push began.
    await carol.click('[data-testid=push-began]');
    await dave.waitForSelector('[data-testid=incoming-call]:not([hidden]):has-text("carol is calling you")');
    expect(await dave.textContent('[data-testid=incoming-call]')).toMatch(/rtmp:\/\/.*viewer=dave/);

    await dave.click('[data-testid=accept-call]');
    await dave.waitForSelector('[data-testid=call-carol] [data-testid=call-state]:text("active")');
    await logHas(dave, 'you joined 1:1 call with Carol');
    await carol.waitForSelector('[data-testid=call-dave] [data-testid=call-state]:text("active")');
    // Both sit in the call's room; Dave's push begins and Carol gets his play URL.
    await row(dave, 'carol').waitFor();
    await dave.click('[data-testid=push-began]');
    await carol.waitForSelector('#member-rows tr[data-identity="dave"][data-state="publishing"]');
    await carol.screenshot({ path: join(artifacts, 'console-call.png'), fullPage: true });

    await carol.click('[data-testid=call-dave] [data-testid=hang-up]');
    await logHas(dave, 'ended: hung up by carol');
    await dave.waitForSelector('[data-testid=call-carol]', { state: 'detached' });
  });
});
