// The agent desk of the web console in a real browser (Debian's Chromium, driven by playwright-core)
// against the whole system on the real Postgres and NATS: an agent signs in with an agent token,
// opens its team and goes available; a customer on the SDK (Node) calls the team and its push
// begins; the agent sees the offer with what the call is about, accepts it, sees the call with the
// customer in it, and hangs up into wrap-up. A screenshot of the call is kept in test-artifacts/.
//
// Without /usr/bin/chromium the test is skipped (run scripts/ensure-browser.sh), except in CI, where
// it must run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, defaultGrants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { RunningSystem, startAll } from '@rtcroom/dev';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { nodeSocket, RtcRoomClient, RtcRoomEvents, WebSocketClass } from '@rtcroom/sdk';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';

const chromiumPath = '/usr/bin/chromium';
const root = resolve(__dirname, '../..');
const consoleDir = join(root, 'packages/console/dist');
const artifacts = join(root, 'test-artifacts');
const haveBrowser = existsSync(chromiumPath) || process.env.CI === 'true';
const secret = 'browser-desk-secret-long-enough';

if (!haveBrowser) {
  // eslint-disable-next-line no-console
  console.warn(`test/browser skipped: no Chromium at ${chromiumPath}. Install it with: bash scripts/ensure-browser.sh`);
}

/** The console as `npm run build` makes it (tsc for the SDK's ES build and the console, then the copy step). */
function buildConsole(): void {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/console/tsconfig.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'packages/console/scripts/assemble.mjs')], { stdio: 'pipe' });
}

