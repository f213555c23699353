import { decideSeat, Member, nextStreamState, normalizeNewRoom, Room } from './room';

const policy = { defaultMaxMembers: 6, maxMembersCap: 50 };
const room = (over: Partial<Room> = {}): Room => ({
  id: 'r_1', name: 'demo', kind: 'group', displayName: '', maxMembers: 2, metadata: '', recording: false,
  state: 'open', ownerIdentity: '', memberCount: 0, seq: 1, createdAt: new Date(), closedAt: null, closeReason: null, ...over,
});
const member = (identity: string, over: Partial<Member> = {}): Member => ({
  memberId: `m_${identity}`, roomId: 'r_1', identity, displayName: '', state: 'joined', streamId: 's', sessionId: '',
  joinedAt: new Date(), leftAt: null, leaveReason: null, ...over,
});
const base = { name: 'demo', kind: 'group' as const, displayName: '', maxMembers: 0, metadata: '', recording: false, ownerIdentity: '' };

describe('normalizeNewRoom', () => {
  it('defaults the seat limit to the policy default (6)', () => {
    expect(normalizeNewRoom(base, policy).maxMembers).toBe(6);
  });
  it('gives a call room exactly two seats', () => {
    expect(normalizeNewRoom({ ...base, kind: 'call' }, policy).maxMembers).toBe(2);
    expect(() => normalizeNewRoom({ ...base, kind: 'call', maxMembers: 3 }, policy)).toThrow(/exactly 2/);
  });
  it.each([
    [{ name: '' }, 'room.name'],
    [{ name: 'has space' }, 'room.name'],
    [{ name: 'x'.repeat(65) }, 'room.name'],
    [{ maxMembers: 51 }, 'room.max_members'],
    [{ metadata: 'x'.repeat(4097) }, 'room.metadata'],
    [{ displayName: 'x'.repeat(129) }, 'room.display_name'],
  ])('refuses %p naming %s', (over, field) => {
    expect(() => normalizeNewRoom({ ...base, ...over }, policy)).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT', metadata: { field } }));
  });
});

describe('decideSeat', () => {
  it('seats a newcomer while seats are free', () => {
    expect(decideSeat(room(), [member('a')], 'b')).toEqual({ ok: true, replaces: null });
  });
  it('refuses a newcomer when every seat is taken', () => {
    const d = decideSeat(room(), [member('a'), member('b')], 'c');
    expect(d.ok).toBe(false);
    expect(!d.ok && d.error.reason).toBe('ROOM_FULL');
  });
  it('lets a seated identity back in, replacing its old membership, even when full', () => {
    const a = member('a');
    expect(decideSeat(room(), [a, member('b')], 'a')).toEqual({ ok: true, replaces: a });
  });
  it('refuses a closed room', () => {
    const d = decideSeat(room({ state: 'closed' }), [], 'a');
    expect(!d.ok && d.error.reason).toBe('ROOM_CLOSED');
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
});
