// The url-issuer's HTTP endpoint as nginx-rtmp and Tencent call it, with recordings kept in the real
// Postgres and facts published on the bus; the room service is a stand-in (deps.members).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, InMemoryEventBus } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { mediaEventv1, urlIssuerv1 } from '@rtcroom/proto';
import { loadUrlIssuerConfig, nginxRtmpHookPaths, signPush, startUrlIssuer, tencentCallbackPath, tencentCallbackSign } from '../src';
import type { MemberDirectory, MembershipWithRoom } from '../src/domain/member-directory';

const signingKey = 'hooks-signing-key-0123456789';
const callbackKey = 'tencent-callback-key';

const alice: MembershipWithRoom = {
  member: { memberId: 'm_alice', identity: 'alice', roomId: 'r_hooks', streamId: 's_alice', state: 'joined' },
  room: { roomId: 'r_hooks', open: true, recording: true },
};
const tencentAlice: MembershipWithRoom = { ...alice, member: { ...alice.member, streamId: '8888_alice' } };
const members: MemberDirectory = {
  byStream: async (streamId) => [alice, tencentAlice].find((m) => m.member.streamId === streamId) ?? null,
  seated: async (roomId, identity) => (roomId === 'r_hooks' && identity === 'bob' ? { ...alice, member: { ...alice.member, identity: 'bob' } } : null),
};

