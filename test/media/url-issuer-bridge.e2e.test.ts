// The url-issuer with MEDIA_BRIDGE_ADDRESS: a browser member's URLs come from the real media bridge
// (its own process, with the test Janus and nginx-rtmp of support/bridge-fixture.ts). A mini-program
// member pushes ffmpeg's test pattern to the push URL the url-issuer signed for it; a browser member's
// play URL of that stream is given only once media flows into the bridge's mountpoint (before that:
// WEBRTC_STARTING), and is a janus+http URL that Chromium plays, decoding frames; the token in it
// opens nothing of another room's; a browser member's push URL publishes into nginx-rtmp as its
// stream, and nginx-rtmp's on_publish (where rtcroom learns a stream began, and tells mini-program
// members) comes only once media is there to read; a member's departure (member.left), a stream that
// stops (stream.stopped) and a closed room (room.closed), published as the room service publishes
// them, close what the bridge opened for them, its ffmpeg included; a bridge that cannot be reached
// costs a browser its URL (WEBRTC_FAILED), not the call.
//
// Needs what the media bridge's tests need (bash scripts/ensure-media-tools.sh; bash
// scripts/ensure-browser.sh) and Postgres (TEST_DATABASE_URL). Skipped when tools are missing, except in CI.
import { createClient, freePort, InMemoryEventBus, subjects } from '@rtcroom/common';
import { createTestDatabase, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { mediaBridgev1, mediav1, roomEventv1, roomv1, urlIssuerv1 } from '@rtcroom/proto';
import { parseJanusUrl } from '@rtcroom/sdk';
import { loadUrlIssuerConfig, startUrlIssuer } from '@rtcroom/url-issuer';
import { BridgeFixture, describeWithMediaTools } from './support/bridge-fixture';
import { playScript, publishScript, statsScript, tryTokenScript } from './support/janus-page';
import { ffmpegChildren, pushTestPattern, readFrames, until } from './support/media-processes';

const { CLIENT_KIND_BROWSER: browser, CLIENT_KIND_MINI_PROGRAM: miniProgram } = mediav1.ClientKind;
type IssuerClient = ReturnType<typeof createClient<typeof urlIssuerv1.UrlIssuerServiceService>>;

/** A room event as the room service publishes it (ROOM_EVENTS). */
function roomEvent(roomId: string, topic: string, payload: roomEventv1.RoomEvent['payload']): { subject: string; data: Uint8Array } {
  const event = roomEventv1.RoomEvent.fromPartial({ id: `e_${Math.random().toString(36).slice(2, 22).padEnd(20, '0')}`, roomId, seq: 1, time: new Date(), payload });
  return { subject: subjects.roomEvent(roomId, topic), data: roomEventv1.RoomEvent.encode(event).finish() };
}
const leave = (roomId: string, identity: string, memberId: string, streamId = '') =>
  roomEvent(roomId, 'member.left', { $case: 'memberLeft', value: roomEventv1.MemberLeft.fromPartial({ member: roomv1.Member.fromPartial({ roomId, identity, memberId, streamId }) }) });
const streamStopped = (roomId: string, identity: string, memberId: string, streamId: string) =>
  roomEvent(roomId, 'stream.stopped', { $case: 'streamStopped', value: roomEventv1.StreamStopped.fromPartial({ member: roomv1.Member.fromPartial({ roomId, identity, memberId, streamId }) }) });
const close = (roomId: string) => roomEvent(roomId, 'room.closed', { $case: 'roomClosed', value: roomEventv1.RoomClosed.fromPartial({}) });

describeWithMediaTools('the url-issuer with a media bridge test')('the url-issuer with MEDIA_BRIDGE_ADDRESS: browser members get Janus URLs from the real bridge', () => {
  const f = new BridgeFixture();
  let database: TestDatabase;
  let issuer: Awaited<ReturnType<typeof startUrlIssuer>>;
  let urls: IssuerClient;
  // The bus the room service would publish its events on (in-process here: the url-issuer alone).
  const bus = new InMemoryEventBus();
  const publish = ({ subject, data }: { subject: string; data: Uint8Array }) => bus.publish(subject, data);
  const bridgesOf = async (roomId: string) => (await f.bridge.listBridges({})).bridges.filter((b) => b.roomId === roomId);

  const startIssuer = (bridgeAddress: string, rtmpBase: string, withBus?: InMemoryEventBus) =>
    startUrlIssuer(
      loadUrlIssuerConfig({
        RTCROOM_DEV: 'true',
        URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0',
        URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
        URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
        DATABASE_URL: database.url,
        MEDIA_RTMP_BASE: rtmpBase,
        MEDIA_BRIDGE_ADDRESS: bridgeAddress,
      }),
      testLogger('url-issuer'),
      withBus ? { bus: withBus } : {},
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    await f.start();
    issuer = await startIssuer(f.bridgeProcess.address, f.rtmp.rtmpBase, bus);
    urls = createClient(urlIssuerv1.UrlIssuerServiceService, issuer.grpcAddress, 15_000);
  }, 120_000);

  // A Janus that died fails the test it died in, with its log, rather than every test after it.
  afterEach(() => f.failOnJanusDeath(), 60_000);

  afterAll(async () => {
    urls?.close();
    await issuer?.stop();
    await f.stop();
    await database?.drop();
  }, 60_000);

  it("a mini-program member's push plays in Chromium from the browser member's play URL; its token opens no other room", async () => {
    const room = `room-${Date.now().toString(36)}`;
    const pusher = await urls.issuePushUrl({ roomId: room, memberId: 'm-mini', record: false, recordFormats: [], pusherKind: miniProgram });
    const { streamId, url, webrtcUrl } = pusher.pushUrl!;
    expect(webrtcUrl).toBe('');
    f.pushes.push(pushTestPattern(url, 60));

    const { playUrls } = await urls.issuePlayUrls({ roomId: room, streamId, viewerIdentities: ['agent-ann', 'cust-bob'], viewerKinds: [browser, miniProgram] });
    const [starting, customer] = playUrls;
    expect(customer).toMatchObject({ webrtcUrl: '', webrtcUnavailable: '' });
    // No media reached the mountpoint yet: the browser is not handed a stream that plays nothing.
    expect(starting).toMatchObject({ webrtcUrl: '', webrtcUnavailable: 'WEBRTC_STARTING' });
    // Asked again waiting for media (as the gateway does): the URL comes once media flows.
    const agent = await until(async () => {
      const [url] = (await urls.issuePlayUrls({ roomId: room, streamId, viewerIdentities: ['agent-ann'], viewerKinds: [browser], waitForMediaMs: 8000 })).playUrls;
      return url?.webrtcUrl ? url : false;
    }, 30_000, 'the play URL once media flows');
    expect((await bridgesOf(room))[0]).toMatchObject({ streamId, state: mediaBridgev1.BridgeState.BRIDGE_STATE_FLOWING });
    expect(agent!.webrtcUnavailable).toBe('');
    expect(agent!.webrtcUrl).toMatch(/^janus\+http:\/\/127\.0\.0\.1:\d+\/janus\?token=[^&]+&mountpoint=\d+&pin=[^&]+&ws=/);
    const janus = parseJanusUrl(agent!.webrtcUrl)!;
    expect(janus).toMatchObject({ httpUrl: f.janus.httpUrl, play: { mountpointId: expect.any(Number) } });
    // The bridge counts the viewer once however often its URL is issued.
    await urls.issuePlayUrls({ roomId: room, streamId, viewerIdentities: ['agent-ann'], viewerKinds: [browser] });
    const ingress = (await f.bridge.listBridges({})).bridges.find((b) => b.streamId === streamId);
    expect(ingress).toMatchObject({ roomId: room, identities: ['agent-ann'] });

    const page = await f.newPage();
    await page.evaluate(playScript({ httpUrl: janus.httpUrl, token: janus.token, mountpointId: janus.play!.mountpointId, pin: janus.play!.pin }));
    const decoded = async () => ((await page.evaluate(statsScript('rtcPlay'))) as { video: { framesDecoded: number } | null }).video?.framesDecoded ?? 0;
    const first = await until(async () => {
      const n = await decoded();
      return n > 0 && n;
    }, 30_000, 'the first decoded frame');
    await until(async () => (await decoded()) >= first + 10, 20_000, 'frames decoded rising');

    // Another room's browser member: its token cannot watch this room's mountpoint, even with the pin.
    const other = await urls.issuePlayUrls({ roomId: `${room}-other`, streamId, viewerIdentities: ['mallory'], viewerKinds: [browser], waitForMediaMs: 8000 });
    const foreign = parseJanusUrl(other.playUrls[0]!.webrtcUrl)!;
    expect(foreign.token).not.toBe(janus.token);
    const watch = (token: string, mountpointId: number, pin: string) =>
      page.evaluate(tryTokenScript(janus.httpUrl, token, { plugin: 'janus.plugin.streaming', body: { request: 'watch', id: mountpointId, pin } })) as Promise<{ stage: string; code: number }>;
    expect(foreign.play!.mountpointId).not.toBe(janus.play!.mountpointId);
    expect(await watch(foreign.token, janus.play!.mountpointId, 'guess')).toMatchObject({ stage: 'plugin', code: 457 });
    expect(await watch('not-a-token', janus.play!.mountpointId, janus.play!.pin)).toMatchObject({ stage: 'create', code: 403 });
    await page.evaluate('window.rtcPlay.janus.close()');
    await page.close();

    // The agent leaves: its ingress closes (the last viewer: the bridge stops it) and its token goes.
    // Another member's departure closes nothing of the agent's.
    await publish(leave(room, 'cust-bob', 'm-bob'));
    await publish(leave(room, 'agent-ann', 'm-ann'));
    await until(async () => (await bridgesOf(room)).length === 0 && true, 15_000, "the departed agent's ingress to close");
    const later = await f.newPage();
    expect(await later.evaluate(tryTokenScript(janus.httpUrl, janus.token))).toMatchObject({ stage: 'create', code: 403 });
    await later.close();
    // The other room closes: its bridges close with it.
    expect(await bridgesOf(`${room}-other`)).toHaveLength(1);
    await publish(close(`${room}-other`));
    await until(async () => (await bridgesOf(`${room}-other`)).length === 0 && true, 15_000, "the closed room's ingress to close");
  }, 90_000);

  it("a browser member's push URL publishes from Chromium into nginx-rtmp as the member's stream, announced (on_publish) only once media is there", async () => {
    const room = `room-pub-${Date.now().toString(36)}`;
    const { pushUrl } = await urls.issuePushUrl({ roomId: room, memberId: 'm-agent', identity: 'agent', record: false, recordFormats: [], pusherKind: browser });
    expect(pushUrl!.webrtcUnavailable).toBe('');
    const janus = parseJanusUrl(pushUrl!.webrtcUrl)!;
    expect(janus.publish).toEqual({ videoroomId: expect.any(Number), feedId: expect.any(Number) });
    // The egress is keyed by the member and held by its identity: another member naming it gets nothing.
    const taken = f.bridge.openEgress({ roomId: room, memberId: 'm-agent', publisherIdentity: 'mallory', targetUrl: `${f.rtmp.rtmpBase}/live/stolen` });
    await expect(taken).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    // Open, but the browser does not publish yet: nothing reaches nginx-rtmp, so nothing is announced.
    const announced = () => f.published.find((p) => p.name === pushUrl!.streamId);
    await until(async () => (await bridgesOf(room)).length === 1 && true, 5000, 'the egress to be listed');
    expect(announced()).toBeUndefined();
    const page = await f.newPage();
    let left = false;
    try {
      await page.evaluate(publishScript({ httpUrl: janus.httpUrl, token: janus.token, videoroomId: janus.publish!.videoroomId, feedId: janus.publish!.feedId }));
      // nginx-rtmp's on_publish, where the url-issuer learns the stream began (stream_began -> stream_started
      // for mini-program members): once it comes, the stream is there to read. The bound only says "soon":
      // a reader's own start (ffmpeg, RTMP handshake, the next key frame) took over 5 s on a loaded machine.
      const hook = await until(async () => announced(), 40_000, "nginx-rtmp's on_publish of the member's stream");
      const read = await readFrames(`${f.rtmp.rtmpBase}/live/${pushUrl!.streamId}`, 15, 40_000);
      expect(read.frames).toBeGreaterThanOrEqual(15);
      expect(read.firstAt! - hook.at).toBeLessThan(15_000);
      expect(await bridgesOf(room)).toMatchObject([{ direction: mediaBridgev1.Bridge_Direction.DIRECTION_EGRESS, memberId: 'm-agent', identities: ['agent'] }]);
      // The member leaves: its egress closes.
      left = true;
      await publish(leave(room, 'agent', 'm-agent'));
      await until(async () => (await bridgesOf(room)).length === 0 && true, 15_000, "the departed member's egress to close");
    } finally {
      // A failure above must not leave the egress's ffmpeg running into the next case's count.
      if (!left) await publish(leave(room, 'agent', 'm-agent'));
      await page.evaluate('window.rtcPublish?.janus?.close()').catch(() => undefined);
      await page.close();
    }
  }, 90_000);

  it("a stream that stops, or whose pusher leaves, closes its ingress: the bridge's ffmpeg stops instead of restarting", async () => {
    const room = `room-end-${Date.now().toString(36)}`;
    const bridgePid = f.bridgeProcess.pid!;
    // Count from nothing: an earlier case's bridges end their ffmpeg first.
    await until(async () => ffmpegChildren(bridgePid).length === 0 && true, 15_000, "earlier cases' ffmpeg to end");
    const sign = async (memberId: string) => (await urls.issuePushUrl({ roomId: room, memberId, record: false, recordFormats: [], pusherKind: miniProgram })).pushUrl!;
    const [a, b] = await Promise.all([sign('m-a'), sign('m-b')]);
    const push = pushTestPattern(a.url, 60);
    f.pushes.push(push);
    await urls.issuePlayUrls({ roomId: room, streamId: b.streamId, viewerIdentities: ['agent'], viewerKinds: [browser] });
    await until(async () => {
      const [url] = (await urls.issuePlayUrls({ roomId: room, streamId: a.streamId, viewerIdentities: ['agent'], viewerKinds: [browser], waitForMediaMs: 8000 })).playUrls;
      return Boolean(url?.webrtcUrl);
    }, 30_000, "a's ingress to flow");
    expect(ffmpegChildren(bridgePid)).toHaveLength(2);
    // A's push ends and the room service says so (stream.stopped, from nginx-rtmp's on_publish_done).
    push.kill('SIGKILL');
    await publish(streamStopped(room, 'cust-a', 'm-a', a.streamId));
    await until(async () => (await bridgesOf(room)).map((x) => x.streamId).join() === b.streamId && true, 15_000, "a's ingress to close");
    // B never pushed and leaves: its member.left names its stream.
    await publish(leave(room, 'cust-b', 'm-b', b.streamId));
    await until(async () => (await bridgesOf(room)).length === 0 && true, 15_000, "b's ingress to close");
    await until(async () => ffmpegChildren(bridgePid).length === 0 && true, 10_000, "the ingresses' ffmpeg to end");
  }, 90_000);

  it('a bridge that cannot be reached: the browser gets WEBRTC_FAILED, the mini-program its URL', async () => {
    const down = await startIssuer(`127.0.0.1:${await freePort()}`, f.rtmp.rtmpBase);
    const client = createClient(urlIssuerv1.UrlIssuerServiceService, down.grpcAddress, 15_000);
    try {
      const { streamId } = (await client.issuePushUrl({ roomId: 'room-down', memberId: 'm-down', record: false, recordFormats: [], pusherKind: miniProgram })).pushUrl!;
      const { playUrls } = await client.issuePlayUrls({ roomId: 'room-down', streamId, viewerIdentities: ['agent', 'cust'], viewerKinds: [browser, miniProgram] });
      expect(playUrls.map((p) => [p.webrtcUrl, p.webrtcUnavailable, p.rtmpUrl.startsWith('rtmp://')])).toEqual([
        ['', 'WEBRTC_FAILED', true],
        ['', '', true],
      ]);
    } finally {
      client.close();
      await down.stop();
    }
  }, 30_000);
});
