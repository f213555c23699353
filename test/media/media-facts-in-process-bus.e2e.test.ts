// The media server's facts reach the room on the in-process bus too (the embedded default's bus; the
// store here is the real Postgres): a publish the url-issuer allows is announced to the other member
// with a play URL, and its end is announced, without any pusher report. The hooks are called the way
// nginx-rtmp calls them; test/media/nginx-rtmp.e2e.test.ts does it with nginx itself.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1 } from '@rtcroom/proto';
import { nginxRtmpHookPaths } from '@rtcroom/url-issuer';

const secret = 'media-bus-secret-long-enough';
const token = (identity: string) => issueAccessToken(secret, { identity, ttlSeconds: 600 });

describe('media facts on the in-process bus', () => {
  let database: TestDatabase;
  let system: RunningSystem;

  beforeAll(async () => {
    database = await createTestDatabase();
    system = await startAll({
      env: { DATABASE_URL: database.url, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', MEDIA_HTTP_BASE: '' },
      ephemeralPorts: true,
      logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
    });
  });

  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });

  /** POSTs what nginx-rtmp would send to a hook for this push URL. */
  async function hook(path: string, pushUrl: string): Promise<number> {
    const u = new URL(pushUrl.replace(/^rtmp:/, 'http:'));
    const [, app, name] = u.pathname.split('/');
    const form = new URLSearchParams({ app, name, addr: '127.0.0.1', tcurl: `rtmp://${u.host}/${app}`, ...Object.fromEntries(u.searchParams) });
    const res = await fetch(`http://${system.mediaHooksAddress}${path}`, { method: 'POST', body: form, signal: AbortSignal.timeout(5000) });
    return res.status;
  }

  it('announces a stream the media server let through, and its end', async () => {
    expect(system.embeddedBus).toBe(true);
    const alice = await DemoClient.connect(system.gatewayUrl, token('alice'));
    const bob = await DemoClient.connect(system.gatewayUrl, token('bob'));
    try {
      const created = await alice.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: `bus-${Date.now().toString(36)}` }) } });
      const roomId = created.room!.id;
      const join = (c: DemoClient) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
      const a = await join(alice);
      await join(bob);

      expect(await hook(nginxRtmpHookPaths.onPublish, a.pushUrl!.url)).toBe(200);
      const started = await bob.waitForNotice((n) => n.notice?.$case === 'streamStarted');
      expect(started.notice?.$case === 'streamStarted' && started.notice.value.playUrl).toMatchObject({ streamId: a.pushUrl!.streamId, viewerIdentity: 'bob' });

      expect(await hook(nginxRtmpHookPaths.onPublishDone, a.pushUrl!.url)).toBe(200);
      const stopped = await bob.waitForNotice((n) => n.notice?.$case === 'streamStopped');
      expect(stopped.notice?.$case === 'streamStopped' && stopped.notice.value.member?.identity).toBe('alice');
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