describe('media hooks and callbacks over HTTP', () => {
  let database: TestDatabase;
  let running: Awaited<ReturnType<typeof startUrlIssuer>>;
  let bus: InMemoryEventBus;
  let events: { subject: string; event: mediaEventv1.MediaEvent }[];
  let dir: string;

  const post = async (path: string, body: string, type: string) => {
    const res = await fetch(`http://${running.httpAddress}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, text: (await res.text()).trim() };
  };
  const hook = (path: string, fields: Record<string, string>) => post(path, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
  const tencent = (fields: Record<string, unknown>) => post(tencentCallbackPath, JSON.stringify(fields), 'application/json');
  const listRecordings = async (pageSize: number, pageToken = '', viewerIdentity = '') => {
    const client = createClient(urlIssuerv1.UrlIssuerServiceService, running.grpcAddress);
    try {
      return await client.listRecordings({ roomId: 'r_hooks', pageSize, pageToken, viewerIdentity });
    } finally {
      client.close();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'rtcroom-hooks-'));
    bus = new InMemoryEventBus();
    events = [];
    bus.subscribe('rtcroom.media.>', (m) => events.push({ subject: m.subject, event: mediaEventv1.MediaEvent.decode(m.data) }));
    const config = loadUrlIssuerConfig({
      RTCROOM_DEV: 'true',
      URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
      URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
      DATABASE_URL: database.url,
      STREAM_ID_KEY: 'hooks-stream-id-key-0123456789',
      MEDIA_SIGNING_KEY: signingKey,
      TENCENT_CALLBACK_KEY: callbackKey,
      MEDIA_RECORD_URL_BASE: 'https://media.example/recordings',
    });
    running = await startUrlIssuer(config, testLogger('url-issuer'), { bus, members });
  });

  afterAll(async () => {
    await running?.stop();
    await bus?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    events.length = 0;
  });

  const exp = () => Math.floor(Date.now() / 1000) + 600;
  const pushFields = (app = 'record', e = exp()) => ({
    app,
    name: 's_alice',
    addr: '10.0.0.7',
    tcurl: `rtmp://127.0.0.1/${app}`,
    exp: String(e),
    sig: signPush(signingKey, app, 's_alice', e),
  });

  it('answers on_publish 200 for a valid push, announcing the stream began; 403 with the reason otherwise', async () => {
    expect(await hook(nginxRtmpHookPaths.onPublish, { call: 'publish', ...pushFields() })).toEqual({ status: 200, text: 'OK' });
    await eventually(() => events.length === 1);
    expect(events[0].subject).toBe('rtcroom.media.r_hooks.stream.began');
    expect(events[0].event).toMatchObject({ roomId: 'r_hooks', identity: 'alice', memberId: 'm_alice', streamId: 's_alice' });
    expect(events[0].event.payload).toEqual({ $case: 'streamBegan', value: { clientAddress: '10.0.0.7', app: 'record' } });

    expect(await hook(nginxRtmpHookPaths.onPublish, { ...pushFields(), sig: '0'.repeat(64) })).toEqual({ status: 403, text: 'BAD_SIGNATURE' });
    expect(await hook(nginxRtmpHookPaths.onPublish, { ...pushFields(), name: 's_unknown' })).toEqual({ status: 403, text: 'BAD_SIGNATURE' });
    expect(events).toHaveLength(1);
  });

  it("keeps nginx's own fields when the stream URL's query repeats them", async () => {
    // nginx-rtmp sends its fields first and the URL's query after: a query naming another app loses.
    const fields = pushFields('live');
    const body = `${new URLSearchParams(fields)}&app=record&name=s_other`;
    expect(await post(nginxRtmpHookPaths.onPublish, body, 'application/x-www-form-urlencoded')).toEqual({ status: 200, text: 'OK' });
  });

  it('announces the end of a push on on_publish_done, even after its URL expired', async () => {
    const expiredAlready = Math.floor(Date.now() / 1000) - 5;
    expect(await hook(nginxRtmpHookPaths.onPublishDone, { call: 'publish_done', ...pushFields('record', expiredAlready) })).toEqual({ status: 200, text: 'OK' });
    await eventually(() => events.length === 1);
    expect(events[0].subject).toBe('rtcroom.media.r_hooks.stream.ended');
    // A forged done changes nothing.
    await hook(nginxRtmpHookPaths.onPublishDone, { ...pushFields(), sig: '1'.repeat(64) });
    expect(events).toHaveLength(1);
  });

  it('keeps a recording once per file, announces it, and lists it (an FLV ffmpeg cannot remux is kept as FLV)', async () => {
    const path = join(dir, 's_alice-1700000000.flv');
    writeFileSync(path, Buffer.alloc(12345));
    const done = { call: 'record_done', recorder: '', path, ...pushFields() };
    expect(await hook(nginxRtmpHookPaths.onRecordDone, done)).toEqual({ status: 200, text: 'OK' });
    expect(await hook(nginxRtmpHookPaths.onRecordDone, done)).toEqual({ status: 200, text: 'OK' });
    await eventually(() => events.length >= 1);
    expect(events.map((e) => e.subject)).toEqual(['rtcroom.media.r_hooks.recording.ready']);
    const announced = events[0].event.payload?.$case === 'recordingReady' ? events[0].event.payload.value.recording : undefined;
    expect(announced).toMatchObject({
      roomId: 'r_hooks',
      identity: 'alice',
      memberId: 'm_alice',
      streamId: 's_alice',
      filePath: path,
      url: 'https://media.example/recordings/s_alice-1700000000.flv',
      format: 'flv',
      sizeBytes: 12345,
      startTime: new Date(1_700_000_000_000),
    });
    const { recordings } = await listRecordings(50);
    expect(recordings.map((r) => r.id)).toEqual([announced!.id]);
    // Listed for a viewer, the url carries that viewer's signature (nginx's secure_link checks it).
    const signed = (await listRecordings(50, '', 'bob')).recordings[0].url;
    expect(signed).toMatch(/^https:\/\/media\.example\/recordings\/s_alice-1700000000\.flv\?viewer=bob&exp=\d+&sig=[A-Za-z0-9_-]{22}$/);
  });

  it('takes Tencent callbacks: checks the sign, acts once per fact, keeps recordings once', async () => {
    const t = Math.floor(Date.now() / 1000) + 600;
    const signed = (fields: Record<string, unknown>) => ({ t, sign: tencentCallbackSign(callbackKey, t), ...fields });
    const began = signed({ event_type: 1, stream_id: '8888_alice', sequence: '99', event_time: Math.floor(Date.now() / 1000) });
    expect(await tencent(began)).toEqual({ status: 200, text: '{"code":0}' });
    expect(await tencent(began)).toEqual({ status: 200, text: '{"code":0}' });
    expect(await tencent({ ...began, sign: tencentCallbackSign('not-the-key', t) })).toEqual({ status: 403, text: '{"code":1,"message":"BAD_SIGN"}' });
    const ready = signed({ event_type: 100, stream_id: '8888_alice', file_id: 'vod-1', video_url: 'https://vod.example/1.mp4', file_format: 'mp4', file_size: 777 });
    expect(await tencent(ready)).toEqual({ status: 200, text: '{"code":0}' });
    expect(await tencent(ready)).toEqual({ status: 200, text: '{"code":0}' });
    await eventually(() => events.length >= 2);
    expect(events.map((e) => [e.subject, e.event.mediaServer])).toEqual([
      ['rtcroom.media.r_hooks.stream.began', 'MEDIA_SERVER_TENCENT'],
      ['rtcroom.media.r_hooks.recording.ready', 'MEDIA_SERVER_TENCENT'],
    ]);
    expect(await post(tencentCallbackPath, '{not json', 'application/json')).toMatchObject({ status: 400 });
  });

  it('pages through recordings with an opaque token', async () => {
    const first = await listRecordings(1);
    expect(first.recordings).toHaveLength(1);
    expect(first.nextPageToken).not.toBe('');
    const second = await listRecordings(1, first.nextPageToken);
    expect(second.recordings).toHaveLength(1);
    expect(second.recordings[0].id).not.toBe(first.recordings[0].id);
    expect(second.nextPageToken).toBe('');
    expect(second.recordings[0]).toMatchObject({ url: 'https://vod.example/1.mp4', mediaFileId: 'vod-1', sizeBytes: 777, format: 'mp4' });
    await expect(listRecordings(1, 'garbage')).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });

  it('answers 404 for what is not a hook', async () => {
    expect((await hook('/v1/nginx-rtmp/on_connect', {})).status).toBe(404);
    expect((await fetch(`http://${running.httpAddress}/healthz`)).status).toBe(200);
  });
});
