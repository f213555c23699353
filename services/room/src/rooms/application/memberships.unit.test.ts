// Joins and leaves as the use cases make them, on the in-memory store (test/support): seats, the full
// room, departures, and the optimistic way and its fallback when another instance moved the room on.
import { groupRoom, InMemoryRoomService, inMemoryRoomService } from '../../../test/support/in-memory-room-service';
import type { PushUrlRequest } from './memberships';

const topic = (subject: string) => subject.split('.').slice(3).join('.');

describe('memberships (in-memory store)', () => {
  let svc: InMemoryRoomService;
  beforeEach(() => (svc = inMemoryRoomService()));
  afterEach(() => svc.stop());

  const join = (s: InMemoryRoomService, roomId: string, identity: string) =>
    s.members.join({ roomId, identity, displayName: identity, sessionId: `s-${identity}`, createIfMissing: false });
  const eventsOf = (roomId: string) => svc.store.rooms.outbox.filter((e) => e.roomId === roomId && e.seq !== null).map((e) => [e.seq, topic(e.subject)]);

  it('seats members, each join written with its numbered event', async () => {
    const room = await svc.rooms.create(groupRoom('standup', 6), null);
    const ann = await join(svc, room.id, 'ann');
    const ben = await join(svc, room.id, 'ben');
    expect(ann.pushUrl?.streamId).toBe(`s_${ann.member.memberId}`);
    expect(ben.members.map((m) => m.identity)).toEqual(['ann', 'ben']);
    expect(ben.seq).toBe(3);
    expect(eventsOf(room.id)).toEqual([
      [1, 'room.created'],
      [2, 'member.joined'],
      [3, 'member.joined'],
    ]);
    // What was written is handed on (to the relay) in the order written.
    expect(svc.committed.map((e) => e.id)).toEqual(svc.store.rooms.outbox.map((e) => e.id));
    // (Seats taken in the same millisecond come back in member id order, as from Postgres.)
    expect((await svc.store.rooms.seatedMembers(room.id)).map((m) => m.identity).sort()).toEqual(['ann', 'ben']);
  });

  it('takes back the seat its own session holds: the same member, no event, and a browser\'s URL signed for that member only (none opened for a member never seated)', async () => {
    const room = await svc.rooms.create(groupRoom('again', 6), null);
    const asked: string[] = [];
    const sign = svc.issuer.issuePushUrl.bind(svc.issuer);
    jest.spyOn(svc.issuer, 'issuePushUrl').mockImplementation((request: PushUrlRequest) => {
      if (request.kind === 'browser') asked.push(request.memberId); // (a mini-program's are signed ahead for the next seats)
      return sign(request);
    });
    const browser = (sessionId: string) => svc.members.join({ roomId: room.id, identity: 'ann', displayName: 'ann', sessionId, createIfMissing: false, kind: 'browser' });
    const first = await browser('s-1');
    const written = eventsOf(room.id).length;
    const again = await browser('s-1');
    expect(again.member.memberId).toBe(first.member.memberId);
    expect(eventsOf(room.id)).toHaveLength(written);
    expect(asked).toEqual([first.member.memberId, first.member.memberId]);
    // Another session of the identity replaces the seat, as before.
    const elsewhere = await browser('s-2');
    expect(elsewhere.member.memberId).not.toBe(first.member.memberId);
    expect(eventsOf(room.id).slice(written).map(([, t]) => t)).toEqual(['member.left', 'member.joined']);
  });

  it("asks for the push URL of a join that makes its room before the room is written, and uses it", async () => {
    const writtenWhenAsked: boolean[] = [];
    const sign = svc.issuer.issuePushUrl.bind(svc.issuer);
    jest.spyOn(svc.issuer, 'issuePushUrl').mockImplementation((request: PushUrlRequest) => {
      writtenWhenAsked.push(svc.store.rooms.outbox.some((e) => e.roomId === request.roomId));
      return sign(request);
    });
    const ann = await svc.members.join({ name: 'new-room', identity: 'ann', displayName: 'ann', sessionId: 's-ann', createIfMissing: true });
    // Its own URL asked for first, before the room was written (then the next seat's, signed ahead).
    expect(writtenWhenAsked).toEqual([false, true]);
    expect(ann.pushUrl?.streamId).toBe(`s_${ann.member.memberId}`);
    expect(eventsOf(ann.room.id)).toEqual([
      [1, 'room.created'],
      [2, 'member.joined'],
    ]);
    // A room made on its own (CreateRoom) signs nothing until it is joined.
    await svc.rooms.create(groupRoom('later', 6), null);
    expect(writtenWhenAsked).toHaveLength(2);
  });

  it('refuses a seat in a full room and writes nothing; a seated identity coming back keeps its place', async () => {
    const room = await svc.rooms.create(groupRoom('pair', 2), null);
    await join(svc, room.id, 'ann');
    await join(svc, room.id, 'ben');
    const written = svc.store.rooms.outbox.length;
    await expect(join(svc, room.id, 'cid')).rejects.toMatchObject({ reason: 'ROOM_FULL' });
    expect(svc.store.rooms.outbox).toHaveLength(written);
    expect(await svc.store.rooms.seatedMembers(room.id)).toHaveLength(2);
    const again = await join(svc, room.id, 'ann'); // replaces its own seat
    expect(again.members.map((m) => m.identity).sort()).toEqual(['ann', 'ben']);
    expect((await svc.store.rooms.findRoomById(room.id))!.memberCount).toBe(2);
  });

  it('lifts a ban only for its room manager, writes no event, and lets the identity back', async () => {
    const room = await svc.rooms.create(groupRoom('banned', 6), null);
    await svc.members.remove(room.id, 'ann', '', 600);
    await expect(join(svc, room.id, 'ann')).rejects.toMatchObject({ reason: 'BANNED' });
    const stranger = { identity: 'eve', grants: { roomJoin: true } };
    await expect(svc.members.unban(room.id, 'ann', stranger)).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    const written = eventsOf(room.id);
    expect(await svc.members.unban(room.id, 'ann')).toBe(true);
    expect(await svc.members.unban(room.id, 'ann')).toBe(false);
    expect(eventsOf(room.id)).toEqual(written);
    await expect(join(svc, room.id, 'ann')).resolves.toMatchObject({ member: { identity: 'ann' } });
  });

  it('gives a seat up on leave; the last one out starts the departure timeout', async () => {
    const room = await svc.rooms.create(groupRoom('retro', 6), null);
    await join(svc, room.id, 'ann');
    await join(svc, room.id, 'ben');
    expect((await svc.members.leave(room.id, 'ben', 'left')).state).toBe('left');
    expect((await svc.store.rooms.findRoomById(room.id))!.autoCloseAt).toBeNull();
    await svc.members.leave(room.id, 'ann', 'left');
    const empty = (await svc.store.rooms.findRoomById(room.id))!;
    expect(empty.memberCount).toBe(0);
    expect(empty.autoCloseAt!.getTime()).toBeGreaterThan(Date.now());
    expect(eventsOf(room.id).map(([, t]) => t)).toEqual(['room.created', 'member.joined', 'member.joined', 'member.left', 'member.left']);
    await expect(svc.members.leave(room.id, 'ann', 'left')).rejects.toMatchObject({ reason: 'NOT_A_MEMBER' });
  });

  it('decides joins and leaves on the remembered room, each written in one statement', async () => {
    const room = await svc.rooms.create(groupRoom('quick', 6), null);
    const before = { ...svc.tx.finished };
    await join(svc, room.id, 'ann');
    await join(svc, room.id, 'ben');
    await svc.members.leave(room.id, 'ann', 'left');
    expect(svc.tx.finished.optimistic - before.optimistic).toBe(3);
    expect(svc.tx.finished.locked - before.locked).toBe(0);
  });

  it('takes the lock when another instance has moved the room on, and numbers events without a gap', async () => {
    const other = svc.anotherInstance();
    const room = await svc.rooms.create(groupRoom('shared', 6), null);
    await join(svc, room.id, 'ann');
    await join(other, room.id, 'ben'); // this instance's copy of the room is now stale
    const before = { ...svc.tx.finished };
    const cid = await join(svc, room.id, 'cid');
    expect(cid.members.map((m) => m.identity).sort()).toEqual(['ann', 'ben', 'cid']);
    expect(svc.tx.finished.locked - before.locked).toBe(1);
    expect(eventsOf(room.id).map(([seq]) => seq)).toEqual([1, 2, 3, 4]);
    await other.stop();
  });
});
