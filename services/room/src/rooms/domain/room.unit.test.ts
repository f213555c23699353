import { afterDeparture, autoCloseReason, decideSeat, Member, nextStreamState, normalizeNewRoom, Room, RoomOptions } from './room';
import { initialMediaState } from './media-state';

const policy = { defaultMaxMembers: 6, maxMembersCap: 50, defaultEmptyTimeoutSeconds: 300, defaultDepartureTimeoutSeconds: 20 };
const now = new Date('2026-11-23T10:00:00Z');
const base: RoomOptions = {
  name: 'demo', kind: 'group', displayName: '', maxMembers: 0, metadata: '', recording: false, ownerIdentity: '',
  ownerRights: 'manage', ownerLeavePolicy: 'transfer', emptyTimeoutSeconds: 0, departureTimeoutSeconds: 0, duplicateIdentity: 'replace',
};
const room = (over: Partial<Room> = {}): Room => ({
  ...base, id: 'r_1', maxMembers: 2, emptyTimeoutSeconds: 300, departureTimeoutSeconds: 20, state: 'open', memberCount: 0, seq: 1,
  createdAt: now, closedAt: null, closeReason: null, everJoined: true, autoCloseAt: null, ...over,
});
const member = (identity: string, over: Partial<Member> = {}): Member => ({
  memberId: `m_${identity}`, roomId: 'r_1', identity, displayName: '', avatarUrl: '', customData: '', connectionInterrupted: false, streamSource: null, media: initialMediaState(false), state: 'joined', streamId: 's',
  sessionId: '', joinedAt: now, leftAt: null, leaveReason: null, kind: 'mini_program', ...over,
});

describe('normalizeNewRoom', () => {
  it('fills in the defaults: 6 seats, 300 s empty timeout, 20 s departure timeout', () => {
    const r = normalizeNewRoom(base, policy);
    expect([r.maxMembers, r.emptyTimeoutSeconds, r.departureTimeoutSeconds]).toEqual([6, 300, 20]);
  });
  it('gives a call room exactly two seats', () => {
    expect(normalizeNewRoom({ ...base, kind: 'call' }, policy).maxMembers).toBe(2);
    expect(normalizeNewRoom({ ...base, kind: 'call', maxMembers: 6 }, policy).maxMembers).toBe(6);
    expect(() => normalizeNewRoom({ ...base, kind: 'call', maxMembers: 7 }, policy)).toThrow(/2 seats/);
  });
  it.each([
    [{ name: '' }, 'room.name'],
    [{ name: 'has space' }, 'room.name'],
    [{ name: 'x'.repeat(65) }, 'room.name'],
    [{ maxMembers: 51 }, 'room.max_members'],
    [{ metadata: 'x'.repeat(4097) }, 'room.metadata'],
    [{ displayName: 'x'.repeat(129) }, 'room.display_name'],
    [{ departureTimeoutSeconds: 8 * 24 * 3600 }, 'room.departure_timeout_seconds'],
  ])('refuses %p naming %s', (over, field) => {
    expect(() => normalizeNewRoom({ ...base, ...over }, policy)).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT', metadata: { field } }));
  });
});

describe('decideSeat', () => {
  it('seats a newcomer while seats are free', () => {
    expect(decideSeat(room(), [member('a')], 'b', null, now)).toEqual({ ok: true, replaces: null });
  });
  it('refuses a newcomer when every seat is taken', () => {
    const d = decideSeat(room(), [member('a'), member('b')], 'c', null, now);
    expect(!d.ok && d.error.reason).toBe('ROOM_FULL');
  });
  it('lets a seated identity back in, replacing its old membership, even when full', () => {
    const a = member('a');
    expect(decideSeat(room(), [a, member('b')], 'a', null, now)).toEqual({ ok: true, replaces: a });
  });
  it('refuses the newcomer instead when the room says so', () => {
    const d = decideSeat(room({ duplicateIdentity: 'refuse' }), [member('a')], 'a', null, now);
    expect(!d.ok && d.error.reason).toBe('IDENTITY_IN_USE');
  });
  it('refuses a banned identity until the ban ends', () => {
    const until = new Date(now.getTime() + 60_000);
    const d = decideSeat(room(), [], 'a', until, now);
    expect(!d.ok && d.error.reason).toBe('BANNED');
    expect(decideSeat(room(), [], 'a', until, new Date(until.getTime() + 1)).ok).toBe(true);
  });
  it('refuses a closed room', () => {
    const d = decideSeat(room({ state: 'closed' }), [], 'a', null, now);
    expect(!d.ok && d.error.reason).toBe('ROOM_CLOSED');
  });
});

describe('afterDeparture', () => {
  it('starts the departure timeout when the last one leaves', () => {
    const out = afterDeparture(room({ ownerIdentity: 'o' }), member('a'), [], now);
    expect(out).toEqual({ close: null, newOwner: null, autoCloseAt: new Date(now.getTime() + 20_000) });
  });
  it('hands ownership to whoever has been in longest', () => {
    const early = member('early', { joinedAt: new Date(now.getTime() - 5000) });
    const late = member('late');
    expect(afterDeparture(room({ ownerIdentity: 'o' }), member('o'), [late, early], now).newOwner).toBe('early');
  });
  it('closes the room when the owner leaves and the room says so', () => {
    expect(afterDeparture(room({ ownerIdentity: 'o', ownerLeavePolicy: 'close_room' }), member('o'), [member('b')], now).close).toBe('owner_left');
  });
  it('says why a room closes by itself', () => {
    expect(autoCloseReason(room({ everJoined: false }))).toBe('empty_timeout');
    expect(autoCloseReason(room({ everJoined: true }))).toBe('departure_timeout');
  });
});

describe('nextStreamState', () => {
  it('moves joined -> publishing -> joined and ignores repeats', () => {
    expect(nextStreamState(member('a'), true)).toBe('publishing');
    expect(nextStreamState(member('a', { state: 'publishing' }), true)).toBeNull();
    expect(nextStreamState(member('a', { state: 'publishing' }), false)).toBe('joined');
    expect(nextStreamState(member('a'), false)).toBeNull();
    expect(nextStreamState(member('a', { state: 'left' }), true)).toBeNull();
  });
  it('lets the media server\'s word win over the client\'s', () => {
    const seen = member('a', { state: 'publishing', streamSource: 'media_server' });
    expect(nextStreamState(seen, false, 'client')).toBeNull();
    expect(nextStreamState(seen, false, 'media_server')).toBe('joined');
    expect(nextStreamState(member('a', { state: 'publishing', streamSource: 'client' }), false, 'client')).toBe('joined');
  });
});
