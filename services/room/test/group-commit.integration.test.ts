// Group commit (src/rooms/store/group-commit.ts) on the real Postgres: writes waiting behind the ones in
// flight go out together in one statement, each landing only if its room did not move, and a statement
// that fails is taken apart so each write gets its own answer. Then the service under many rooms' races.
import { openDatabase } from '@rtcroom/common';
import { testLogger } from '@rtcroom/common/testing';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import type { RoomDatabase } from '../src/db/database';
import type { Room } from '../src/rooms/domain/room';
import { GroupCommit } from '../src/rooms/store/group-commit';
import { seatedMembers } from '../src/rooms/store/member.repository';
import { findRoomById, roomVersion } from '../src/rooms/store/room.repository';
import { RoomHarness, startRoomHarness } from './support/room-harness';

describe('group commit (Postgres)', () => {
  let harness: RoomHarness;
  let database: Awaited<ReturnType<typeof openDatabase<RoomDatabase>>>;

  beforeAll(async () => {
    harness = await startRoomHarness();
    database = await openDatabase<RoomDatabase>({ url: harness.database.url, poolSize: 4 }, testLogger('group-commit'));
  });

  afterAll(async () => {
    await database?.close();
    await harness?.stop();
  });

  const group = (name: string, maxMembers = 6): roomv1.Room => roomv1.Room.fromPartial({ name, kind: roomv1.RoomKind.ROOM_KIND_GROUP, maxMembers });

  async function roomsNamed(prefix: string, n: number): Promise<Room[]> {
    const rooms: Room[] = [];
    for (let i = 0; i < n; i++) {
      const { room } = await harness.client.createRoom({ room: group(`${prefix}-${i}`), requestId: '' });
      rooms.push((await findRoomById(database.db, room!.id))!);
    }
    return rooms;
  }

  it('sends the writes that waited as one statement; each lands only if its room is where it was read', async () => {
    const rooms = await roomsNamed('gc', 6);
    const versions = await Promise.all(rooms.map((r) => roomVersion(database.db, r.id)));
    const commit = new GroupCommit(database.db, 1);
    // Asked in one go: the first goes alone, the other five wait for it and go together. The third
    // write expects a version its room is not at.
    const saved = await Promise.all(
      rooms.map((room, i) => commit.save({ room: { ...room, metadata: `v${i}` }, expected: i === 2 ? versions[i] + 5 : versions[i], events: [] })),
    );
    expect(saved).toEqual([true, true, false, true, true, true]);
    expect(commit.sent).toEqual({ statements: 2, writes: 6 });
    for (const [i, room] of rooms.entries()) {
      const now = (await findRoomById(database.db, room.id))!;
      expect(now.metadata).toBe(i === 2 ? room.metadata : `v${i}`);
      expect(await roomVersion(database.db, room.id)).toBe(i === 2 ? versions[i] : versions[i] + 1);
    }
  });

  it('takes a failed statement apart: the write a unique key refuses fails alone, the others land', async () => {
    const rooms = await roomsNamed('gc-fail', 4);
    await harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: rooms[3].id, identity: 'seated', sessionId: 's-seated' }));
    const [seated] = await seatedMembers(database.db, rooms[3].id);
    const fresh = await Promise.all(rooms.map((r) => findRoomById(database.db, r.id)));
    const versions = await Promise.all(rooms.map((r) => roomVersion(database.db, r.id)));
    const commit = new GroupCommit(database.db, 1);
    const outcomes = await Promise.allSettled(
      fresh.map((room, i) =>
        commit.save({
          room: { ...room!, metadata: `w${i}` },
          expected: versions[i],
          events: [],
          // The last one inserts a member row that exists already: the whole statement fails.
          member: i === 3 ? { member: { ...seated }, insert: true, joinRequestId: null } : undefined,
        }),
      ),
    );
    expect(outcomes.slice(0, 3)).toEqual([0, 1, 2].map(() => ({ status: 'fulfilled', value: true })));
    expect(outcomes[3]).toMatchObject({ status: 'rejected', reason: { code: '23505' } });
    expect((await findRoomById(database.db, rooms[3].id))!.metadata).toBe(fresh[3]!.metadata);
    expect(await roomVersion(database.db, rooms[3].id)).toBe(versions[3]);
    // Counted as sent: the first alone and the group (whose writes then went one by one).
    expect(commit.sent).toEqual({ statements: 2, writes: 4 });
  });

  it('keeps every room exact when 20 rooms each get 9 joins at once (6 seats each)', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => harness.client.createRoom({ room: group(`gc-race-${i}`), requestId: '' })));
    const before = { ...harness.service.groupCommit };
    const results = await Promise.all(
      created.map(({ room }, r) =>
        Promise.allSettled(
          Array.from({ length: 9 }, (_, i) =>
            harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: `u${r}-${i}`, sessionId: `s${r}-${i}` })),
          ),
        ),
      ),
    );
    for (const [r, settled] of results.entries()) {
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(6);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toMatchObject({ reason: 'ROOM_FULL' });
      const roomId = created[r].room!.id;
      const snap = await harness.client.getRoom({ roomId, name: '' });
      expect(snap.members).toHaveLength(6);
      expect(snap.room?.memberCount).toBe(6);
      const { events } = await harness.client.listRoomEvents({ roomId, afterSeq: 0, pageSize: 100 });
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: Number(snap.seq) }, (_, i) => i + 1));
    }
    expect(harness.service.groupCommit.writes - before.writes).toBeGreaterThanOrEqual(120);
  });
});
