// Starts the real gRPC server and calls it the way the room service and the gateway do.
import { createClient, DomainError, isDomainError } from '@rtcroom/common';
import { createTestDatabase, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { mediav1, urlIssuerv1 } from '@rtcroom/proto';

const { CLIENT_KIND_BROWSER: browser, CLIENT_KIND_MINI_PROGRAM: miniProgram } = mediav1.ClientKind;
import { loadUrlIssuerConfig, startUrlIssuer, tencentTxSecret, verifyPlaySignature, verifyPushSignature } from '../src';

type Client = ReturnType<typeof createClient<typeof urlIssuerv1.UrlIssuerServiceService>>;

const signingKey = 'integration-signing-key-0123';

async function expectInvalid(call: Promise<unknown>, field?: string): Promise<DomainError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDomainError(err, 'INVALID_ARGUMENT')).toBe(true);
  if (field) expect((err as DomainError).metadata.field).toBe(field);
  return err as DomainError;
}

function queryOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url.replace(/^rtmp:/, 'http:')).searchParams);
}

describe('UrlIssuerService, self-hosted', () => {
  let running: Awaited<ReturnType<typeof startUrlIssuer>>;
  let client: Client;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadUrlIssuerConfig({
      RTCROOM_DEV: 'true',
      URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
      URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
      DATABASE_URL: database.url,
      STREAM_ID_KEY: 'integration-stream-id-key-0123',
      MEDIA_SIGNING_KEY: signingKey,
      MEDIA_RTMP_BASE: 'rtmp://media.test:1935',
      MEDIA_HTTP_BASE: 'http://media.test:8080/',
      PLAY_URL_TTL_SECONDS: '600',
    });
    running = await startUrlIssuer(config, testLogger('url-issuer'));
    client = createClient(urlIssuerv1.UrlIssuerServiceService, running.grpcAddress);
  });

  afterAll(async () => {
    client.close();
    await running?.stop();
    await database?.drop();
  });

  it('listens on a real port when asked for port 0', () => {
    expect(running.grpcAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
  });

  it('issues a push URL the media hooks accept, with the same stream id every time', async () => {
    const before = Date.now();
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [] });
    expect(pushUrl).toBeDefined();
    const { streamId, url, expireTime, recording } = pushUrl!;
    expect(streamId).toMatch(/^s_[a-z2-7]{24}$/);
    expect(url.startsWith(`rtmp://media.test:1935/live/${streamId}?exp=`)).toBe(true);
    expect(recording).toBe(false);
    // Default push TTL: one day.
    expect(expireTime!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 86400_000);
    expect(expireTime!.getTime()).toBeLessThanOrEqual(Date.now() + 86400_000);
    const { exp, sig } = queryOf(url);
    expect(verifyPushSignature(signingKey, { app: 'live', streamId, exp, sig })).toBe('OK');

    const again = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: true, recordFormats: [] });
    expect(again.pushUrl!.streamId).toBe(streamId);
    expect(again.pushUrl!.url.startsWith(`rtmp://media.test:1935/record/${streamId}?`)).toBe(true);
    expect(again.pushUrl!.recording).toBe(true);

    const other = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_2', record: false, recordFormats: [] });
    expect(other.pushUrl!.streamId).not.toBe(streamId);
  });

  it('issues play URLs for each viewer, in the order asked', async () => {
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [] });
    const streamId = pushUrl!.streamId;
    const viewers = ['bob', 'alice@example.com', 'carol.k'];
    const { playUrls } = await client.issuePlayUrls({ roomId: 'room_a', streamId, viewerIdentities: viewers, viewerKinds: [] });
    expect(playUrls.map((p) => p.viewerIdentity)).toEqual(viewers);
    for (const play of playUrls) {
      expect(play.streamId).toBe(streamId);
      expect(play.rtcUrl).toBe(play.rtmpUrl);
      expect(play.flvUrl.startsWith(`http://media.test:8080/flv/${streamId}.flv?`)).toBe(true);
      expect(play.hlsUrl.startsWith(`http://media.test:8080/hls/${streamId}.m3u8?`)).toBe(true);
      expect(play.expireTime!.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
      const { viewer, exp, sig } = queryOf(play.rtmpUrl);
      expect(viewer).toBe(play.viewerIdentity);
      expect(verifyPlaySignature(signingKey, { streamId, viewer, exp, sig })).toBe('OK');
    }
  });

  it("signs a monitoring supervisor's URL seatless, and binds a whisper's stand-in stream to its room", async () => {
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [] });
    const [seatless] = (await client.issuePlayUrls({ roomId: 'room_a', streamId: pushUrl!.streamId, viewerIdentities: ['boss'], viewerKinds: [], withoutSeat: true })).playUrls;
    const q = queryOf(seatless!.rtmpUrl);
    expect(q.seat).toBe('none');
    expect(verifyPlaySignature(signingKey, { streamId: pushUrl!.streamId, viewer: q.viewer, exp: q.exp, sig: q.sig, seat: q.seat })).toBe('OK');
    expect(verifyPlaySignature(signingKey, { streamId: pushUrl!.streamId, viewer: q.viewer, exp: q.exp, sig: q.sig })).toBe('BAD_SIGNATURE');

    const whisper = (await client.issuePushUrl({ roomId: 'room_a', memberId: 'w_boss', record: false, recordFormats: [] })).pushUrl!;
    expect(queryOf(whisper.url)).toMatchObject({ room: 'room_a', standin: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const [heard] = (await client.issuePlayUrls({ roomId: 'room_a', streamId: whisper.streamId, viewerIdentities: ['agent'], viewerKinds: [], standInMemberId: 'w_boss' })).playUrls;
    expect(queryOf(heard!.rtmpUrl)).toMatchObject({ room: 'room_a', standin: queryOf(whisper.url).standin });
    // A stand-in id that is not the stream's in this room binds nothing.
    const ask = { roomId: 'room_a', streamId: whisper.streamId, viewerIdentities: ['agent'], viewerKinds: [] };
    await expectInvalid(client.issuePlayUrls({ ...ask, standInMemberId: 'w_other' }), 'stand_in_member_id');
    await expectInvalid(client.issuePlayUrls({ ...ask, roomId: 'room_b', standInMemberId: 'w_boss' }), 'stand_in_member_id');
    await expectInvalid(client.issuePlayUrls({ ...ask, streamId: pushUrl!.streamId, standInMemberId: 'mem_1' }), 'stand_in_member_id');
  });

  it('gives a browser no WebRTC URL without a media bridge, and says why', async () => {
    const mini = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [] });
    expect(mini.pushUrl).toMatchObject({ webrtcUrl: '', webrtcUnavailable: '' });
    const web = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [], pusherKind: browser });
    expect(web.pushUrl).toMatchObject({ streamId: mini.pushUrl!.streamId, webrtcUrl: '', webrtcUnavailable: 'WEBRTC_UNAVAILABLE' });
    // The RTMP URL is there all the same (an app may show it; a bridge would take it).
    expect(web.pushUrl!.url.startsWith('rtmp://media.test:1935/live/')).toBe(true);

    const streamId = mini.pushUrl!.streamId;
    const { playUrls } = await client.issuePlayUrls({ roomId: 'room_a', streamId, viewerIdentities: ['bob', 'agent', 'carol'], viewerKinds: [miniProgram, browser] });
    expect(playUrls.map((p) => [p.viewerIdentity, p.webrtcUrl, p.webrtcUnavailable])).toEqual([
      ['bob', '', ''],
      ['agent', '', 'WEBRTC_UNAVAILABLE'],
      ['carol', '', ''],
    ]);
    const viewer = await client.issueViewerPlayUrls({ roomId: 'room_a', viewerIdentity: 'agent', streamIds: [streamId], viewerKind: browser });
    expect(viewer.playUrls[0]).toMatchObject({ webrtcUrl: '', webrtcUnavailable: 'WEBRTC_UNAVAILABLE' });
  });

  it('refuses bad push requests with INVALID_ARGUMENT', async () => {
    await expectInvalid(client.issuePushUrl({ roomId: '', memberId: 'mem_1', record: false, recordFormats: [] }), 'room_id');
    await expectInvalid(client.issuePushUrl({ roomId: 'room a', memberId: 'mem_1', record: false, recordFormats: [] }), 'room_id');
    await expectInvalid(client.issuePushUrl({ roomId: 'room_a', memberId: '', record: false, recordFormats: [] }), 'member_id');
    await expectInvalid(client.issuePushUrl({ roomId: 'room_a', memberId: 'm/1', record: false, recordFormats: [] }), 'member_id');
    await expectInvalid(client.issuePushUrl({ roomId: 'r'.repeat(65), memberId: 'mem_1', record: false, recordFormats: [] }), 'room_id');
  });

  it('signs several push URLs in one call, each as IssuePushUrl signs it, in order', async () => {
    const requests = ['mem_1', 'mem_2', 'mem_3'].map((memberId) => ({ roomId: 'room_a', memberId, record: memberId === 'mem_2', recordFormats: [] }));
    const { responses } = await client.issuePushUrls({ requests });
    const one = await Promise.all(requests.map((r) => client.issuePushUrl(r)));
    expect(responses.map((r) => r.pushUrl!.streamId)).toEqual(one.map((r) => r.pushUrl!.streamId));
    expect(responses.map((r) => r.pushUrl!.recording)).toEqual([false, true, false]);
    expect(new Set(responses.map((r) => r.pushUrl!.url)).size).toBe(3);
    await expectInvalid(client.issuePushUrls({ requests: [] }), 'requests');
    await expectInvalid(client.issuePushUrls({ requests: Array.from({ length: 17 }, () => requests[0]!) }), 'requests');
    await expectInvalid(client.issuePushUrls({ requests: [requests[0]!, { ...requests[1]!, memberId: 'm/2' }] }), 'requests[1].member_id');
  });

  it('refuses bad play requests with INVALID_ARGUMENT', async () => {
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [] });
    const streamId = pushUrl!.streamId;
    const ok = { roomId: 'room_a', streamId, viewerIdentities: ['bob'], viewerKinds: [] };
    await expectInvalid(client.issuePlayUrls({ ...ok, streamId: '' }), 'stream_id');
    await expectInvalid(client.issuePlayUrls({ ...ok, streamId: `8888${streamId.slice(1)}` }), 'stream_id');
    await expectInvalid(client.issuePlayUrls({ ...ok, streamId: 's_test001' }), 'stream_id');
    await expectInvalid(client.issuePlayUrls({ ...ok, roomId: '' }), 'room_id');
    await expectInvalid(client.issuePlayUrls({ ...ok, viewerIdentities: [] }), 'viewer_identities');
    const tooMany = Array.from({ length: 101 }, (_, i) => `v${i}`);
    await expectInvalid(client.issuePlayUrls({ ...ok, viewerIdentities: tooMany }), 'viewer_identities');
    await expectInvalid(client.issuePlayUrls({ ...ok, viewerIdentities: ['bob', 'not ok'] }), 'viewer_identities[1]');
    await expectInvalid(client.issuePlayUrls({ ...ok, viewerIdentities: ['x'.repeat(129)] }), 'viewer_identities[0]');

    // Several streams for one viewer (a member who just took a seat), checked the same way.
    const one = { roomId: 'room_a', viewerIdentity: 'bob', streamIds: [streamId] };
    await expectInvalid(client.issueViewerPlayUrls({ ...one, streamIds: [] }), 'stream_ids');
    await expectInvalid(client.issueViewerPlayUrls({ ...one, streamIds: Array.from({ length: 101 }, () => streamId) }), 'stream_ids');
    await expectInvalid(client.issueViewerPlayUrls({ ...one, streamIds: [streamId, 's_test001'] }), 'stream_id');
    await expectInvalid(client.issueViewerPlayUrls({ ...one, viewerIdentity: 'not ok' }), 'viewer_identity');
    await expectInvalid(client.issueViewerPlayUrls({ ...one, roomId: '' }), 'room_id');
    await expectInvalid(client.issuePlayUrls({ ...ok, viewerKinds: [browser, browser] }), 'viewer_kinds');
    const unknownKind = 7 as unknown as mediav1.ClientKind;
    await expectInvalid(client.issuePlayUrls({ ...ok, viewerKinds: [unknownKind] }), 'viewer_kinds[0]');
    await expectInvalid(client.issueViewerPlayUrls({ ...one, viewerKind: unknownKind }), 'viewer_kind');
    await expectInvalid(client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [], pusherKind: unknownKind }), 'pusher_kind');

    // Exactly 100 is allowed, and the server is still serving after all that.
    const hundred = Array.from({ length: 100 }, (_, i) => `v${i}`);
    const { playUrls } = await client.issuePlayUrls({ ...ok, viewerIdentities: hundred });
    expect(playUrls).toHaveLength(100);
  });
});

