// Audiences and promotion to a seat ("连麦") against the real Postgres and NATS: an audience member has
// no seat and no push URL and is not counted in max_members; the audience has its own cap; a seat is
// asked for, offered by the owner, and taken by the member (with its push URL), the seat limit holding
// under a 50-way race; back to the audience at once; every step is a room event, and reaches webhooks.
import { eventually } from '@rtcroom/common/testing';
import { authv1, roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

const { MEMBER_ROLE_AUDIENCE: AUDIENCE, MEMBER_ROLE_SEAT: SEAT } = roomv1.MemberRole;
const principal = (identity: string, g: Partial<authv1.Grants> = {}): authv1.Principal => ({
  identity,
  grants: authv1.Grants.fromPartial({ roomJoin: true, roomCreate: true, ...g }),
});

describe('audiences and promotion to a seat', () => {
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

  const join = (roomId: string, identity: string, role = SEAT, g: Partial<authv1.Grants> = {}) =>
    harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity, sessionId: `s-${identity}`, principal: principal(identity, g), role }));
  const setRole = (roomId: string, identity: string, role: roomv1.MemberRole, by = identity, g: Partial<authv1.Grants> = {}) =>
    harness.client.setMemberRole({ roomId, identity, role, principal: principal(by, g) });
  async function ownedRoom(name: string, options: Partial<roomv1.Room> = {}): Promise<string> {
    const { room } = await harness.client.createRoom({ room: roomv1.Room.fromPartial({ name, ...options }), requestId: '', principal: principal('host') });
    await join(room!.id, 'host');
    return room!.id;
  }
  const eventsOf = async (roomId: string, afterSeq = 0) => (await harness.client.listRoomEvents({ roomId, afterSeq, pageSize: 1000 })).events;

  it('joins the audience without a seat or a push URL, outside max_members, up to max_audience (AUDIENCE_FULL)', async () => {
    const roomId = await ownedRoom('aud-basic', { maxMembers: 2, maxAudience: 3 });
    const viewer = await join(roomId, 'v1', AUDIENCE);
    expect(viewer.pushUrl).toBeUndefined();
    expect(viewer.member).toMatchObject({ identity: 'v1', role: AUDIENCE });
    expect(viewer.room).toMatchObject({ maxMembers: 2, maxAudience: 3, memberCount: 1, audienceCount: 1 });
    await join(roomId, 'seat2'); // the audience does not take the second seat
    await join(roomId, 'v2', AUDIENCE);
    await join(roomId, 'v3', AUDIENCE);
    await expect(join(roomId, 'v4', AUDIENCE)).rejects.toMatchObject({ reason: 'AUDIENCE_FULL' });
    await expect(join(roomId, 'seat3')).rejects.toMatchObject({ reason: 'ROOM_FULL' });
    const snap = await harness.client.getRoom({ roomId, name: '', principal: principal('v1') });
    expect(snap.room).toMatchObject({ memberCount: 2, audienceCount: 3 });
    expect(snap.members.map((m) => [m.identity, m.role])).toEqual([
      ['host', SEAT],
      ['v1', AUDIENCE],
      ['seat2', SEAT],
      ['v2', AUDIENCE],
      ['v3', AUDIENCE],
    ]);
    // Arrivals and departures are events, each with the audience's size.
    await harness.client.leaveRoom({ roomId, identity: 'v2', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT, principal: principal('v2') });
    const events = await eventsOf(roomId);
    const audienceSizes = events.flatMap((e) =>
      (e.payload?.$case === 'memberJoined' || e.payload?.$case === 'memberLeft') && e.payload.value.member?.role === AUDIENCE ? [e.payload.value.audienceCount] : [],
    );
    expect(audienceSizes).toEqual([1, 2, 3, 2]);
  });

  it('a room without max_audience takes 30, like RtcRoom; an audience stream report is not a stream', async () => {
    const roomId = await ownedRoom('aud-default');
    const viewer = await join(roomId, 'quiet', AUDIENCE);
    expect(viewer.room?.maxAudience).toBe(30);
    const report = await harness.client.setStreamState({ roomId, identity: 'quiet', publishing: true, source: roomv1.StreamSource.STREAM_SOURCE_CLIENT });
    expect(report).toMatchObject({ changed: false, member: { state: roomv1.MemberState.MEMBER_STATE_JOINED } });
  });

  it('asks, is invited, takes the seat with its push URL, and goes back to the audience; each step an event', async () => {
    const roomId = await ownedRoom('aud-promote', { maxMembers: 2 });
    const { seq: joinedSeq } = await join(roomId, 'fan', AUDIENCE);
    const asked = await setRole(roomId, 'fan', SEAT);
    expect(asked).toMatchObject({ pending: true, pushUrl: undefined, member: { role: AUDIENCE, seatInvited: false } });
    // Another audience member may not invite, nor move anyone.
    await join(roomId, 'other', AUDIENCE);
    await expect(setRole(roomId, 'fan', SEAT, 'other')).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    const invited = await setRole(roomId, 'fan', SEAT, 'host');
    expect(invited).toMatchObject({ pending: true, member: { role: AUDIENCE, seatInvited: true } });
    const taken = await setRole(roomId, 'fan', SEAT);
    expect(taken.pending).toBe(false);
    expect(taken.member).toMatchObject({ role: SEAT, seatInvited: false });
    expect(taken.pushUrl?.streamId).toBe(taken.member!.streamId);
    const seated = await harness.client.getRoom({ roomId, name: '' });
    expect(seated.room).toMatchObject({ memberCount: 2, audienceCount: 1 });
    // Its stream counts now; back in the audience it does not, and the seat is free again.
    await harness.client.setStreamState({ roomId, identity: 'fan', publishing: true, source: roomv1.StreamSource.STREAM_SOURCE_CLIENT });
    const back = await setRole(roomId, 'fan', AUDIENCE, 'host');
    expect(back.member).toMatchObject({ role: AUDIENCE, state: roomv1.MemberState.MEMBER_STATE_JOINED });
    await join(roomId, 'late'); // the seat it gave back
    const steps = (await eventsOf(roomId, joinedSeq)).map((e) => describe_(e));
    expect(steps).toEqual([
      'seatRequested fan',
      'memberJoined other',
      'seatInvited fan by host',
      'memberRoleChanged fan AUDIENCE->SEAT by fan (audience 1)',
      'streamStarted fan',
      'memberRoleChanged fan SEAT->AUDIENCE by host (audience 2)',
      'memberJoined late',
    ]);
  });

  it('holds the seat limit under a race: 50 invited audience members take 3 free seats at once, exactly 3 win', async () => {
    const roomId = await ownedRoom('aud-race', { maxMembers: 4, maxAudience: 60 });
    const fans = Array.from({ length: 50 }, (_, i) => `fan-${i}`);
    for (const fan of fans) await join(roomId, fan, AUDIENCE);
    for (const fan of fans) await setRole(roomId, fan, SEAT, 'host');
    const results = await Promise.allSettled(fans.map((fan) => setRole(roomId, fan, SEAT)));
    const won = results.filter((r): r is PromiseFulfilledResult<roomServicev1.SetMemberRoleResponse> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(3);
    for (const r of won) expect(r.value.pushUrl?.url).toBeTruthy();
    expect(lost).toHaveLength(47);
    for (const r of lost) expect(r.reason).toMatchObject({ reason: 'ROOM_FULL' });
    const snap = await harness.client.getRoom({ roomId, name: '' });
    expect(snap.members.filter((m) => m.role === SEAT)).toHaveLength(4);
    expect(snap.room).toMatchObject({ memberCount: 4, audienceCount: 47 });
  });

  it('a token that joins only as audience may not take a seat, by join or by promotion', async () => {
    const roomId = await ownedRoom('aud-only');
    await expect(join(roomId, 'watcher', SEAT, { audienceOnly: true })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await join(roomId, 'watcher', AUDIENCE, { audienceOnly: true });
    await setRole(roomId, 'watcher', SEAT, 'host');
    await expect(setRole(roomId, 'watcher', SEAT, 'watcher', { audienceOnly: true })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
  });

  it("a call's room has no audience", async () => {
    const { room } = await harness.client.createRoom({ room: roomv1.Room.fromPartial({ name: 'aud-call', kind: roomv1.RoomKind.ROOM_KIND_CALL }), requestId: '' });
    await expect(join(room!.id, 'peeker', AUDIENCE)).rejects.toMatchObject({ reason: 'FAILED_PRECONDITION' });
  });

  it('a seated owner hands ownership to a seated member before the audience', async () => {
    const roomId = await ownedRoom('aud-owner');
    await join(roomId, 'early', AUDIENCE);
    await join(roomId, 'second');
    await harness.client.leaveRoom({ roomId, identity: 'host', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT, principal: principal('host') });
    const snap = await harness.client.getRoom({ roomId, name: '' });
    expect(snap.room?.ownerIdentity).toBe('second');
  });

  it("keeps media state through 连麦: an audience member reports none, a mute forbidden before the seat holds on it, an audio-only room's video stays off", async () => {
    const roomId = await ownedRoom('aud-media', { audioOnly: true });
    const { member } = await join(roomId, 'guest', AUDIENCE);
    expect(member?.media).toMatchObject({ audio: { on: true }, video: { on: false, forbidden: true } });
    const report = { roomId, identity: 'guest', audio: false, source: roomv1.StreamSource.STREAM_SOURCE_CLIENT, principal: principal('guest') };
    await expect(harness.client.setMediaState(report)).rejects.toMatchObject({ reason: 'FAILED_PRECONDITION' });
    await harness.client.muteMember(roomServicev1.MuteMemberRequest.fromPartial({ roomId, identity: 'guest', audio: true, forbidUnmute: true, principal: principal('host') }));
    await setRole(roomId, 'guest', SEAT, 'host');
    const taken = await setRole(roomId, 'guest', SEAT);
    expect(taken.member).toMatchObject({ role: SEAT, media: { audio: { forbidden: true, moderatorIdentity: 'host' }, video: { on: false, forbidden: true } } });
    // Seated, its reports count: off is taken, on is refused while forbidden.
    expect((await harness.client.setMediaState(report)).changed).toBe(true);
    await expect(harness.client.setMediaState({ ...report, audio: true })).rejects.toMatchObject({ reason: 'MEDIA_FORBIDDEN' });
    // Read back from the store: kind, role and media side by side.
    const stored = (await harness.client.getRoom({ roomId, name: '' })).members.find((m) => m.identity === 'guest');
    expect(stored).toMatchObject({ role: SEAT, seatInvited: false, media: { audio: { on: false, forbidden: true }, video: { on: false } } });
  });

  it('sends the role events to webhooks', async () => {
    const { webhook } = await harness.webhooks.createWebhook({ url: receiver.url, secret: '' });
    const roomId = await ownedRoom('aud-hooks');
    await join(roomId, 'fan', AUDIENCE);
    await setRole(roomId, 'fan', SEAT);
    await setRole(roomId, 'fan', SEAT, 'host');
    await setRole(roomId, 'fan', SEAT);
    await eventually(() => receiver.seqsOf(roomId).length >= 6, 15_000, 'the room events delivered');
    expect(receiver.received.filter((r) => r.roomId === roomId).map((r) => r.type)).toEqual([
      'room.created',
      'member.joined',
      'member.joined',
      'seat.requested',
      'seat.invited',
      'member.role',
    ]);
    const role = receiver.received.find((r) => r.roomId === roomId && r.type === 'member.role')!;
    expect(JSON.parse(role.body).event.memberRoleChanged).toMatchObject({ member: { identity: 'fan', role: 'MEMBER_ROLE_SEAT' }, previousRole: 'MEMBER_ROLE_AUDIENCE' });
    await harness.webhooks.deleteWebhook({ id: webhook!.id });
  });
});

/** One event as a line: what happened to whom. */
function describe_(e: roomEventv1.RoomEvent): string {
  const p = e.payload;
  const role = (r: roomv1.MemberRole) => roomv1.memberRoleToJSON(r).replace('MEMBER_ROLE_', '');
  switch (p?.$case) {
    case 'memberRoleChanged':
      return `memberRoleChanged ${p.value.member?.identity} ${role(p.value.previousRole)}->${role(p.value.member!.role)} by ${p.value.byIdentity} (audience ${p.value.audienceCount})`;
    case 'seatInvited':
      return `seatInvited ${p.value.member?.identity} by ${p.value.byIdentity}`;
    case 'seatRequested':
    case 'memberJoined':
    case 'streamStarted':
      return `${p.$case} ${p.value.member?.identity}`;
    default:
      return p?.$case ?? 'none';
  }
}
