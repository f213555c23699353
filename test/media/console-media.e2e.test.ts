// The web console as an agent's workplace, on the whole system with the media bridge: a mini-program
// customer (the SDK in Node, ffmpeg pushing a test pattern with a tone to its RTMP push URL) is in a
// room; the agent signs in to the console in Chromium (fake camera and microphone) and joins it. The
// customer's tile plays (frames decoded rising, and the tile's video advancing); "Camera on" publishes
// the agent's camera, which reaches nginx-rtmp as the agent's stream (ffmpeg reads its frames); mute
// and camera off report the agent's media state to the room. A member who does not publish gets a tile
// that says so. A screenshot of the console in the call
// goes to test-artifacts/console-media-call.png. At the agent desk, a team call answered shows the
// same tiles for the call, playing the caller and publishing the agent (test-artifacts/console-media-desk.png).
// The team records its calls: nginx-rtmp here is configured as print-nginx-conf configures it (rtcroom's
// hooks, recording, the recordings served over HTTP with signed URLs only), so once the call is hung
// up both sides' recordings (the customer's RTMP push, the agent's egress) are listed at the desk,
// ffprobe finds video frames and audio in each, and the desk's <video> plays one.
// Before the hang-up, a supervisor's console monitors that call (both parties' tiles play, though it
// holds no seat) and whispers: its camera is published through Janus, and the agent's console plays
// the whisper.
//
// Needs what the media bridge's tests need (bash scripts/ensure-media-tools.sh; bash
// scripts/ensure-browser.sh), Postgres and NATS. Skipped when tools are missing, except in CI.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, defaultGrants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, HeldAddress, PrivateNatsServer, TestDatabase } from '@rtcroom/common/testing';
import { RunningSystem, startAll } from '@rtcroom/dev';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { nodeSocket, RtcRoomClient, WebSocketClass } from '@rtcroom/sdk';
import { createSelfHostedProvider } from '@rtcroom/url-issuer';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { BridgeFixture, describeWithMediaTools } from './support/bridge-fixture';
import { probeMedia, pushTestPattern, readFrames, until } from './support/media-processes';

const root = resolve(__dirname, '../..');
const consoleDir = join(root, 'packages/console/dist');
const artifacts = join(root, 'test-artifacts');
const secret = 'console-media-test-secret-long-enough';
const signingKey = 'console-media-signing-key-0123456789';
/** An RTMP play URL of the play application, signed for a member of the stream's room (nginx-rtmp asks rtcroom). */
const playUrlFor = (rtmpBase: string, streamId: string, viewer: string) =>
  createSelfHostedProvider({ kind: 'self-hosted', rtmpBase, httpBase: undefined, signingKey, app: 'live', recordApp: 'record', pushTtlSeconds: 600, playTtlSeconds: 600 }).playUrl(streamId, viewer, new Date()).rtmpUrl;