/** The next event of a kind that matches, from now on. */
function nextEvent<K extends keyof RtcRoomEvents>(client: RtcRoomClient, name: K, match: (e: RtcRoomEvents[K]) => boolean = () => true, timeoutMs = 20_000): Promise<RtcRoomEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${name} event in time`))), timeoutMs);
    const off = client.on(name, (e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

(haveBrowser ? describe : describe.skip)('the agent desk in Chromium', () => {
  let database: TestDatabase;
  let system: RunningSystem;
  let desk: ReturnType<typeof createClient<typeof deskServicev1.DeskServiceService>>;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let customer: RtcRoomClient | undefined;
  /** Script errors and console errors of the page: the test ends with none. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    buildConsole();
    database = await createTestDatabase();
    const start = () =>
      startAll({
        env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, RTCROOM_DEV: 'true', GATEWAY_CONSOLE_DIR: consoleDir, ACCESS_TOKEN_SECRET: secret },
        ephemeralPorts: true,
        logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
      });
    // startAll picks free ports before binding them: another process on the machine may take one first.
    system = await start().catch((err) => (String(err?.message).includes('EADDRINUSE') ? start() : Promise.reject(err)));
    desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  }, 120_000);

  afterAll(async () => {
    await customer?.close();
    await context?.close().catch(() => undefined);
    await browser?.close();
    desk?.close();
    await system?.stop();
    await database?.drop();
  });

  /** The agent signs in with its agent token pasted into the console, and opens its team's desk. */
  async function agentDesk(identity: string, team: string): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${identity}: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`${identity}: ${msg.text()}`));
    await page.goto(`http://${system.gatewayAddress}/console/`);
    await page.fill('#access-token', issueAccessToken(secret, { identity, grants: { ...defaultGrants, agentTeams: [team] } }));
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('[data-testid=connection]:text("connected")');
    await page.fill('#desk-team', team);
    await page.click('#desk-open');
    await page.waitForSelector('#desk-body:not([hidden])');
    return page;
  }

  const agentState = (page: Page, state: string) => page.waitForSelector(`[data-testid=desk-my-state][data-state=AGENT_STATE_${state}]`);

  it('an agent goes available, accepts a customer\'s call from the console, sees the customer in it, and hangs up into wrap-up', async () => {
    const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `desk-${process.pid}-${Date.now().toString(36)}`, displayName: 'Claims', ringTimeoutSeconds: 60, wrapUpSeconds: 120 }) });
    const agent = await agentDesk('agent-ann', team!.name);
    await agent.waitForSelector('[data-testid=desk-team-name]:text("Claims")');
    await agent.click('[data-testid=desk-available]');
    await agentState(agent, 'AVAILABLE');
    // An agent of this team alone is busy nowhere else (the gateway writes busyElsewhere UNSPECIFIED).
    await agent.waitForSelector('[data-testid=desk-agents] li[data-identity=agent-ann]:has-text("available")');
    expect(await agent.textContent('[data-testid=desk-agents] li[data-identity=agent-ann]')).not.toContain('another team');

    // The customer, on the SDK as an app would be, calls the team; the offer comes once its push began.
    customer = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass) });
    await customer.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'cust-carl', name: 'Carl' }));
    const placed = await customer.callTeam(team!.name, { metadata: 'claim 42: a dented car' });
    expect(placed.call).toMatchObject({ state: 'CALL_STATE_DIALING', teamId: team!.id });
    const connecting = nextEvent(customer, 'callConnecting');
    const active = nextEvent(customer, 'callUpdated', (e) => e.call.state === 'CALL_STATE_ACTIVE', 60_000);
    await customer.reportPusherEvent(placed.room.room.id, 1002);

    // The agent's desk rings, with what the call is about; the customer is told "connecting".
    await agent.waitForSelector('[data-testid=desk-offer]:not([hidden]):has-text("cust-carl is calling the team")');
    expect(await agent.textContent('[data-testid=desk-offer] [data-testid=desk-metadata]')).toBe('claim 42: a dented car');
    expect(await agent.textContent('[data-testid=desk-offer]')).toMatch(/rtmp:\/\/.*viewer=agent-ann/);
    await connecting;
    await agentState(agent, 'RINGING');
    await agent.waitForSelector('[data-testid=desk-queued-cust-carl]:has-text("ringing agent-ann")');

    await agent.click('[data-testid=desk-accept]');
    await expect(active).resolves.toMatchObject({ call: { calleeIdentity: 'agent-ann', agentIdentities: ['agent-ann'] } });
    // The call in progress: the customer in it with a play URL signed for the agent once its push runs; the
    // agent's push URL shown once, in the room panel, which shows the call's room; the agent's own join logged.
    await agent.waitForSelector('[data-testid=desk-call]:not([hidden]) [data-testid=desk-call-state]:text("active")');
    await agent.waitForSelector('[data-testid=desk-call] [data-testid=desk-member-cust-carl]');
    expect(await agent.textContent('[data-testid=desk-customer]')).toBe('cust-carl');
    expect(await agent.textContent('[data-testid=desk-call] [data-testid=desk-member-agent-ann]')).toContain('your push URL is in the room panel');
    const pushUrl = (await agent.textContent('[data-testid=push-url]'))!;
    expect(pushUrl).toMatch(/^rtmp:\/\//);
    expect((await agent.textContent('body'))!.split(pushUrl).length - 1).toBe(1);
    await agent.waitForSelector('#log li:has-text("you joined 1:1 call with")');
    expect(await agent.textContent('[data-testid=desk-call] [data-testid=desk-member-cust-carl]')).toMatch(/play rtmp:\/\/.*viewer=agent-ann/);
    await agentState(agent, 'IN_CALL');
    expect(await agent.isHidden('[data-testid=desk-offer]')).toBe(true);

    // The agent's push begins (the room panel shows the call's room): the customer gets its play URL.
    const agentStream = nextEvent(customer, 'streamReady', (e) => e.member.identity === 'agent-ann');
    await agent.click('[data-testid=push-began]');
    expect((await agentStream).playUrl?.rtcUrl).toMatch(/viewer=cust-carl/);
    mkdirSync(artifacts, { recursive: true });
    await agent.screenshot({ path: join(artifacts, 'console-desk.png'), fullPage: true });

    // The agent hangs up from the desk: the customer's call ends, the agent is in wrap-up.
    const ended = nextEvent(customer, 'callEnded');
    await agent.click('[data-testid=desk-hang-up]');
    await expect(ended).resolves.toMatchObject({ reason: 'CALL_END_REASON_HUNG_UP', call: { endedBy: 'agent-ann' } });
    await agent.waitForSelector('[data-testid=desk-call]', { state: 'hidden' });
    await agentState(agent, 'WRAP_UP');
    expect(await agent.textContent('[data-testid=desk-my-state]')).toBe('wrap up');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('on the embedded default\'s dev tokens: a customer in one console tab calls the team, an agent signed in as "Agent of teams" answers in another', async () => {
    const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `desk2-${process.pid}-${Date.now().toString(36)}`, ringTimeoutSeconds: 60, wrapUpSeconds: 1 }) });
    const tab = async (identity: string, agentOf = '') => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
      const page = await ctx.newPage();
      page.on('pageerror', (err) => pageErrors.push(`${identity}: ${err.message}`));
      await page.goto(`http://${system.gatewayAddress}/console/`);
      await page.fill('#identity', identity);
      if (agentOf) await page.fill('#agent-of', agentOf);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('[data-testid=connection]:text("connected")');
      return { ctx, page };
    };
    const agent = await tab('agent-bea', team!.name);
    await agent.page.fill('#desk-team', team!.name);
    await agent.page.click('#desk-open');
    await agent.page.waitForSelector('#desk-body:not([hidden])');
    await agent.page.click('[data-testid=desk-available]');
    await agentState(agent.page, 'AVAILABLE');

    const cust = await tab('cust-dora');
    await cust.page.fill('#team-to-call', team!.name);
    await cust.page.click('#team-call-form button[type=submit]');
    await cust.page.click('[data-testid=push-began]');
    await agent.page.waitForSelector('[data-testid=desk-offer]:not([hidden]):has-text("cust-dora is calling the team")');
    await agent.page.click('[data-testid=desk-accept]');
    await agentState(agent.page, 'IN_CALL');
    await cust.page.waitForSelector('[data-testid=log]:has-text("agent-bea")');
    expect(pageErrors).toEqual([]);
    await Promise.all([agent.ctx.close(), cust.ctx.close()]);
  }, 120_000);
});