describe('UrlIssuerService, Tencent', () => {
  let running: Awaited<ReturnType<typeof startUrlIssuer>>;
  let client: Client;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadUrlIssuerConfig({
      RTCROOM_DEV: 'true',
      URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
      URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
      DATABASE_URL: database.url,
      STREAM_ID_KEY: 'integration-stream-id-key-0123',
      MEDIA_PROVIDER: 'tencent',
      TENCENT_BIZID: '8888',
      TENCENT_PUSH_KEY: 'mykey',
      RECORD_FORMATS: 'mp4|hls',
    });
    running = await startUrlIssuer(config, testLogger('url-issuer'));
    client = createClient(urlIssuerv1.UrlIssuerServiceService, running.grpcAddress);
  });

  afterAll(async () => {
    client.close();
    await running?.stop();
    await database?.drop();
  });

  it('issues a Tencent push URL with a bizid-prefixed stream id and a valid txSecret', async () => {
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: true, recordFormats: [] });
    const { streamId, url, expireTime } = pushUrl!;
    expect(streamId).toMatch(/^8888_[a-z2-7]{24}$/);
    const match = url.match(
      /^rtmp:\/\/8888\.livepush\.myqcloud\.com\/live\/([^?]+)\?bizid=8888&txSecret=([0-9a-f]{32})&txTime=([0-9A-F]+)&record=mp4\|hls&record_interval=1800$/,
    );
    expect(match).not.toBeNull();
    const [, pathStream, txSecret, txTime] = match!;
    expect(pathStream).toBe(streamId);
    expect(txSecret).toBe(tencentTxSecret('mykey', streamId, txTime));
    expect(parseInt(txTime, 16) * 1000).toBe(expireTime!.getTime());
  });

  it('signs several streams for one viewer in one call, in the order asked', async () => {
    const streams = await Promise.all(
      ['mem_1', 'mem_2', 'mem_3'].map(async (memberId) => (await client.issuePushUrl({ roomId: 'room_a', memberId, record: false, recordFormats: [] })).pushUrl!.streamId),
    );
    const { playUrls } = await client.issueViewerPlayUrls({ roomId: 'room_a', viewerIdentity: 'dan', streamIds: streams });
    expect(playUrls.map((p) => [p.streamId, p.viewerIdentity])).toEqual(streams.map((s) => [s, 'dan']));
    const single = await client.issuePlayUrls({ roomId: 'room_a', streamId: streams[1], viewerIdentities: ['dan'], viewerKinds: [] });
    expect(playUrls[1].rtcUrl.split('?')[0]).toBe(single.playUrls[0].rtcUrl.split('?')[0]);
  });

  it('issues the signed RTC URL and the ordinary play URLs', async () => {
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [] });
    const streamId = pushUrl!.streamId;
    const { playUrls } = await client.issuePlayUrls({ roomId: 'room_a', streamId, viewerIdentities: ['alice'], viewerKinds: [] });
    const [play] = playUrls;
    expect(play.rtcUrl).toMatch(new RegExp(`^rtmp://8888\\.liveplay\\.myqcloud\\.com/live/${streamId}\\?bizid=8888&txSecret=[0-9a-f]{32}&txTime=[0-9A-F]+$`));
    expect(play.rtmpUrl).toBe(`rtmp://8888.liveplay.myqcloud.com/live/${streamId}`);
    expect(play.flvUrl).toBe(`http://8888.liveplay.myqcloud.com/live/${streamId}.flv`);
    expect(play.hlsUrl).toBe(`http://8888.liveplay.myqcloud.com/live/${streamId}.m3u8`);
  });

  it('signs WebRTC push and LEB play URLs for browser members only', async () => {
    const web = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [], pusherKind: browser });
    const { streamId, url, webrtcUrl, webrtcUnavailable } = web.pushUrl!;
    expect(webrtcUnavailable).toBe('');
    const [, rtmpQuery] = url.split('?');
    // Same signature and expiry as the RTMP push URL, less the bizid.
    expect(webrtcUrl).toBe(`webrtc://8888.livepush.myqcloud.com/live/${streamId}?${rtmpQuery.replace('bizid=8888&', '')}`);
    const mini = await client.issuePushUrl({ roomId: 'room_a', memberId: 'mem_1', record: false, recordFormats: [], pusherKind: miniProgram });
    expect(mini.pushUrl!.webrtcUrl).toBe('');

    const { playUrls } = await client.issuePlayUrls({ roomId: 'room_a', streamId, viewerIdentities: ['agent', 'customer'], viewerKinds: [browser, miniProgram] });
    const [agent, customer] = playUrls;
    const txTime = agent.rtcUrl.match(/txTime=([0-9A-F]+)$/)![1];
    expect(agent.webrtcUrl).toBe(`webrtc://8888.liveplay.myqcloud.com/live/${streamId}?txSecret=${tencentTxSecret('mykey', streamId, txTime)}&txTime=${txTime}`);
    expect(customer.webrtcUrl).toBe('');
    const viewer = await client.issueViewerPlayUrls({ roomId: 'room_a', viewerIdentity: 'agent', streamIds: [streamId], viewerKind: browser });
    expect(viewer.playUrls[0].webrtcUrl.startsWith(`webrtc://8888.liveplay.myqcloud.com/live/${streamId}?txSecret=`)).toBe(true);
  });

  it('refuses a self-hosted stream id', async () => {
    await expectInvalid(
      client.issuePlayUrls({ roomId: 'room_a', streamId: 's_abcdefghijklmnopqrstuvwx', viewerIdentities: ['alice'], viewerKinds: [] }),
      'stream_id',
    );
  });
});

