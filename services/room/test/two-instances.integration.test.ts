// Two room-service instances on one store. Each decides the common changes on the room as it last
// saw it and writes only if the room has not moved on; these tests make the other instance move it
// on in between, and check that no write is lost and no decision rests on what is no longer true.
import { AsyncClient, createClient, createLogger, mediaEventsStream, NatsEventBus } from '@rtcroom/common';
import { deleteTestConsumers, eventually, testLogger, testNatsUrl } from '@rtcroom/common/testing';
import { roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { sql } from 'kysely';
import { loadRoomConfig } from '../src/config';
import { RunningRoomService, startRoomService } from '../src/service';
import { RoomHarness, startRoomHarness } from './support/room-harness';

type RoomClient = AsyncClient<typeof roomServicev1.RoomServiceService>;

describe('two room-service instances on one store', () => {
  let harness: RoomHarness;
  let a: RoomClient;
  let other: RunningRoomService;
  let b: RoomClient;

  beforeAll(async () => {
    // The relay reads the store unasked only every 10 minutes here: the other instance's events reach
    // it because that instance tells it (NOTIFY), or not at all.
    harness = await startRoomHarness({ ROOM_OUTBOX_POLL_INTERVAL_MS: '600000' });
    a = harness.client;
    other = await startRoomService(
      loadRoomConfig({
        RTCROOM_DEV: 'true',
        ROOM_GRPC_ADDRESS: '127.0.0.1:0', ROOM_METRICS_ADDRESS: '127.0.0.1:0',
        DATABASE_URL: harness.database.url,
        NATS_URL: testNatsUrl,
        URL_ISSUER_ADDRESS: harness.issuerAddress,
        ROOM_RECORDINGS_CONSUMER: `room-recordings-two-${process.pid}`,
        ROOM_OUTBOX_POLL_INTERVAL_MS: '600000',
      }),
      testLogger('room-2'),
    );
    b = createClient(roomServicev1.RoomServiceService, other.grpcAddress);
  });

  afterAll(async () => {
    b?.close();
    await other?.stop();
    await harness?.stop();
    await deleteTestConsumers(mediaEventsStream.name, [`room-recordings-two-${process.pid}`]);
  });

  const room = async (name: string, maxMembers = 0) =>
    (await a.createRoom({ room: roomv1.Room.fromPartial({ name, kind: roomv1.RoomKind.ROOM_KIND_GROUP, maxMembers }), requestId: '' })).room!;
  const join = (c: RoomClient, roomId: string, identity: string) =>
    c.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity, sessionId: `s-${identity}` }));
  const leave = (c: RoomClient, roomId: string, identity: string) =>
    c.leaveRoom(roomServicev1.LeaveRoomRequest.fromPartial({ roomId, identity, reason: roomv1.LeaveReason.LEAVE_REASON_LEFT }));
  const stream = (c: RoomClient, roomId: string, identity: string, publishing: boolean) =>
    c.setStreamState(roomServicev1.SetStreamStateRequest.fromPartial({ roomId, identity, publishing }));
  const seated = async (roomId: string) => (await a.getRoom({ roomId, name: '' })).members.map((m) => m.identity).sort();

  it('takes the one-statement way for a room it made or has seen, and the locked way for one it has not', async () => {
    const before = { ...harness.service.transactions.finished };
    const r = await room('fast');
    await join(a, r.id, 'p1');
    await join(a, r.id, 'p2');
    await stream(a, r.id, 'p1', true);
    await leave(a, r.id, 'p2');
    const after = { ...harness.service.transactions.finished };
    expect([after.locked - before.locked, after.optimistic - before.optimistic]).toEqual([0, 5]);
    // The other instance has not seen the room: its first change locks it, the next does not.
    await join(b, r.id, 'p3');
    await join(b, r.id, 'p4');
    expect([other.transactions.finished.locked, other.transactions.finished.optimistic]).toEqual([1, 1]);
  });

  it('loses no write when both instances change the same room in turn, and publishes its events in order', async () => {
    const r = await room('turns');
    // The relay is one of the two: the other's events reach NATS through the store, its own directly.
    // (Both instances take turns, so each step waits on the previous one's NOTIFY at most.)
    const bus = await NatsEventBus.connect(testNatsUrl, 'two-instances-reader', [], createLogger({}, 'silent'));
    const published: number[] = [];
    // The room's "created" event (seq 1) goes out as the creation commits, so it may come before or
    // after this subscription: only the nine changes below are counted. The flush makes sure the
    // server holds the subscription before the first of them.
    const sub = bus.connection.subscribe(`rtcroom.room.${r.id}.>`, {
      callback: (_err, msg) => {
        const seq = roomEventv1.RoomEvent.decode(msg.data).seq;
        if (seq > 1) published.push(seq);
      },
    });
    await bus.connection.flush();
    await join(a, r.id, 'u1');
    await join(b, r.id, 'u2');
    await join(a, r.id, 'u3');
    await stream(b, r.id, 'u1', true);
    await stream(a, r.id, 'u2', true);
    await leave(b, r.id, 'u3');
    await join(a, r.id, 'u4');
    await leave(a, r.id, 'u1');
    await join(b, r.id, 'u5');
    const snap = await b.getRoom({ roomId: r.id, name: '' });
    expect(snap.members.map((m) => [m.identity, m.state])).toEqual([
      ['u2', roomv1.MemberState.MEMBER_STATE_PUBLISHING],
      ['u4', roomv1.MemberState.MEMBER_STATE_JOINED],
      ['u5', roomv1.MemberState.MEMBER_STATE_JOINED],
    ]);
    // Created (1), nine changes: one event each, numbered without a gap.
    expect(snap.seq).toBe(10);
    try {
      await eventually(async () => (published.length >= 9 ? true : undefined), 10_000, 'nine events on NATS');
      expect(published).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // And the store knows they went (marked within a poll interval).
      const unmarked = async () =>
        Number((await sql<{ n: string }>`select count(*) as n from room_events where room_id = ${r.id} and published_at is null`.execute(harness.service.db)).rows[0]!.n);
      await eventually(async () => ((await unmarked()) === 0 ? true : undefined), 10_000, 'every event marked published');
    } finally {
      sub.unsubscribe();
      await bus.close();
    }
  });

  it('leaves a member who joined through the other instance (not in what this one remembers)', async () => {
    const r = await room('elsewhere');
    await join(a, r.id, 'v1');
    await join(b, r.id, 'v2');
    await expect(leave(a, r.id, 'v2')).resolves.toMatchObject({ member: { identity: 'v2' } });
    expect(await seated(r.id)).toEqual(['v1']);
  });

  it('seats a member in a room this instance remembers full, once the other instance freed a seat', async () => {
    const r = await room('was-full', 2);
    await join(a, r.id, 'w1');
    await join(a, r.id, 'w2');
    await expect(join(a, r.id, 'w3')).rejects.toMatchObject({ reason: 'ROOM_FULL' });
    await leave(b, r.id, 'w1');
    await expect(join(a, r.id, 'w3')).resolves.toMatchObject({ member: { identity: 'w3' } });
    expect(await seated(r.id)).toEqual(['w2', 'w3']);
  });

  it('refuses an identity banned through the other instance', async () => {
    const r = await room('banned');
    await join(a, r.id, 'x1');
    await join(a, r.id, 'x2');
    await b.removeMember({ roomId: r.id, identity: 'x2', reasonText: 'spam', banSeconds: 600 });
    await expect(join(a, r.id, 'x2')).rejects.toMatchObject({ reason: 'BANNED' });
    // Banned while not seated: nothing else in the room changed, the ban alone moves it on.
    const preBan = await b.removeMember({ roomId: r.id, identity: 'x3', reasonText: '', banSeconds: 600 });
    expect([preBan.member, preBan.bannedUntil instanceof Date]).toEqual([undefined, true]);
    await expect(join(a, r.id, 'x3')).rejects.toMatchObject({ reason: 'BANNED' });
    expect(await seated(r.id)).toEqual(['x1']);
    // Lifted through the other instance: this one, which remembers the ban, admits it again.
    expect(await b.unbanMember({ roomId: r.id, identity: 'x3' })).toEqual({ wasBanned: true });
    await expect(join(a, r.id, 'x3')).resolves.toMatchObject({ member: { identity: 'x3' } });
  });

  it('answers "nothing changed" only if nothing changed elsewhere', async () => {
    const r = await room('no-op');
    await join(a, r.id, 'y1');
    await expect(stream(a, r.id, 'y1', true)).resolves.toMatchObject({ changed: true });
    await expect(stream(b, r.id, 'y1', false)).resolves.toMatchObject({ changed: true });
    // This instance remembers y1 publishing; the store says it stopped.
    await expect(stream(a, r.id, 'y1', true)).resolves.toMatchObject({ changed: true });
    await expect(stream(a, r.id, 'y1', true)).resolves.toMatchObject({ changed: false });
  });

  it('gives each seat of a room once when both instances are asked at the same time', async () => {
    const r = await room('rush', 6);
    await join(a, r.id, 'warm-a');
    await join(b, r.id, 'warm-b');
    const asks = Array.from({ length: 16 }, (_, i) => join(i % 2 ? a : b, r.id, `z${i}`).then(() => 'seated', (e) => e.reason as string));
    const answers = await Promise.all(asks);
    expect(answers.filter((x) => x === 'seated')).toHaveLength(4);
    expect(answers.filter((x) => x !== 'seated').every((x) => x === 'ROOM_FULL')).toBe(true);
    const snap = await a.getRoom({ roomId: r.id, name: '' });
    expect(snap.members).toHaveLength(6);
    // Created, two warm joins, four joins: seven events.
    expect(snap.seq).toBe(7);
  });

  it('joins by name a room the other instance made: the same room, made once', async () => {
    // Each instance tries to make a room it does not know by name, and looks it up when the name is taken.
    const byName = (c: RoomClient, identity: string) =>
      c.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomName: 'by-name', identity, sessionId: `s-${identity}`, createIfMissing: true }));
    const first = await byName(a, 'n1');
    const second = await byName(b, 'n2');
    expect(second.room?.id).toBe(first.room?.id);
    expect(await seated(first.room!.id)).toEqual(['n1', 'n2']);
    const made = await sql<{ n: number }>`select count(*)::int as n from rooms where name = 'by-name'`.execute(harness.service.db);
    expect(made.rows[0]?.n).toBe(1);
  });
});
