// How RoomTransactions chooses between the optimistic way (decide on the remembered room, write in one
// statement, no transaction) and the locked way (a transaction), on the in-memory store: a hook that
// uses the store says so and gets a transaction; one that does not say so fails loudly instead of
// quietly costing every change a wasted attempt.
import { groupRoom, InMemoryRoomService, inMemoryRoomService } from '../../test/support/in-memory-room-service';

describe('RoomTransactions (in-memory store)', () => {
  let svc: InMemoryRoomService;
  beforeEach(() => (svc = inMemoryRoomService()));
  afterEach(() => svc.stop());

  const join = (roomId: string, identity: string) => svc.members.join({ roomId, identity, displayName: identity, sessionId: `s-${identity}`, createIfMissing: false });

  it('runs changes to a room whose hooks use the store in a transaction, where the hooks read it', async () => {
    const versionsSeen: number[] = [];
    svc.tx.addHook({
      usesStore: (room) => room.kind === 'group',
      react: async (change, room) => {
        versionsSeen.push(await change.store.rooms.roomVersion(room.id));
      },
    });
    const before = { ...svc.tx.finished };
    const room = await svc.rooms.create(groupRoom('hooked', 6), null);
    await join(room.id, 'ann');
    await join(room.id, 'ben');
    expect(svc.tx.finished.optimistic).toBe(before.optimistic);
    expect(svc.tx.finished.locked - before.locked).toBe(3);
    expect(versionsSeen).toEqual([-1, 1, 2]); // before the room's insert, then as each join found it
  });

  it('fails a change whose hook uses the store without saying so, and writes nothing', async () => {
    svc.tx.addHook({
      usesStore: () => false,
      react: async (change, room) => {
        await change.store.calls.findCallByRoom(room.id);
      },
    });
    await expect(svc.rooms.create(groupRoom('undeclared', 6), null)).rejects.toMatchObject({ name: 'UndeclaredStoreUse' });
    expect(svc.store.rooms.outbox).toEqual([]);
    expect(await svc.store.rooms.listOpenRooms(10, null)).toEqual([]);
  });

  it('rolls back what a failed change wrote in its transaction', async () => {
    let refuse = false;
    svc.tx.addHook({
      usesStore: () => false,
      react: async () => {
        if (refuse) throw new Error('a hook refuses');
      },
    });
    const room = await svc.rooms.create(groupRoom('banning', 6), null);
    await join(room.id, 'ann');
    const written = svc.store.rooms.outbox.length;
    // Removing with a ban writes the ban at once, then the removal at commit, where the hook refuses:
    // the ban goes with it.
    refuse = true;
    await expect(svc.members.remove(room.id, 'ann', 'spam', 60)).rejects.toThrow('a hook refuses');
    const locked = (await svc.store.rooms.lockRoomWithSeats(room.id))!;
    expect(locked.bans.has('ann')).toBe(false);
    expect(locked.seated.map((m) => m.identity)).toEqual(['ann']);
    expect(svc.store.rooms.outbox).toHaveLength(written);
    refuse = false;
    await expect(svc.members.remove(room.id, 'ann', 'spam', 60)).resolves.toMatchObject({ member: { identity: 'ann' } });
    expect((await svc.store.rooms.lockRoomWithSeats(room.id))!.bans.has('ann')).toBe(true);
  });
});