// The hook a media bridge fills (self-hosted deployments): a stand-in bridge here, the real one is
// services/media-bridge's. Browser members' URLs come from it; one that fails costs only its browser.
describe('UrlIssuerService, self-hosted with a WebRTC bridge', () => {
  let running: Awaited<ReturnType<typeof startUrlIssuer>>;
  let client: Client;
  let database: TestDatabase;
  const asked: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadUrlIssuerConfig({
      RTCROOM_DEV: 'true',
      URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
      URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
      DATABASE_URL: database.url,
      STREAM_ID_KEY: 'integration-stream-id-key-0123',
      MEDIA_SIGNING_KEY: signingKey,
      MEDIA_RTMP_BASE: 'rtmp://media.test:1935',
    });
    running = await startUrlIssuer(config, testLogger('url-issuer'), {
      webrtc: {
        pushUrl: (req) => (asked.push(`push ${req.roomId} ${req.memberId}`), `webrtc://bridge.test/publish/${req.streamId}`),
        playUrl: async (req) => {
          asked.push(`play ${req.roomId} ${req.viewer}`);
          if (req.viewer === 'broken') throw new Error('bridge down');
          return `webrtc://bridge.test/play/${req.streamId}?viewer=${req.viewer}`;
        },
      },
    });
    client = createClient(urlIssuerv1.UrlIssuerServiceService, running.grpcAddress);
  });

  afterAll(async () => {
    client.close();
    await running?.stop();
    await database?.drop();
  });

  it("asks the bridge for browsers' URLs only, and says WEBRTC_FAILED for the one it could not serve", async () => {
    const { pushUrl } = await client.issuePushUrl({ roomId: 'room_b', memberId: 'mem_9', record: false, recordFormats: [], pusherKind: browser });
    expect(pushUrl).toMatchObject({ webrtcUrl: `webrtc://bridge.test/publish/${pushUrl!.streamId}`, webrtcUnavailable: '' });
    const streamId = pushUrl!.streamId;
    const { playUrls } = await client.issuePlayUrls({ roomId: 'room_b', streamId, viewerIdentities: ['agent', 'broken', 'phone'], viewerKinds: [browser, browser, miniProgram] });
    expect(playUrls.map((p) => [p.viewerIdentity, p.webrtcUrl, p.webrtcUnavailable])).toEqual([
      ['agent', `webrtc://bridge.test/play/${streamId}?viewer=agent`, ''],
      ['broken', '', 'WEBRTC_FAILED'],
      ['phone', '', ''],
    ]);
    // Every viewer's RTMP URLs are there all the same.
    expect(playUrls.every((p) => p.rtcUrl.startsWith(`rtmp://media.test:1935/live/${streamId}?viewer=${p.viewerIdentity}&`))).toBe(true);
    expect(asked).toEqual(['push room_b mem_9', 'play room_b agent', 'play room_b broken']);
  });
});