describeWithMediaTools('the console media test')('the web console plays the customer and publishes the agent through the media bridge', () => {
  const f = new BridgeFixture();
  let database: TestDatabase;
  let hooks: HeldAddress | undefined;
  let nats: PrivateNatsServer;
  let system: RunningSystem;
  let customer: RtcRoomClient | undefined;
  let companion: RtcRoomClient | undefined;
  let caller: RtcRoomClient | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/console/tsconfig.json')], { stdio: 'inherit' });
    execFileSync(process.execPath, [join(root, 'packages/console/scripts/assemble.mjs')], { stdio: 'pipe' });
    database = await createTestDatabase();
    // A NATS of its own: the media server's facts and recordings go to durable consumers that every
    // system on a shared server would share, and another test's room service would take (and drop)
    // this call's recordings.
    nats = await PrivateNatsServer.start();
    // nginx and the url-issuer need each other's address: nginx goes first, with the hooks at an
    // address held here, which is pointed at the url-issuer once it listens.
    const held = await HeldAddress.open();
    hooks = held;
    await f.start({ hooksBase: `http://${held.address}`, signingKey });
    const start = () =>
      startAll({
        env: {
          DATABASE_URL: database.url,
          NATS_URL: nats.url,
          RTCROOM_DEV: 'true',
          GATEWAY_CONSOLE_DIR: consoleDir,
          ACCESS_TOKEN_SECRET: secret,
          MEDIA_RTMP_BASE: f.rtmp.rtmpBase,
          MEDIA_SIGNING_KEY: signingKey,
          MEDIA_RECORD_URL_BASE: f.rtmp.recordUrlBase!,
          MEDIA_BRIDGE_ADDRESS: f.bridgeProcess.address,
        },
        ephemeralPorts: true,
        logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
      });
    // startAll picks free ports before binding them: another process on the machine may take one first.
    system = await start().catch((err) => (String(err?.message).includes('EADDRINUSE') ? start() : Promise.reject(err)));
    held.forwardTo(system.mediaHooksAddress);
  }, 180_000);

  // A Janus that died fails the test it died in, with its log, rather than every test after it.
  afterEach(() => f.failOnJanusDeath(), 60_000);

  afterAll(async () => {
    await customer?.close();
    await companion?.close();
    await caller?.close();
    await system?.stop();
    await f.stop();
    await hooks?.close();
    await nats?.dispose();
    await database?.drop();
  }, 60_000);

  /** What the page's tile of `identity` plays: frames decoded by its video element, and its time. */
  const tilePlayback = (page: Page, identity: string, tiles = '#room-tiles') =>
    page.evaluate(`(() => {
      const video = document.querySelector('${tiles} [data-testid="tile-${identity}"] video');
      if (!video || !video.srcObject) return { frames: 0, time: 0, width: 0, muted: true };
      return { frames: video.getVideoPlaybackQuality().totalVideoFrames, time: video.currentTime, width: video.videoWidth, muted: video.muted };
    })()`) as Promise<{ frames: number; time: number; width: number; muted: boolean }>;

  it("the customer's tile plays in the console; the agent's camera reaches nginx-rtmp", async () => {
    const roomName = `desk-call-${Date.now().toString(36)}`;
    customer = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { enabled: false } });
    await customer.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'cust-li', name: 'Customer Li' }));
    const seat = await customer.enterRoom(roomName);
    f.pushes.push(pushTestPattern(seat.pushUrl.url, 180));
    await customer.reportPusherEvent(seat.room.id, 1002);
    // A second customer in the room who does not publish: their tile says so.
    companion = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { enabled: false } });
    await companion.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'cust-wu', name: 'Customer Wu' }));
    await companion.joinRoom({ roomId: seat.room.id });

    const page = await f.openPage(`http://${system.gatewayAddress}/console/`);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.fill('#identity', 'agent-ann');
    await page.fill('#display-name', 'Agent Ann');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('[data-testid=connection]:text("connected")');
    await page.click(`[data-testid="join-${roomName}"]`);

    // The customer's tile plays its stream: frames decoded rising, the video's time advancing.
    await page.waitForSelector('#room-tiles [data-testid="tile-cust-li"][data-playing="true"]', { timeout: 30_000 });
    const first = await until(async () => {
      const p = await tilePlayback(page, 'cust-li');
      return p.frames > 0 && p;
    }, 30_000, "the customer's first decoded frame in the tile");
    const later = await until(async () => {
      const p = await tilePlayback(page, 'cust-li');
      return p.frames >= first.frames + 15 && p.time > first.time && p;
    }, 30_000, "the customer's tile to keep playing");
    expect(later.width).toBe(320); // the test pattern's size
    expect(later.muted).toBe(false); // with its sound
    expect(await page.textContent('#room-tiles [data-testid="tile-cust-wu"] .tile-why')).toBe('not publishing');
    expect(await page.getAttribute('#room-tiles [data-testid="tile-cust-wu"]', 'data-playing')).toBe('false');

    // The agent's own tile: no video until "Camera on", then its camera, published.
    await page.click('#room-tiles [data-testid="tile-agent-ann"] [data-testid=camera-on]');
    await page.waitForSelector('#room-tiles [data-testid="tile-agent-ann"][data-playing="true"]');
    const agentStream = await until(async () => customer!.room(seat.room.id)?.members.find((m) => m.identity === 'agent-ann')?.streamId, 10_000, "the agent's stream id");
    const read = await readFrames(playUrlFor(f.rtmp.rtmpBase, agentStream, 'cust-li'), 15, 40_000);
    expect(read.frames).toBeGreaterThanOrEqual(15);

    // Mute and camera off: the tracks go quiet and the room hears of it (the customer's SDK sees it).
    await page.click('#room-tiles [data-testid="tile-agent-ann"] [data-testid=mute]');
    await until(async () => customer!.room(seat.room.id)?.members.find((m) => m.identity === 'agent-ann')?.media?.audio?.on === false, 10_000, 'the microphone reported off');
    await page.click('#room-tiles [data-testid="tile-agent-ann"] [data-testid=camera-off]');
    await until(async () => customer!.room(seat.room.id)?.members.find((m) => m.identity === 'agent-ann')?.media?.video?.on === false, 10_000, 'the camera reported off');
    await page.click('#room-tiles [data-testid="tile-agent-ann"] [data-testid=camera-off]');
    await until(async () => customer!.room(seat.room.id)?.members.find((m) => m.identity === 'agent-ann')?.media?.video?.on === true, 10_000, 'the camera reported on again');
    await page.click('#room-tiles [data-testid="tile-agent-ann"] [data-testid=mute]');

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'console-media-call.png'), fullPage: false });
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 180_000);

  it("the agent desk shows the calling customer's video in the call, and publishes the agent from there; a supervisor monitors it and whispers", async () => {
    const desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
    try {
      const { team } = await desk.createTeam({
        team: deskv1.Team.fromPartial({ name: `claims-${Date.now().toString(36)}`, displayName: 'Claims', ringTimeoutSeconds: 60, wrapUpSeconds: 5, recordingFormats: ['mp4'] }),
      });
      const page = await f.openPage(`http://${system.gatewayAddress}/console/`);
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.fill('#access-token', issueAccessToken(secret, { identity: 'agent-bo', name: 'Agent Bo', grants: { ...defaultGrants, agentTeams: [team!.name] } }));
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('[data-testid=connection]:text("connected")');
      await page.fill('#desk-team', team!.name);
      await page.click('#desk-open');
      await page.click('[data-testid=desk-available]');
      await page.waitForSelector('[data-testid=desk-my-state][data-state=AGENT_STATE_AVAILABLE]');

      // The customer calls the team from a mini-program: ffmpeg pushes to its RTMP push URL.
      caller = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { enabled: false } });
      await caller.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'cust-zhao', name: 'Customer Zhao' }));
      const placed = await caller.callTeam(team!.name);
      expect(placed.room.pushUrl.recording).toBe(true);
      const customerPush = pushTestPattern(placed.room.pushUrl.url, 180);
      f.pushes.push(customerPush);
      await caller.reportPusherEvent(placed.room.room.id, 1002);
      await page.click('[data-testid=desk-accept]', { timeout: 30_000 });
      // The supervisor's console signs in meanwhile (with "Supervisor of teams"): it is used below.
      const bossSignedIn = (async () => {
        const boss = await f.openPage(`http://${system.gatewayAddress}/console/`);
        boss.on('pageerror', (err) => pageErrors.push(`supervisor: ${err.message}`));
        await boss.fill('#identity', 'sv-boss');
        await boss.fill('#supervisor-of', team!.name);
        await boss.click('#sign-in-form button[type=submit]');
        await boss.waitForSelector('[data-testid=connection]:text("connected")');
        return boss;
      })();
      void bossSignedIn.catch(() => undefined); // a failure is the await's below, not an unhandled rejection

      await page.waitForSelector('#desk-tiles [data-testid="tile-cust-zhao"][data-playing="true"]', { timeout: 30_000 });
      const first = await until(async () => {
        const p = await tilePlayback(page, 'cust-zhao', '#desk-tiles');
        return p.frames > 0 && p;
      }, 30_000, "the calling customer's first frame at the desk");
      await until(async () => (await tilePlayback(page, 'cust-zhao', '#desk-tiles')).frames >= first.frames + 15 && true, 30_000, 'the desk tile to keep playing');

      await page.click('#desk-tiles [data-testid="tile-agent-bo"] [data-testid=camera-on]');
      // The room panel shows the call's room too: its tile of the agent shows the same camera.
      await page.waitForSelector('#room-tiles [data-testid="tile-agent-bo"][data-playing="true"]');
      const agentStream = await until(async () => caller!.room(placed.room.room.id)?.members.find((m) => m.identity === 'agent-bo')?.streamId, 10_000, "the agent's stream id");
      const read = await readFrames(playUrlFor(f.rtmp.rtmpBase, agentStream, 'cust-zhao'), 15, 40_000);
      expect(read.frames).toBeGreaterThanOrEqual(15);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'console-media-desk.png'), fullPage: true });

      // A supervisor's console monitors the call and whispers to the agent.
      const boss = await bossSignedIn;
      await boss.click('[data-testid=live-call-cust-zhao] [data-testid=supervise-monitor]', { timeout: 10_000 });
      await boss.waitForSelector('[data-testid=supervise-monitoring]');
      // Whispering at once: the supervisor's camera is published through Janus while the parties' tiles start.
      await boss.click('[data-testid=live-call-cust-zhao] [data-testid=supervise-whisper]');
      expect(await (await boss.waitForSelector('[data-testid=whisper-push-url]')).textContent()).toMatch(/^janus\+http/);
      await page.waitForSelector('[data-testid=whisper-heard]:not([hidden]):has-text("sv-boss whispers to you")', { timeout: 10_000 });
      await page.waitForSelector('#whisper-tiles [data-testid="tile-sv-boss"]');
      // Both parties play at the supervisor, who holds no seat: the customer's stream (pushed over RTMP)
      // and the agent's (published from the browser, bridged back to WebRTC for a seatless viewer once
      // media flows there, then told in a monitor notice).
      await until(async () => (await tilePlayback(boss, 'cust-zhao', '#supervise-tiles')).frames > 0, 30_000, "the customer's first frame in the supervisor's tile");
      await until(async () => (await tilePlayback(boss, 'agent-bo', '#supervise-tiles')).frames > 0, 30_000, "the agent's first frame in the supervisor's tile");
      // The whisper (a stream outside the room's seats, bound to the call's room by its URLs) plays at the agent.
      await until(async () => (await tilePlayback(page, 'sv-boss', '#whisper-tiles')).frames > 0, 30_000, "the whisper's first frame at the agent");
      await boss.waitForSelector('#log li:has-text("whispering to agent-bo")'); // logged once Janus took the publish
      expect(await boss.isHidden('[data-testid=whisper-why]')).toBe(true);
      // Closed before the hang-up: its player and publisher would load the machine while the recordings are read.
      await boss.close();

      // The agent hangs up and the mini-program stops pushing: both sides' recordings are listed at the desk.
      await page.click('[data-testid=desk-hang-up]');
      customerPush.kill('SIGINT');
      const sides = ['cust-zhao', 'agent-bo'];
      for (const who of sides) {
        await page.waitForSelector(`#desk-recordings [data-testid="recording-play-${who}"]`, { timeout: 60_000 }).catch(async (err) => {
          const seen = await page.evaluate(`[document.getElementById('desk-recordings-panel').outerHTML, document.getElementById('log').innerText.slice(0, 3000)]`);
          const listed = await desk.listCallRecordings(deskServicev1.ListCallRecordingsRequest.fromPartial({ callId: placed.call.id }));
          throw new Error(`${(err as Error).message}\nthe desk showed: ${JSON.stringify(seen)}\nthe desk service lists: ${JSON.stringify(listed.recordings.map((r) => r.recording?.identity))}`);
        });
      }
      const urls = await Promise.all(sides.map((who) => page.getAttribute(`#desk-recordings [data-testid="recording-play-${who}"]`, 'data-recording-play')));
      for (const url of urls) {
        expect(url).toMatch(new RegExp(`^${f.rtmp.recordUrlBase}/s_[A-Za-z0-9_-]+-\\d+\\.mp4\\?viewer=agent-bo&exp=\\d+&sig=`));
        // The file holds video frames and sound; without its signature it plays nothing.
        const probed = await probeMedia(url!);
        expect(probed).toMatchObject({ audioStreams: 1 });
        expect(probed.videoFrames).toBeGreaterThan(15);
        expect((await fetch(url!.split('?')[0], { signal: AbortSignal.timeout(5000) })).status).toBe(403);
      }
      expect(await page.textContent('#desk-recordings [data-testid="recording-agent-bo"]')).toContain('MB');

      // The desk's <video> plays the customer's recording: frames decoded, its time advancing.
      await page.click('#desk-recordings [data-testid="recording-play-cust-zhao"]');
      const playback = () =>
        page.evaluate(`(() => { const v = document.getElementById('desk-recording-player'); return { frames: v.getVideoPlaybackQuality().totalVideoFrames, time: v.currentTime, width: v.videoWidth }; })()`) as Promise<{ frames: number; time: number; width: number }>;
      const played = await until(async () => {
        const p = await playback();
        return p.frames >= 15 && p.time > 1 && p;
      }, 30_000, "the desk's player to play the customer's recording");
      expect(played.width).toBe(320);
      await page.screenshot({ path: join(artifacts, 'console-media-recordings.png'), fullPage: true });
      expect(pageErrors).toEqual([]);
      await page.close();
    } finally {
      desk.close();
    }
  }, 180_000);
});
