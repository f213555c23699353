// Media state against the real Postgres and NATS: a member reports its microphone and camera, the
// room's owner or an admin (nobody else) asks it to mute and forbids unmuting, a forbidden unmute is
// refused with MEDIA_FORBIDDEN, the media server's word wins over the client's, an audio-only room
// keeps video off (and asks the URL issuer for audio-only push URLs), and every change is a
// member.media event that webhooks receive.
import { eventually } from '@rtcroom/common/testing';
import { authv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

const principal = (identity: string, g: Partial<authv1.Grants> = {}): authv1.Principal => ({ identity, grants: authv1.Grants.fromPartial({ roomJoin: true, ...g }) });
const CLIENT = roomv1.StreamSource.STREAM_SOURCE_CLIENT;
const MEDIA_SERVER = roomv1.StreamSource.STREAM_SOURCE_MEDIA_SERVER;

describe('media state', () => {
  let harness: RoomHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await startRoomHarness({ ROOM_WEBHOOK_POLL_INTERVAL_MS: '50', ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await harness?.stop();
  });

  /** A room owned by olga (who sits in it) with the others seated after her. */
  async function roomWith(name: string, identities: string[], options: Partial<roomv1.Room> = {}) {
    const { room } = await harness.client.createRoom({ room: roomv1.Room.fromPartial({ name, ...options }), requestId: '', principal: principal('olga', { roomCreate: true }) });
    const joins: roomServicev1.JoinRoomResponse[] = [];
    for (const identity of ['olga', ...identities]) {
      joins.push(await harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity, sessionId: `s-${identity}`, principal: principal(identity) })));
    }
    return { roomId: room!.id, joins };
  }

  const report = (roomId: string, identity: string, media: { audio?: boolean; video?: boolean }, source = CLIENT) =>
    harness.client.setMediaState({ roomId, identity, ...media, source, principal: source === CLIENT ? principal(identity) : undefined });
  const mute = (roomId: string, by: authv1.Principal | undefined, identity: string, tracks: { audio?: boolean; video?: boolean; forbidUnmute?: boolean }) =>
    harness.client.muteMember(roomServicev1.MuteMemberRequest.fromPartial({ roomId, identity, ...tracks, principal: by }));
  const allow = (roomId: string, by: authv1.Principal | undefined, identity: string, tracks: { audio?: boolean; video?: boolean }) =>
    harness.client.allowUnmute(roomServicev1.AllowUnmuteRequest.fromPartial({ roomId, identity, ...tracks, principal: by }));
  const mediaEvents = async (roomId: string) =>
    (await harness.client.listRoomEvents({ roomId, afterSeq: 0, pageSize: 100 })).events.flatMap((e) => (e.payload?.$case === 'memberMediaChanged' ? [e.payload.value] : []));

  it('a seat starts with microphone and camera on; reports change them, as member.media events, and a repeat changes nothing', async () => {
    const { roomId, joins } = await roomWith('media-report', ['ann']);
    expect(joins[1].member!.media).toMatchObject({ audio: { on: true, source: roomv1.MediaSource.MEDIA_SOURCE_INITIAL }, video: { on: true } });
    const first = await report(roomId, 'ann', { audio: false });
    expect(first.changed).toBe(true);
    expect(first.member!.media).toMatchObject({ audio: { on: false, source: roomv1.MediaSource.MEDIA_SOURCE_CLIENT }, video: { on: true } });
    expect((await report(roomId, 'ann', { audio: false })).changed).toBe(false);
    await report(roomId, 'ann', { video: false, audio: true });
    const events = await mediaEvents(roomId);
    expect(events.map((e) => [e.member!.identity, e.reason, e.member!.media!.audio!.on, e.member!.media!.video!.on])).toEqual([
      ['ann', roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_REPORTED, false, true],
      ['ann', roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_REPORTED, true, false],
    ]);
    const { members } = await harness.client.getRoom(roomServicev1.GetRoomRequest.fromPartial({ roomId }));
    expect(members.find((m) => m.identity === 'ann')!.media).toMatchObject({ audio: { on: true }, video: { on: false } });
  });

  it('a member reports only its own state, and only as a client', async () => {
    const { roomId } = await roomWith('media-self', ['ann', 'bob']);
    await expect(harness.client.setMediaState({ roomId, identity: 'ann', audio: false, source: CLIENT, principal: principal('bob') })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await expect(harness.client.setMediaState({ roomId, identity: 'ann', audio: false, source: MEDIA_SERVER, principal: principal('ann') })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await expect(harness.client.setMediaState({ roomId, identity: 'ann', source: CLIENT, principal: principal('ann') })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    await expect(report(roomId, 'zed', { audio: false }, MEDIA_SERVER)).rejects.toMatchObject({ reason: 'NOT_A_MEMBER' });
  });

  it('only the owner or an admin asks to mute or forbids; a forbidden unmute is MEDIA_FORBIDDEN until allowed', async () => {
    const { roomId } = await roomWith('media-mute', ['ann', 'bob']);
    await expect(mute(roomId, principal('bob'), 'ann', { audio: true })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await expect(mute(roomId, principal('olga'), 'ann', {})).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });

    const asked = await mute(roomId, principal('olga'), 'ann', { audio: true, forbidUnmute: true });
    expect(asked.member!.media!.audio).toMatchObject({ on: true, muteRequested: true, forbidden: true, moderatorIdentity: 'olga' });
    // The member's client applies it and says so: the request is met.
    expect((await report(roomId, 'ann', { audio: false })).member!.media!.audio).toMatchObject({ on: false, muteRequested: false, forbidden: true });
    await expect(report(roomId, 'ann', { audio: true })).rejects.toMatchObject({ reason: 'MEDIA_FORBIDDEN' });
    // Its camera is not forbidden.
    expect((await report(roomId, 'ann', { video: false })).changed).toBe(true);

    await expect(allow(roomId, principal('bob'), 'ann', { audio: true })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await allow(roomId, principal('admin', { roomAdmin: true }), 'ann', { audio: true });
    expect((await report(roomId, 'ann', { audio: true })).member!.media!.audio).toMatchObject({ on: true, forbidden: false });

    // An admin (and the operator) ask just as the owner does; a plain request leaves unmuting free.
    await mute(roomId, principal('admin', { roomAdmin: true }), 'bob', { video: true });
    expect((await report(roomId, 'bob', { video: false })).member!.media!.video).toMatchObject({ on: false, muteRequested: false, forbidden: false });
    expect((await report(roomId, 'bob', { video: true })).member!.media!.video!.on).toBe(true);

    const reasons = (await mediaEvents(roomId)).map((e) => e.reason);
    expect(reasons.filter((r) => r === roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_MUTE_REQUESTED)).toHaveLength(2);
    expect(reasons.filter((r) => r === roomv1.MediaChangeReason.MEDIA_CHANGE_REASON_UNMUTE_ALLOWED)).toHaveLength(1);
  });

  it("the media server's word wins: a member asked to mute who keeps pushing audio shows as such", async () => {
    const { roomId } = await roomWith('media-server', ['ann']);
    await mute(roomId, undefined, 'ann', { audio: true, forbidUnmute: true });
    // TRTC says the microphone is on (event 203): never refused, and the request still stands.
    const heard = await report(roomId, 'ann', { audio: true }, MEDIA_SERVER);
    expect(heard.changed).toBe(true);
    expect(heard.member!.media!.audio).toMatchObject({ on: true, source: roomv1.MediaSource.MEDIA_SOURCE_MEDIA_SERVER, muteRequested: true, forbidden: true });
    // The client's word no longer moves that track; it does move the camera, which the media server has not spoken of.
    const claimed = await report(roomId, 'ann', { audio: false });
    expect(claimed.changed).toBe(false);
    expect(claimed.member!.media!.audio!.on).toBe(true);
    // The media server says it went off (204): the request is met.
    expect((await report(roomId, 'ann', { audio: false }, MEDIA_SERVER)).member!.media!.audio).toMatchObject({ on: false, muteRequested: false });
  });

  it('an audio-only room: video starts off, video-on reports are refused, and the URL issuer is asked for audio-only push URLs', async () => {
    const { roomId, joins } = await roomWith('media-audio-only', ['ann'], { audioOnly: true });
    expect(joins[0].room!.audioOnly).toBe(true);
    expect(joins[1].member!.media).toMatchObject({ audio: { on: true }, video: { on: false, forbidden: true } });
    expect(joins[1].pushUrl!.url).toContain('audio_only=1');
    await expect(report(roomId, 'ann', { video: true })).rejects.toMatchObject({ reason: 'MEDIA_FORBIDDEN' });
    await expect(allow(roomId, principal('olga'), 'ann', { video: true })).rejects.toMatchObject({ reason: 'MEDIA_FORBIDDEN' });
    expect((await report(roomId, 'ann', { audio: false })).changed).toBe(true);
    const { room } = await harness.client.getRoom(roomServicev1.GetRoomRequest.fromPartial({ roomId }));
    expect(room!.audioOnly).toBe(true);
  });

  it('webhooks receive member.media', async () => {
    const { webhook } = await harness.webhooks.createWebhook({ url: receiver.url, secret: '' });
    try {
      const { roomId } = await roomWith('media-webhook', ['ann']);
      await mute(roomId, principal('olga'), 'ann', { video: true, forbidUnmute: true });
      const delivered = () => receiver.received.filter((r) => r.roomId === roomId && r.type === 'member.media');
      await eventually(() => delivered().length === 1, 15_000, 'member.media delivered');
      const body = JSON.parse(delivered()[0].body);
      expect(body.event.memberMediaChanged).toMatchObject({
        reason: 'MEDIA_CHANGE_REASON_MUTE_REQUESTED',
        member: { identity: 'ann', media: { video: { on: true, muteRequested: true, forbidden: true, moderatorIdentity: 'olga' } } },
      });
    } finally {
      await harness.webhooks.deleteWebhook({ id: webhook!.id });
    }
  });
});
