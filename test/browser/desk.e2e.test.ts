// The agent desk of the web console in a real browser (Debian's Chromium, driven by playwright-core)
// against the whole system on the real Postgres and NATS: an agent signs in with an agent token,
// opens its team and goes available; a customer on the SDK (Node) calls the team and its push
// begins; the agent sees the offer with what the call is about, accepts it, sees the call with the
// customer in it, and hangs up into wrap-up. A screenshot of the call is kept in test-artifacts/.
// A supervisor signed in with "Supervisor of teams" sees its team's live call in the Supervise panel,
// monitors it (the parties' tiles and play URLs, nobody told; reloaded, it monitors it again), whispers
// (only the agent's SDK hears of it) and barges in (the room view opens, the customer sees it join).
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

  /** What a test leaves to close, pass or fail. */
  const onCleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of onCleanup.splice(0)) await close().catch(() => undefined);
  });

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

  it('an agent who reloads the console mid-call is signed in again with its desk open and back in the call: the customer sees it dropped and back, the call goes on', async () => {
    const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `reload-${process.pid}-${Date.now().toString(36)}`, displayName: 'Accounts', ringTimeoutSeconds: 60, wrapUpSeconds: 120 }) });
    const agent = await agentDesk('agent-rita', team!.name);
    await agent.click('[data-testid=desk-available]');
    await agentState(agent, 'AVAILABLE');
    const carl = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass) });
    onCleanup.push(() => carl.close());
    await carl.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'cust-erin', name: 'Erin' }));
    const placed = await carl.callTeam(team!.name, { metadata: 'opening an account' });
    const roomId = placed.room.room.id;
    const active = nextEvent(carl, 'callUpdated', (e) => e.call.state === 'CALL_STATE_ACTIVE', 60_000);
    await carl.reportPusherEvent(roomId, 1002);
    await agent.waitForSelector('[data-testid=desk-offer]:not([hidden])');
    await agent.click('[data-testid=desk-accept]');
    await active;
    await agent.waitForSelector('[data-testid=desk-call]:not([hidden]) [data-testid=desk-member-cust-erin]');
    const agentMember = carl.room(roomId)!.members.find((m) => m.identity === 'agent-rita')!;

    // What the customer sees from here on.
    const seen: string[] = [];
    carl.on('memberConnection', (e) => seen.push(`memberConnection:${e.connected}:${e.member.identity}`));
    carl.on('memberLeft', (e) => seen.push(`memberLeft:${e.member.identity}`));
    carl.on('memberJoined', (e) => seen.push(`memberJoined:${e.member.identity}`));
    carl.on('callEnded', (e) => seen.push(`callEnded:${e.call.id}`));
    const back = nextEvent(carl, 'memberConnection', (e) => e.member.identity === 'agent-rita' && e.connected, 30_000);
    await agent.reload();

    // Signed in again at once (nothing typed), the team's desk open, and back in the call.
    await agent.waitForSelector('[data-testid=connection][data-state=connected]');
    await agent.waitForSelector('#desk-body:not([hidden])');
    await agent.waitForSelector('[data-testid=desk-team-name]:text("Accounts")');
    await agent.waitForSelector('[data-testid=desk-call]:not([hidden]) [data-testid=desk-call-state]:text("active")');
    await agent.waitForSelector('[data-testid=desk-call] [data-testid=desk-member-cust-erin]');
    await agent.waitForSelector('#log li:has-text("you joined 1:1 call with")');
    await back;
    // The same seat, the same stream: the customer saw the agent dropped and back, not leave and join.
    const after = carl.room(roomId)!.members.find((m) => m.identity === 'agent-rita')!;
    expect([after.memberId, after.streamId]).toEqual([agentMember.memberId, agentMember.streamId]);
    expect(seen).toEqual(['memberConnection:false:agent-rita', 'memberConnection:true:agent-rita']);
    expect(carl.call(placed.call.id)?.state).toBe('CALL_STATE_ACTIVE');
    await agentState(agent, 'IN_CALL');

    // The agent hangs up from the desk as before.
    const ended = nextEvent(carl, 'callEnded');
    await agent.click('[data-testid=desk-hang-up]');
    await expect(ended).resolves.toMatchObject({ reason: 'CALL_END_REASON_HUNG_UP', call: { endedBy: 'agent-rita' } });
    // Signing out forgets the sign-in: a reload then shows the form.
    await agent.click('#sign-out');
    await agent.waitForSelector('[data-testid=sign-in]:not([hidden])');
    await agent.reload();
    await agent.waitForSelector('[data-testid=sign-in]:not([hidden])');
    expect(await agent.textContent('[data-testid=connection]')).toBe('signed out');
    await context?.close();
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

  it('a supervisor\'s console lists its team\'s live call, monitors it silently, whispers to the agent alone, and barges in', async () => {
    const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `sv-${process.pid}-${Date.now().toString(36)}`, ringTimeoutSeconds: 60, wrapUpSeconds: 1 }) });
    const sdk = async (identity: string, grants: Record<string, unknown> = {}) => {
      const c = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { enabled: false } });
      await c.connect(system.gatewayUrl, issueAccessToken(secret, { identity, grants: { ...defaultGrants, ...grants } }));
      return c;
    };
    // The agent and the customer on the SDK: the customer calls, the agent answers, both push.
    const agent = await sdk('sv-agent-al', { agentTeams: [team!.name] });
    const cust = await sdk('sv-cust-cy');
    // Everything the customer's SDK is told from now on, to look for the supervisor in.
    const custHeard: unknown[] = [];
    for (const name of ['memberJoined', 'memberUpdated', 'streamReady', 'callUpdated', 'callInvitation', 'whisper', 'monitorUpdate', 'message'] as const) cust.on(name, (e) => void custHeard.push(e));
    try {
      await agent.setAgentState(team!.name, 'AGENT_STATE_AVAILABLE');
      const offered = nextEvent(agent, 'incomingCall');
      const placed = await cust.callTeam(team!.name);
      const roomId = placed.room.room.id;
      await cust.reportPusherEvent(roomId, 1002);
      const custSeesAgent = nextEvent(cust, 'streamReady', (e) => e.member.identity === 'sv-agent-al');
      await agent.answerCall((await offered).call.id, true);
      await agent.reportPusherEvent(roomId, 1002);
      await custSeesAgent;

      // The supervisor's console (a dev token with the supervisor grant): the panel lists the call.
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
      const page = await ctx.newPage();
      page.on('pageerror', (err) => pageErrors.push(`supervisor: ${err.message}`));
      page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`supervisor: ${msg.text()}`));
      await page.goto(`http://${system.gatewayAddress}/console/`);
      expect(await page.isHidden('[data-testid=supervise-panel]')).toBe(true);
      await page.fill('#identity', 'sv-boss-bo');
      await page.fill('#supervisor-of', team!.name);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('[data-testid=connection]:text("connected")');
      const row = '[data-testid=supervise-calls] [data-testid=live-call-sv-cust-cy]';
      await page.waitForSelector(`${row}:has-text("sv-agent-al")`);
      expect(await page.textContent(row)).toContain(team!.name);

      // Monitor: both parties as tiles, with the play URLs issued to the supervisor; without a media
      // bridge the tiles say why they cannot play. Nobody in the call is told.
      await page.click(`${row} [data-testid=supervise-monitor]`);
      await page.waitForSelector('[data-testid=supervise-monitoring]');
      for (const party of ['sv-cust-cy', 'sv-agent-al']) {
        await page.waitForSelector(`[data-testid=monitor-party-${party}]:has-text("viewer=sv-boss-bo")`);
        expect(await page.textContent(`[data-testid=monitor-party-${party}] code`)).toMatch(/^rtmp:\/\/.*viewer=sv-boss-bo/);
        expect(await page.textContent(`[data-testid=supervise-tiles] [data-testid=tile-${party}] .tile-why`)).toContain('speaks RTMP only');
      }
      // Live: the agent's stream stops, then starts again with a fresh URL for the supervisor.
      await agent.reportPusherEvent(roomId, -1307);
      await page.waitForSelector('[data-testid=monitor-party-sv-agent-al]:has-text("not publishing")');
      await agent.reportPusherEvent(roomId, 1002);
      await page.waitForSelector('[data-testid=monitor-party-sv-agent-al]:has-text("viewer=sv-boss-bo")');

      // Reloaded: signed in again by itself, and monitoring the same call again (nobody in it told).
      await page.reload();
      await page.waitForSelector('[data-testid=connection][data-state=connected]');
      await page.waitForSelector('[data-testid=supervise-monitoring]');
      for (const party of ['sv-cust-cy', 'sv-agent-al']) await page.waitForSelector(`[data-testid=monitor-party-${party}]:has-text("viewer=sv-boss-bo")`);

      // Whisper: a push URL for the supervisor (this console cannot publish RTMP: it says so); the agent's
      // SDK gets the whisper event, the customer's nothing.
      const whisper = nextEvent(agent, 'whisper');
      await page.click(`${row} [data-testid=supervise-whisper]`);
      await page.waitForSelector('[data-testid=supervise-whispering]');
      const pushUrl = (await page.textContent('[data-testid=whisper-push-url]'))!;
      expect(pushUrl).toMatch(/^rtmp:\/\//);
      expect(await page.textContent('[data-testid=whisper-why]')).toContain('speaks RTMP only');
      const told = await whisper;
      expect(told).toMatchObject({ supervisor: 'sv-boss-bo', call: { roomId } });
      expect(pushUrl).toContain(told.playUrl.streamId);
      await cust.getRoom(roomId); // a round trip: whatever was sent to the customer before has arrived
      expect(JSON.stringify(custHeard)).not.toContain('sv-boss-bo');
      expect(cust.room(roomId)!.members.map((m) => m.identity).sort()).toEqual(['sv-agent-al', 'sv-cust-cy']);

      // Barge in: the room view opens the call like any joined room; the customer sees the supervisor join.
      const joined = nextEvent(cust, 'memberJoined', (e) => e.member.identity === 'sv-boss-bo');
      await page.click(`${row} [data-testid=supervise-barge-in]`);
      await joined;
      await page.waitForSelector('#room-detail:not([hidden]) #member-rows tr[data-identity=sv-boss-bo]');
      await page.waitForSelector('#member-rows tr[data-identity=sv-cust-cy]');
      expect(await page.isHidden('[data-testid=supervise-monitoring]')).toBe(true);

      // The call ends: the panel's list empties.
      await agent.hangUp(told.call.id);
      await page.waitForSelector('[data-testid=supervise-calls]:has-text("No live calls")');
      expect(pageErrors).toEqual([]);
      await ctx.close();
    } finally {
      await Promise.all([agent.close(), cust.close()]);
    }
  }, 120_000);
});
