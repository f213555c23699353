// Room options over gRPC on the real Postgres and NATS: auto-close timers, owners leaving, duplicate
// identities, kick and ban, profile updates, idempotent joins, catching up on events, incarnations.
import { eventually } from '@rtcroom/common/testing';
import { roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';

const R = roomv1;
let harness: RoomHarness;
let client: RoomHarness['client'];
let n = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

beforeAll(async () => {
  harness = await startRoomHarness({ ROOM_AUTO_CLOSE_INTERVAL_MS: '100' });
  client = harness.client;
});
afterAll(() => harness?.stop());

const create = (over: Partial<roomv1.Room> = {}) => client.createRoom({ room: R.Room.fromPartial({ name: unique('lc'), ...over }), requestId: '' });
const join = (roomId: string, identity: string, over: Partial<roomServicev1.JoinRoomRequest> = {}) =>
  client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity, sessionId: `s-${identity}`, ...over }));
const events = async (roomId: string, afterSeq = 0) => (await client.listRoomEvents({ roomId, afterSeq, pageSize: 100 })).events;
const cases = (evs: roomEventv1.RoomEvent[]) => evs.map((e) => e.payload?.$case);

describe('auto-close timers', () => {
  it('closes a room nobody joined after its empty timeout, with EMPTY_TIMEOUT', async () => {
    const { room } = await create({ emptyTimeoutSeconds: 1 });
    const closed = await eventually(async () => {
      const r = (await client.getRoom({ roomId: room!.id, name: '' })).room!;
      return r.state === R.RoomState.ROOM_STATE_CLOSED && r;
    }, 5000, 'the empty room to close');
    expect(closed.closeReason).toBe(R.CloseReason.CLOSE_REASON_EMPTY_TIMEOUT);
  });

  it('keeps a joined room open, and closes it after the departure timeout once everybody left', async () => {
    const { room } = await create({ emptyTimeoutSeconds: 1, departureTimeoutSeconds: 1 });
    await join(room!.id, 'ann');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await client.getRoom({ roomId: room!.id, name: '' })).room?.state).toBe(R.RoomState.ROOM_STATE_OPEN);
    const lockedBefore = harness.service.transactions.finished.locked;
    await client.leaveRoom({ roomId: room!.id, identity: 'ann', reason: R.LeaveReason.LEAVE_REASON_LEFT });
    const closed = await eventually(async () => {
      const r = (await client.getRoom({ roomId: room!.id, name: '' })).room!;
      return r.state === R.RoomState.ROOM_STATE_CLOSED && r;
    }, 5000, 'the departed room to close');
    expect(closed.closeReason).toBe(R.CloseReason.CLOSE_REASON_DEPARTURE_TIMEOUT);
    // This instance wrote the last leave and remembers the room: the close is one statement, no lock.
    expect(harness.service.transactions.finished.locked).toBe(lockedBefore);
  });

  it('a join inside the departure timeout keeps the room open', async () => {
    const { room } = await create({ departureTimeoutSeconds: 1 });
    await join(room!.id, 'bo');
    await client.leaveRoom({ roomId: room!.id, identity: 'bo', reason: R.LeaveReason.LEAVE_REASON_LEFT });
    await join(room!.id, 'bo');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await client.getRoom({ roomId: room!.id, name: '' })).room?.state).toBe(R.RoomState.ROOM_STATE_OPEN);
  });
});

