// How the media bridge lives and dies, with real parts (support/bridge-fixture.ts): killed with
// SIGKILL it leaves no ffmpeg behind; when Janus restarts it turns NOT_SERVING, ends every bridge and
// reconnects; it refuses to start, saying why, without a Janus it can use. (Its SIGTERM drain, no
// ffmpeg outliving it, is checked when the fixture stops.)
//
// Needs janus, gcc, nginx with the RTMP module, ffmpeg (bash scripts/ensure-media-tools.sh) and
// Chromium (bash scripts/ensure-browser.sh). Skipped when missing, except in CI (CI=true).
import { checkHealth, createClient, freePort } from '@rtcroom/common';
import { mediaBridgev1 } from '@rtcroom/proto';
import { BridgeFixture, describeWithMediaTools } from './support/bridge-fixture';
import { tryTokenScript } from './support/janus-page';
import { ended, ffmpegChildren, until } from './support/media-processes';

describeWithMediaTools('the media bridge lifecycle test')('the media bridge: starting, losing Janus, dying', () => {
  const f = new BridgeFixture();
  let rtmp: BridgeFixture['rtmp'];
  let janus: BridgeFixture['janus'];
  let bridgeProcess: BridgeFixture['bridgeProcess'];
  let bridge: BridgeFixture['bridge'];
  const newPage = () => f.newPage();

  beforeAll(async () => {
    await f.start();
    ({ rtmp, janus, bridgeProcess, bridge } = f);
  }, 120_000);

  // A Janus that died fails the test it died in, with its log, rather than every test after it.
  afterEach(() => {
    const died = janus?.died();
    if (died) throw new Error(died);
  });

  afterAll(() => f.stop(), 60_000);

  it('a bridge killed with SIGKILL leaves no ffmpeg behind', async () => {
    const doomed = f.otherBridge({});
    await doomed.start();
    const client = createClient(mediaBridgev1.MediaBridgeServiceService, doomed.address, 15_000);
    try {
      const streamId = `doomed_${Date.now().toString(36)}`;
      await client.openIngress({ waitForMediaMs: 0, roomId: 'room-doomed', streamId, viewerIdentity: 'ann', sourceUrl: `${rtmp.rtmpBase}/live/${streamId}` });
      const [ffmpeg] = await until(async () => {
        const found = ffmpegChildren(doomed.pid!);
        return found.length > 0 && found;
      }, 10_000, "the doomed bridge's ffmpeg");
      await doomed.kill();
      // Its parent-death signal ends it at once; the supervisor is gone and cannot.
      await until(async () => ended(ffmpeg), 5000, 'the orphaned ffmpeg to end');
    } finally {
      client.close();
      await doomed.kill();
    }
  }, 60_000);

  it('Janus restarts: the bridge turns NOT_SERVING, refuses to open, forgets what Janus lost, reconnects and opens again', async () => {
    const health = () => checkHealth(bridgeProcess.address, 'rtcroom.media.v1.MediaBridgeService', undefined, 2000);
    expect((await health()).serving).toBe(true);
    const stamp = Date.now().toString(36);
    const before = await bridge.openIngress({ waitForMediaMs: 0, roomId: `room-r-${stamp}`, streamId: `s_${stamp}`, viewerIdentity: 'ann', sourceUrl: `${rtmp.rtmpBase}/live/s_${stamp}` });
    await janus.restart(async () => {
      await until(async () => !(await health()).serving, 10_000, 'health NOT_SERVING while Janus is down');
      await expect(bridge.openIngress({ waitForMediaMs: 0, roomId: `room-r-${stamp}`, streamId: `t_${stamp}`, viewerIdentity: 'ann', sourceUrl: `${rtmp.rtmpBase}/live/t_${stamp}` })).rejects.toMatchObject({
        reason: 'UNAVAILABLE',
      });
    });
    await until(async () => (await health()).serving, 20_000, 'health SERVING once Janus is back');
    // What Janus held went with it, and the bridge knows: no bridge left, no ffmpeg for it.
    expect((await bridge.listBridges({})).bridges).toEqual([]);
    expect(ffmpegChildren(bridgeProcess.pid!)).toEqual([]);
    const after = await bridge.openIngress({ waitForMediaMs: 0, roomId: `room-r-${stamp}`, streamId: `s_${stamp}`, viewerIdentity: 'ann', sourceUrl: `${rtmp.rtmpBase}/live/s_${stamp}` });
    expect(after.janus!.token).not.toBe(before.janus!.token);
    const page = await newPage();
    expect(await page.evaluate(tryTokenScript(janus.httpUrl, before.janus!.token))).toMatchObject({ stage: 'create', code: 403 });
    expect(await page.evaluate(tryTokenScript(janus.httpUrl, after.janus!.token))).toMatchObject({ code: 0 });
    await page.close();
    await bridge.closeIngress({ roomId: `room-r-${stamp}`, streamId: `s_${stamp}`, viewerIdentity: 'ann' });
  }, 90_000);

  it('a bridge that cannot reach Janus at start exits, saying where it looked; a wrong admin secret too', async () => {
    const nowhere = `ws://127.0.0.1:${await freePort()}`;
    const lost = f.otherBridge({ JANUS_WS_URL: nowhere, JANUS_ADMIN_WS_URL: nowhere });
    await expect(lost.start()).rejects.toThrow(new RegExp(`media-bridge exited[\\s\\S]*cannot reach Janus's API at ${nowhere} \\(JANUS_WS_URL\\)`));
    const wrongSecret = f.otherBridge({ JANUS_ADMIN_SECRET: 'not-the-admin-secret' });
    await expect(wrongSecret.start()).rejects.toThrow(/media-bridge exited[\s\S]*refused the bridge \(JANUS_ADMIN_SECRET\)/);
  }, 60_000);

});
