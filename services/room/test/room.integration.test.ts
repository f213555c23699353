// The room service against the real Postgres and NATS, called over gRPC like any internal caller.
import * as grpc from '@grpc/grpc-js';
import { createClient, createLogger, DomainError, EventBus, mediaEventsStream, openEventBus } from '@rtcroom/common';
import { deleteTestConsumers, eventually, testLogger, testNatsUrl } from '@rtcroom/common/testing';
import { mediav1, roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { loadRoomConfig } from '../src/config';
import { startRoomService } from '../src/service';
import { RoomHarness, startRoomHarness } from './support/room-harness';

describe('room service (Postgres + NATS + gRPC)', () => {
  let harness: RoomHarness;
  let client: RoomHarness['client'];
  let bus: EventBus;

  beforeAll(async () => {
    harness = await startRoomHarness();
    client = harness.client;
    bus = await openEventBus(testNatsUrl, 'room-test', [], createLogger({}, 'silent'));
  });

  afterAll(async () => {
    await bus?.close();
    await harness?.stop();
  });

  const group = (name: string, maxMembers = 0): roomv1.Room =>
    roomv1.Room.fromPartial({ name, kind: roomv1.RoomKind.ROOM_KIND_GROUP, maxMembers });

  it('creates a room with the default of six seats and reads it back', async () => {
    const { room } = await client.createRoom({ room: group('lobby'), requestId: '' });
    expect(room?.id).toMatch(/^r_[a-z2-7]{20}$/);
    expect(room?.maxMembers).toBe(6);
    const got = await client.getRoom({ roomId: '', name: 'lobby' });
    expect(got.room?.id).toBe(room?.id);
    expect(got.members).toEqual([]);
    expect(got.seq).toBe(1);
  });

  it('refuses a second open room with the same name, and a retry with the same request_id returns the first', async () => {
    const first = await client.createRoom({ room: group('dup'), requestId: 'req-1' });
    const retry = await client.createRoom({ room: group('dup'), requestId: 'req-1' });
    expect(retry.room?.id).toBe(first.room?.id);
    await expect(client.createRoom({ room: group('dup'), requestId: '' })).rejects.toMatchObject({ reason: 'ALREADY_EXISTS' });
  });

  it('joins two members: each gets a push URL and the member list; events arrive on NATS in seq order', async () => {
    const { room } = await client.createRoom({ room: group('pair'), requestId: '' });
    const seen: roomEventv1.RoomEvent[] = [];
    const sub = bus.subscribe(`rtcroom.room.${room!.id}.>`, (m) => seen.push(roomEventv1.RoomEvent.decode(m.data)));
    await bus.flush();
    const a = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'alice', sessionId: 'sa' }));
    const b = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomName: 'pair', identity: 'bob', sessionId: 'sb' }));
    expect(a.pushUrl?.url).toContain(a.member!.streamId);
    expect(a.members.map((m) => m.identity)).toEqual(['alice']);
    expect(b.members.map((m) => m.identity)).toEqual(['alice', 'bob']);
    expect([a.seq, b.seq]).toEqual([2, 3]);
    await client.setStreamState(roomServicev1.SetStreamStateRequest.fromPartial({ roomId: room!.id, identity: 'alice', publishing: true }));
    await client.leaveRoom(roomServicev1.LeaveRoomRequest.fromPartial({ roomId: room!.id, identity: 'bob' }));
    // seq 1 (room created) may have been published before the subscription began.
    const afterCreate = () => seen.filter((e) => e.seq > 1);
    await eventually(() => afterCreate().length >= 4, 5000, 'four events');
    sub.unsubscribe();
    expect(afterCreate().map((e) => [e.seq, e.payload?.$case])).toEqual([
      [2, 'memberJoined'],
      [3, 'memberJoined'],
      [4, 'streamStarted'],
      [5, 'memberLeft'],
    ]);
    const left = afterCreate()[3].payload;
    expect(left?.$case === 'memberLeft' && left.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_LEFT);
    const snap = await client.getRoom({ roomId: room!.id, name: '' });
    expect(snap.seq).toBe(5);
    expect(snap.members.map((m) => [m.identity, m.state])).toEqual([['alice', roomv1.MemberState.MEMBER_STATE_PUBLISHING]]);
  });

  it("answers a join with the publishing members' play URLs, signed for the new member", async () => {
    const { room } = await client.createRoom({ room: group('viewers'), requestId: '' });
    const join = (identity: string) => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity, sessionId: `s-${identity}` }));
    const a = await join('ann');
    expect(a.playUrls).toEqual([]); // nobody publishes yet
    await client.setStreamState(roomServicev1.SetStreamStateRequest.fromPartial({ roomId: room!.id, identity: 'ann', publishing: true }));
    await join('ben');
    const c = await join('cid');
    expect(c.playUrls.map((u) => [u.streamId, u.viewerIdentity])).toEqual([[a.member!.streamId, 'cid']]);
    // The room's rule, carried to the gateway: which streams each member plays (never its own).
    expect(c.playStreamIds).toEqual([a.member!.streamId]);
    const asAnn = { identity: 'ann', grants: { roomJoin: true } };
    const snap = await client.getRoom(roomServicev1.GetRoomRequest.fromPartial({ roomId: room!.id, principal: asAnn }));
    expect(snap.playStreamIds).toEqual([]);
  });

  it("keeps each member's kind, in the store and its events, and signs its URLs for that kind", async () => {
    const { room } = await client.createRoom({ room: group('kinds'), requestId: '' });
    const { CLIENT_KIND_BROWSER: browser, CLIENT_KIND_MINI_PROGRAM: miniProgram } = mediav1.ClientKind;
    const seen: roomEventv1.RoomEvent[] = [];
    const sub = bus.subscribe(`rtcroom.room.${room!.id}.>`, (m) => seen.push(roomEventv1.RoomEvent.decode(m.data)));
    await bus.flush();
    // A join that says nothing is a mini-program: every client from before kinds.
    const phone = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'phone', sessionId: 's-phone' }));
    expect(phone.member?.kind).toBe(miniProgram);
    expect(phone.pushUrl?.webrtcUrl).toBe('');
    await client.setStreamState(roomServicev1.SetStreamStateRequest.fromPartial({ roomId: room!.id, identity: 'phone', publishing: true }));
    const agent = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'agent', sessionId: 's-agent', kind: browser }));
    expect(agent.member?.kind).toBe(browser);
    expect(agent.pushUrl?.webrtcUrl).toBe(`webrtc://media/push/${agent.member!.streamId}`);
    // The phone's stream, signed for the browser's kind.
    expect(agent.playUrls.map((u) => u.webrtcUrl)).toEqual([`webrtc://media/live/${phone.member!.streamId}?viewer=agent`]);
    expect(agent.members.map((m) => [m.identity, m.kind])).toEqual([['phone', miniProgram], ['agent', browser]]);
    // Read back from the store, and carried in the events (and so in webhooks).
    const snap = await client.getRoom({ roomId: room!.id, name: '' });
    expect(snap.members.map((m) => [m.identity, m.kind])).toEqual([['phone', miniProgram], ['agent', browser]]);
    await eventually(() => seen.some((e) => e.payload?.$case === 'memberJoined' && e.payload.value.member?.identity === 'agent'), 5000, 'the browser join event');
    sub.unsubscribe();
    const joined = seen.find((e) => e.payload?.$case === 'memberJoined' && e.payload.value.member?.identity === 'agent')!;
    expect(joined.payload?.$case === 'memberJoined' && joined.payload.value.member?.kind).toBe(browser);
    // An unknown kind is refused with a clear error, not stored.
    await expect(
      client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'odd', sessionId: 's-odd', kind: 7 as unknown as mediav1.ClientKind })),
    ).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });

  it('makes one room for joins by name that all find it missing at once, without a failed attempt', async () => {
    const before = { ...harness.service.transactions.finished };
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomName: 'rush-by-name', identity: `n${i}`, sessionId: `sn${i}`, createIfMissing: true })),
      ),
    );
    const won = results.filter((r): r is PromiseFulfilledResult<roomServicev1.JoinRoomResponse> => r.status === 'fulfilled');
    expect(new Set(won.map((r) => r.value.room?.id)).size).toBe(1);
    expect(won).toHaveLength(6);
    // One creation and six seats in one statement each (refusals are not counted; the locked count
    // is not asserted: this service closes earlier tests' rooms on its timers meanwhile).
    expect(harness.service.transactions.finished.optimistic - before.optimistic).toBe(7);
  });

  it('holds seats under a race: 50 concurrent joins into a 6-seat room, exactly 6 win, the rest get ROOM_FULL', async () => {
    const { room } = await client.createRoom({ room: group('race', 6), requestId: '' });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: `user-${i}`, sessionId: `s${i}` })),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(6);
    expect(lost).toHaveLength(44);
    for (const r of lost) expect(r.reason).toMatchObject({ reason: 'ROOM_FULL' });
    const snap = await client.getRoom({ roomId: room!.id, name: '' });
    expect(snap.members).toHaveLength(6);
    expect(snap.room?.memberCount).toBe(6);
  });

  it('sends ROOM_FULL as RESOURCE_EXHAUSTED with an ErrorInfo reason', async () => {
    const { room } = await client.createRoom({ room: group('tiny', 1), requestId: '' });
    await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'first', sessionId: 's' }));
    const raw = new (grpc.makeGenericClientConstructor(roomServicev1.RoomServiceService as unknown as grpc.ServiceDefinition, 'r'))(
      harness.service.grpcAddress,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & Record<string, Function>;
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      raw.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'second' }), (e: grpc.ServiceError) => resolve(e)),
    );
    raw.close();
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err.metadata.get('grpc-status-details-bin')).toHaveLength(1);
    expect(err.metadata.get('rtcroom-reason')).toEqual(['ROOM_FULL']);
  });

  it('replaces the old seat when an identity joins again', async () => {
    const { room } = await client.createRoom({ room: group('again'), requestId: '' });
    const first = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'carol', sessionId: 'old' }));
    const second = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'carol', sessionId: 'new' }));
    expect(second.member?.memberId).not.toBe(first.member?.memberId);
    expect(second.member?.streamId).not.toBe(first.member?.streamId);
    expect(second.members.map((m) => m.memberId)).toEqual([second.member?.memberId]);
  });

  it('gives a session that joins a room again the seat it holds there: the same member and stream, a fresh push URL, nothing told', async () => {
    const { room } = await client.createRoom({ room: group('again-same'), requestId: '' });
    const first = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'cara', sessionId: 'kept' }));
    const again = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'cara', sessionId: 'kept' }));
    expect(again.member?.memberId).toBe(first.member?.memberId);
    expect(again.pushUrl?.streamId).toBe(first.pushUrl?.streamId);
    expect(again.seq).toBe(first.seq);
    expect(again.members.map((m) => m.memberId)).toEqual([first.member?.memberId]);
    // Another session of the identity (another tab, another phone) replaces it.
    const elsewhere = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'cara', sessionId: 'other' }));
    expect(elsewhere.member?.memberId).not.toBe(first.member?.memberId);
  });

  it('closes a room: members leave, and the name then gives a new room with a new id', async () => {
    const { room } = await client.createRoom({ room: group('phoenix'), requestId: '' });
    await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'dave', sessionId: 'sd' }));
    const closed = await client.closeRoom({ roomId: room!.id });
    expect(closed.room?.state).toBe(roomv1.RoomState.ROOM_STATE_CLOSED);
    await expect(client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'dave' }))).rejects.toMatchObject({
      reason: 'ROOM_CLOSED',
    });
    const reborn = await client.createRoom({ room: group('phoenix'), requestId: '' });
    expect(reborn.room?.id).not.toBe(room!.id);
    expect((await client.getRoom({ roomId: reborn.room!.id, name: '' })).members).toEqual([]);
  });

  it('a join by name finds out that another instance closed the room it remembered, and makes a new one', async () => {
    const other = await startRoomService(
      loadRoomConfig({
        RTCROOM_DEV: 'true',
        ROOM_GRPC_ADDRESS: '127.0.0.1:0', ROOM_METRICS_ADDRESS: '127.0.0.1:0',
        DATABASE_URL: harness.database.url,
        NATS_URL: testNatsUrl,
        URL_ISSUER_ADDRESS: harness.issuerAddress,
        ROOM_RECORDINGS_CONSUMER: `room-recordings-second-${process.pid}`,
      }),
      testLogger('room-2'),
    );
    const otherClient = createClient(roomServicev1.RoomServiceService, other.grpcAddress);
    const join = (c: typeof client, identity: string) =>
      c.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomName: 'told-twice', identity, sessionId: `s-${identity}`, createIfMissing: true }));
    const first = await join(client, 'ann'); // this instance now remembers the room by name
    await otherClient.closeRoom({ roomId: first.room!.id });
    const second = await join(client, 'bob');
    expect(second.room?.id).not.toBe(first.room?.id);
    expect(second.members.map((m) => m.identity)).toEqual(['bob']);
    otherClient.close();
    await other.stop();
    await deleteTestConsumers(mediaEventsStream.name, [`room-recordings-second-${process.pid}`]);
  });

  it('finds a membership by its stream id, also after it ended', async () => {
    const { room } = await client.createRoom({ room: group('bystream'), requestId: '' });
    const j = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'sam', sessionId: 'ss' }));
    const found = await client.getMember({ streamId: j.member!.streamId, roomId: '', identity: '' });
    expect([found.member?.identity, found.room?.id]).toEqual(['sam', room!.id]);
    await client.leaveRoom(roomServicev1.LeaveRoomRequest.fromPartial({ roomId: room!.id, identity: 'sam' }));
    const after = await client.getMember({ streamId: j.member!.streamId, roomId: '', identity: '' });
    expect(after.member?.state).toBe(roomv1.MemberState.MEMBER_STATE_LEFT);
    await expect(client.getMember({ streamId: 's_unknown', roomId: '', identity: '' })).rejects.toMatchObject({ reason: 'NOT_A_MEMBER' });
  });

  it('leaves every seat of a session with the reason given', async () => {
    const { room } = await client.createRoom({ room: group('sess'), requestId: '' });
    await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'erin', sessionId: 'conn-9' }));
    const { members } = await client.leaveSession({ sessionId: 'conn-9', reason: roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST });
    expect(members.map((m) => [m.identity, m.leaveReason])).toEqual([['erin', roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST]]);
  });

  it("marks a session's seats dropped and back, writing only what changes; back, it gives each room's seq", async () => {
    const { room } = await client.createRoom({ room: group('conn'), requestId: '' });
    await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'fay', sessionId: 'conn-10' }));
    const seqNow = async () => (await client.getRoom({ roomId: room!.id, name: '' })).seq;
    const joined = await seqNow();
    // Back while never dropped (a session a draining gateway handed off): nothing written.
    const unchanged = await client.setSessionConnection({ sessionId: 'conn-10', connected: true });
    expect(unchanged.members.map((m) => [m.identity, m.connectionInterrupted])).toEqual([['fay', false]]);
    expect(unchanged.roomSeqs).toEqual({ [room!.id]: joined });
    expect(await seqNow()).toBe(joined);
    const dropped = await client.setSessionConnection({ sessionId: 'conn-10', connected: false });
    expect(dropped.members.map((m) => m.connectionInterrupted)).toEqual([true]);
    expect(dropped.roomSeqs).toEqual({});
    expect(await seqNow()).toBe(joined + 1);
    const back = await client.setSessionConnection({ sessionId: 'conn-10', connected: true });
    expect(back.members.map((m) => m.connectionInterrupted)).toEqual([false]);
    expect(back.roomSeqs).toEqual({ [room!.id]: joined + 2 });
  });

  it('marks several sessions back in one call: each session\'s seats and their rooms\' seqs, in the order asked', async () => {
    const { room: a } = await client.createRoom({ room: group('conns-a'), requestId: '' });
    const { room: b } = await client.createRoom({ room: group('conns-b'), requestId: '' });
    const join = (roomId: string, identity: string, sessionId: string) => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity, sessionId }));
    await join(a!.id, 'gil', 'conns-1');
    await join(b!.id, 'gil', 'conns-1');
    await join(a!.id, 'hal', 'conns-2');
    await client.setSessionConnection({ sessionId: 'conns-2', connected: false });
    const seqOf = async (roomId: string) => (await client.getRoom({ roomId, name: '' })).seq;
    const res = await client.setSessionsConnection({ sessionIds: ['conns-2', 'conns-none', 'conns-1'], connected: true });
    const [hal, none, gil] = res.sessions;
    expect(hal.members.map((m) => [m.identity, m.roomId, m.connectionInterrupted])).toEqual([['hal', a!.id, false]]);
    expect(none).toEqual({ members: [], roomSeqs: {} });
    expect(gil.members.map((m) => m.roomId).sort()).toEqual([a!.id, b!.id].sort());
    // hal's return was written (seq +1): both sessions carry room a's seq after it.
    expect(hal.roomSeqs).toEqual({ [a!.id]: await seqOf(a!.id) });
    expect(gil.roomSeqs).toEqual({ [a!.id]: await seqOf(a!.id), [b!.id]: await seqOf(b!.id) });
    await expect(client.setSessionsConnection({ sessionIds: ['conns-1', ''], connected: true })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    await expect(client.setSessionsConnection({ sessionIds: Array.from({ length: 1001 }, (_, i) => `s${i}`), connected: true })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });

  it('pages through open rooms', async () => {
    for (let i = 0; i < 5; i++) await client.createRoom({ room: group(`page-${i}`), requestId: '' });
    const names: string[] = [];
    let token = '';
    do {
      const page = await client.listRooms({ pageSize: 2, pageToken: token });
      expect(page.rooms.length).toBeLessThanOrEqual(2);
      names.push(...page.rooms.map((r) => r.name));
      token = page.nextPageToken;
    } while (token);
    expect(names.filter((n) => n.startsWith('page-'))).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
  });

  it.each([
    ['a bad room name', () => client.createRoom({ room: group('bad name!'), requestId: '' }), 'INVALID_ARGUMENT'],
    ['an unknown room', () => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: 'r_nope', identity: 'x' })), 'ROOM_NOT_FOUND'],
    ['leaving a room one is not in', async () => {
      const { room } = await client.createRoom({ room: group(`nm-${Date.now()}`), requestId: '' });
      return client.leaveRoom(roomServicev1.LeaveRoomRequest.fromPartial({ roomId: room!.id, identity: 'ghost' }));
    }, 'NOT_A_MEMBER'],
    ['a forged page token', () => client.listRooms({ pageSize: 2, pageToken: 'garbage' }), 'INVALID_ARGUMENT'],
    ['a join without identity', () => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomName: 'lobby' })), 'INVALID_ARGUMENT'],
  ])('answers %s with a stable reason', async (_what, call, reason) => {
    await expect(call()).rejects.toBeInstanceOf(DomainError);
    await expect(call()).rejects.toMatchObject({ reason });
  });
});
