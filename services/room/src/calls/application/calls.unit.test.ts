// 1:1 calls as the use cases run them, on the in-memory store (test/support): the call follows its
// room (a hook in the same transaction), so a call's room is always changed the locked way.
import { subjects } from '@rtcroom/common';
import { InMemoryRoomService, inMemoryRoomService } from '../../../test/support/in-memory-room-service';
import type { PlaceCallInput } from './calls';

describe('calls (in-memory store)', () => {
  let svc: InMemoryRoomService;
  beforeEach(() => (svc = inMemoryRoomService()));
  afterEach(() => svc.stop());

  const call = (caller: string, callee: string): PlaceCallInput => ({
    callerIdentity: caller,
    callerSessionId: `s-${caller}`,
    calleeIdentity: callee,
    callerDisplayName: caller,
    recording: false,
    metadata: '',
    ringTimeoutSeconds: 0,
  });

  it('rings the callee once the caller pushes, seats it on answer, and closes the room on hang-up', async () => {
    svc.presence.online.add('bob');
    const placed = await svc.calls.place(call('ann', 'bob'));
    expect(placed.call.state).toBe('dialing');
    expect(placed.members.map((m) => m.identity)).toEqual(['ann']);
    // The callee hears nothing while the call dials.
    expect(svc.store.rooms.outbox.some((e) => e.subject === subjects.userCall('bob'))).toBe(false);

    await svc.members.setStreamState(placed.room.id, 'ann', true, 'client');
    expect((await svc.calls.get(placed.call.id)).state).toBe('ringing');
    expect(svc.store.rooms.outbox.some((e) => e.subject === subjects.userCall('bob'))).toBe(true);

    const answered = await svc.calls.answer(placed.call.id, 'bob', 's-bob', true, 'Bob');
    expect(answered.call.state).toBe('active');
    expect(answered.seat!.members.map((m) => m.identity)).toEqual(['ann', 'bob']);

    const ended = await svc.calls.hangUp(placed.call.id, 'bob');
    expect(ended).toMatchObject({ state: 'ended', endReason: 'hung_up' });
    expect((await svc.store.rooms.findRoomById(placed.room.id))!.state).toBe('closed');
    expect(await svc.store.rooms.seatedMembers(placed.room.id)).toEqual([]);
  });

  it('refuses a callee who is not connected, and one already in a call, before making anything', async () => {
    await expect(svc.calls.place(call('ann', 'bob'))).rejects.toMatchObject({ reason: 'CALLEE_OFFLINE' });
    expect(await svc.store.rooms.listOpenRooms(10, null)).toEqual([]);
    svc.presence.online.add('bob');
    await svc.calls.place(call('ann', 'bob'));
    await expect(svc.calls.place(call('cid', 'bob'))).rejects.toMatchObject({ reason: 'CALLEE_BUSY' });
    expect(await svc.store.rooms.listOpenRooms(10, null)).toHaveLength(1);
  });

  it('changes a call room only the locked way: the call is read and written in the same transaction', async () => {
    svc.presence.online.add('bob');
    const before = { ...svc.tx.finished };
    const placed = await svc.calls.place(call('ann', 'bob'));
    await svc.members.setStreamState(placed.room.id, 'ann', true, 'client');
    await svc.calls.answer(placed.call.id, 'bob', 's-bob', true, 'Bob');
    expect(svc.tx.finished.optimistic).toBe(before.optimistic);
    expect(svc.tx.finished.locked - before.locked).toBeGreaterThanOrEqual(4);
  });
});