describe('owners, duplicates, kick and ban', () => {
  it('passes ownership to the longest-seated member when the owner leaves', async () => {
    const { room } = await create({ ownerIdentity: 'owner' });
    await join(room!.id, 'owner');
    await join(room!.id, 'second');
    await join(room!.id, 'third');
    await client.leaveRoom({ roomId: room!.id, identity: 'owner', reason: R.LeaveReason.LEAVE_REASON_LEFT });
    expect((await client.getRoom({ roomId: room!.id, name: '' })).room?.ownerIdentity).toBe('second');
    expect(cases(await events(room!.id)).slice(-2)).toEqual(['memberLeft', 'roomUpdated']);
  });

  it('closes the room when the owner leaves and the room says so', async () => {
    const { room } = await create({ ownerIdentity: 'boss', ownerLeavePolicy: R.OwnerLeavePolicy.OWNER_LEAVE_POLICY_CLOSE_ROOM });
    await join(room!.id, 'boss');
    await join(room!.id, 'guest');
    await client.leaveRoom({ roomId: room!.id, identity: 'boss', reason: R.LeaveReason.LEAVE_REASON_LEFT });
    const snap = await client.getRoom({ roomId: room!.id, name: '' });
    expect([snap.room?.state, snap.room?.closeReason, snap.members.length]).toEqual([
      R.RoomState.ROOM_STATE_CLOSED,
      R.CloseReason.CLOSE_REASON_OWNER_LEFT,
      0,
    ]);
    const left = (await events(room!.id)).filter((e) => e.payload?.$case === 'memberLeft');
    expect(left.map((e) => e.payload?.$case === 'memberLeft' && [e.payload.value.member?.identity, e.payload.value.reason])).toEqual([
      ['boss', R.LeaveReason.LEAVE_REASON_LEFT],
      ['guest', R.LeaveReason.LEAVE_REASON_ROOM_CLOSED],
    ]);
  });

  it('refuses a second session of the same identity when the room refuses duplicates (its own session gets its seat back)', async () => {
    const { room } = await create({ duplicateIdentity: R.DuplicateIdentityPolicy.DUPLICATE_IDENTITY_POLICY_REFUSE });
    await join(room!.id, 'dup', { sessionId: 'first' });
    await expect(join(room!.id, 'dup', { sessionId: 'second' })).rejects.toMatchObject({ reason: 'IDENTITY_IN_USE' });
    expect((await client.getRoom({ roomId: room!.id, name: '' })).members.map((m) => m.identity)).toEqual(['dup']);
    // Its own session joining again is not a second one: the seat back.
    const again = await join(room!.id, 'dup', { sessionId: 'first' });
    expect(again.member?.identity).toBe('dup');
  });

  it('removes a member with a reason and keeps a banned identity out, whatever token it holds', async () => {
    const { room } = await create();
    await join(room!.id, 'troll');
    const removed = await client.removeMember({ roomId: room!.id, identity: 'troll', reasonText: 'spamming', banSeconds: 60 });
    expect(removed.member?.leaveReason).toBe(R.LeaveReason.LEAVE_REASON_REMOVED);
    const last = (await events(room!.id)).pop()!;
    expect(last.payload?.$case === 'memberLeft' && [last.payload.value.reason, last.payload.value.reasonText]).toEqual([
      R.LeaveReason.LEAVE_REASON_REMOVED,
      'spamming',
    ]);
    await expect(join(room!.id, 'troll')).rejects.toMatchObject({ reason: 'BANNED' });
    // Removing without a ban lets the identity back.
    await join(room!.id, 'visitor');
    await client.removeMember({ roomId: room!.id, identity: 'visitor', reasonText: '', banSeconds: 0 });
    await expect(join(room!.id, 'visitor')).resolves.toBeDefined();
  });

  it('lifts a ban: the identity joins again, and lifting it twice changes nothing', async () => {
    const { room } = await create();
    await client.removeMember({ roomId: room!.id, identity: 'forgiven', reasonText: '', banSeconds: 600 });
    await expect(join(room!.id, 'forgiven')).rejects.toMatchObject({ reason: 'BANNED' });
    const seqBefore = (await client.getRoom({ roomId: room!.id, name: '' })).seq;
    expect(await client.unbanMember({ roomId: room!.id, identity: 'forgiven' })).toEqual({ wasBanned: true });
    // Nobody is told: no event.
    expect((await client.getRoom({ roomId: room!.id, name: '' })).seq).toBe(seqBefore);
    expect(await client.unbanMember({ roomId: room!.id, identity: 'forgiven' })).toEqual({ wasBanned: false });
    await expect(join(room!.id, 'forgiven')).resolves.toMatchObject({ member: { identity: 'forgiven' } });
    await expect(client.unbanMember({ roomId: 'r_nosuchroom', identity: 'x' })).rejects.toMatchObject({ reason: 'ROOM_NOT_FOUND' });
    await expect(client.unbanMember({ roomId: room!.id, identity: '' })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });
});

describe('updates, idempotent joins, catching up', () => {
  it('announces room and member updates', async () => {
    const { room } = await create();
    await join(room!.id, 'pat');
    const upd = await client.updateMember({
      roomId: room!.id,
      identity: 'pat',
      member: R.Member.fromPartial({ displayName: 'Pat', avatarUrl: 'https://a/p.png', customData: '{"lang":"zh"}' }),
      updateMask: ['display_name', 'avatar_url', 'custom_data'],
    });
    expect([upd.member?.displayName, upd.member?.avatarUrl, upd.member?.customData]).toEqual(['Pat', 'https://a/p.png', '{"lang":"zh"}']);
    await client.updateRoom({ roomId: room!.id, room: R.Room.fromPartial({ metadata: 'topic: claims' }), updateMask: ['metadata'] });
    expect(cases(await events(room!.id)).slice(-2)).toEqual(['memberUpdated', 'roomUpdated']);
    await expect(client.updateRoom({ roomId: room!.id, room: R.Room.fromPartial({}), updateMask: ['kind'] })).rejects.toMatchObject({
      reason: 'INVALID_ARGUMENT',
    });
    await expect(
      client.updateMember({ roomId: room!.id, identity: 'pat', member: R.Member.fromPartial({ customData: 'x'.repeat(5000) }), updateMask: ['custom_data'] }),
    ).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });

  it('answers a retried join (same request_id) with the membership the first one made', async () => {
    const { room } = await create();
    const [a, b] = await Promise.all([join(room!.id, 'retry', { requestId: 'j-1' }), join(room!.id, 'retry', { requestId: 'j-1' })]);
    expect(a.member?.memberId).toBe(b.member?.memberId);
    const again = await join(room!.id, 'retry', { requestId: 'j-1' });
    expect(again.member?.memberId).toBe(a.member?.memberId);
    expect((await client.getRoom({ roomId: room!.id, name: '' })).members).toHaveLength(1);
  });

  it('lists a room\'s events after a seq, so a consumer that missed some catches up without races', async () => {
    const { room } = await create();
    await join(room!.id, 'x1');
    const snap = await client.getRoom({ roomId: room!.id, name: '' });
    await join(room!.id, 'x2');
    await join(room!.id, 'x3');
    const { events: after, lastSeq } = await client.listRoomEvents({ roomId: room!.id, afterSeq: snap.seq, pageSize: 10 });
    expect(after.map((e) => e.seq)).toEqual([snap.seq + 1, snap.seq + 2]);
    expect(lastSeq).toBe(snap.seq + 2);
    const page = await client.listRoomEvents({ roomId: room!.id, afterSeq: snap.seq, pageSize: 1 });
    expect([page.events.map((e) => e.seq), page.lastSeq]).toEqual([[snap.seq + 1], snap.seq + 2]);
    const none = await client.listRoomEvents({ roomId: room!.id, afterSeq: snap.seq + 2, pageSize: 10 });
    expect([none.events, none.lastSeq]).toEqual([[], snap.seq + 2]);
    await expect(client.listRoomEvents({ roomId: 'r_nosuchroom', afterSeq: 0, pageSize: 10 })).rejects.toMatchObject({ reason: 'ROOM_NOT_FOUND' });
  });

  it('a closed room\'s name gives a new room: new id, no members, events from seq 1', async () => {
    const name = unique('again');
    const { room: old } = await create({ name });
    await join(old!.id, 'ghost');
    await client.closeRoom({ roomId: old!.id });
    const { room: fresh } = await create({ name });
    expect(fresh!.id).not.toBe(old!.id);
    const j = await join(fresh!.id, 'ghost');
    expect(j.members.map((m) => m.identity)).toEqual(['ghost']);
    expect((await events(fresh!.id)).map((e) => e.seq)).toEqual([1, 2]);
    const oldJoin = (await events(old!.id)).find((e) => e.payload?.$case === 'memberJoined')!.payload;
    const oldStream = oldJoin?.$case === 'memberJoined' ? oldJoin.value.member?.streamId : undefined;
    expect(oldStream).toBeTruthy();
    expect(j.member?.streamId).not.toBe(oldStream);
    await expect(join(old!.id, 'late')).rejects.toMatchObject({ reason: 'ROOM_CLOSED' });
  });
});
