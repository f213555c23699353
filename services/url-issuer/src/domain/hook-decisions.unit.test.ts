import { decidePlay, decidePublish, HookSettings, identifyPush, PublishRequest } from './hook-decisions';
import type { MemberDirectory, MembershipState, MembershipWithRoom } from './member-directory';
import { relayToken, signPlay, signPush, signStandIn } from './providers/self-hosted';

const settings: HookSettings = { signingKey: 'hook-signing-key-0123456789', app: 'live', recordApp: 'record' };
const now = new Date(1_700_000_000_000);
const exp = 1_700_000_600;

function membership(identity: string, streamId: string, state: MembershipState = 'joined', room: Partial<MembershipWithRoom['room']> = {}): MembershipWithRoom {
  return {
    member: { memberId: `m_${identity}`, identity, roomId: 'r_1', streamId, state },
    room: { roomId: 'r_1', open: true, recording: false, ...room },
  };
}

/** A room service stand-in: memberships by stream, and who is seated. */
function directory(memberships: MembershipWithRoom[], fail = false): MemberDirectory {
  return {
    byStream: async (streamId) => {
      if (fail) throw new Error('UNAVAILABLE: room service');
      return memberships.find((m) => m.member.streamId === streamId) ?? null;
    },
    seated: async (roomId, identity) => {
      if (fail) throw new Error('UNAVAILABLE: room service');
      return memberships.find((m) => m.room.roomId === roomId && m.member.identity === identity && m.member.state !== 'left') ?? null;
    },
  };
}

const push = (streamId: string, app = 'live', e = exp): PublishRequest => ({ app, name: streamId, exp: String(e), sig: signPush(settings.signingKey, app, streamId, e) });
const play = (streamId: string, viewer: string, e = exp) => ({ app: 'live', name: streamId, viewer, exp: String(e), sig: signPlay(settings.signingKey, streamId, viewer, e) });
const reason = async (decision: Promise<{ allowed: boolean; reason?: string }>) => {
  const d = await decision;
  return d.allowed ? 'ALLOWED' : d.reason;
};

describe('on_publish', () => {
  const alice = membership('alice', 's_alice');
  const rooms = directory([alice, membership('gone', 's_gone', 'left'), membership('late', 's_late', 'joined', { open: false })]);

  it('allows a current member of an open room with a valid, unexpired signature', async () => {
    const decision = await decidePublish(settings, rooms, push('s_alice'), now);
    expect(decision).toEqual({ allowed: true, owner: alice, relay: false });
  });

  it.each([
    ['an application rtcroom does not sign for', { ...push('s_alice'), app: 'other' }, 'UNKNOWN_APP'],
    ['no signature', { app: 'live', name: 's_alice', exp: String(exp) }, 'MALFORMED'],
    ['a tampered signature', { ...push('s_alice'), sig: push('s_other').sig }, 'BAD_SIGNATURE'],
    ['a later expiry than signed', { ...push('s_alice'), exp: String(exp + 3600) }, 'BAD_SIGNATURE'],
    ['the live URL pushed to the recording application', { ...push('s_alice'), app: 'record' }, 'BAD_SIGNATURE'],
    ['an expired URL', push('s_alice', 'live', 1_699_999_999), 'EXPIRED'],
    ['a stream no membership owns', push('s_nobody'), 'NO_SUCH_STREAM'],
    ['the URL of a member who left', push('s_gone'), 'MEMBER_LEFT'],
    ['a member of a closed room', push('s_late'), 'ROOM_CLOSED'],
  ])('refuses %s', async (_what, request, expected) => {
    expect(await reason(decidePublish(settings, rooms, request as PublishRequest, now))).toBe(expected);
  });

  it('fails closed when the room service does not answer', async () => {
    expect(await reason(decidePublish(settings, directory([alice], true), push('s_alice'), now))).toBe('LOOKUP_FAILED');
  });

  it("does not look anything up for a URL rtcroom did not sign", async () => {
    const lookups: string[] = [];
    const counting: MemberDirectory = { byStream: async (s) => (lookups.push(s), null), seated: async () => null };
    await decidePublish(settings, counting, { ...push('s_alice'), sig: 'f'.repeat(64) }, now);
    expect(lookups).toEqual([]);
  });
});

describe("nginx's relay from the recording application", () => {
  const token = relayToken(settings.signingKey, 'record', 'live');
  const relay = (name: string, t = token): PublishRequest => ({ app: 'live', name, tcurl: `rtmp://127.0.0.1:1935/live?relay=${t}` });
  const recorded = membership('rita', 's_rita', 'publishing', { recording: true });
  const unrecorded = membership('nora', 's_nora');
  const rooms = directory([recorded, unrecorded, membership('gone', 's_gone', 'left', { recording: true })]);

  it('is allowed for a current member of a recording room, as a relay', async () => {
    expect(await decidePublish(settings, rooms, relay('s_rita'), now)).toEqual({ allowed: true, owner: recorded, relay: true });
  });

  it('is refused with a wrong token, for a room that does not record, or a member who left', async () => {
    expect(await reason(decidePublish(settings, rooms, relay('s_rita', relayToken('another-key-0123456789', 'record', 'live')), now))).toBe('BAD_SIGNATURE');
    expect(await reason(decidePublish(settings, rooms, relay('s_nora'), now))).toBe('ROOM_NOT_RECORDING');
    expect(await reason(decidePublish(settings, rooms, relay('s_gone'), now))).toBe('MEMBER_LEFT');
  });

  it('does not count as the member\'s stream in the done hooks', async () => {
    expect(await identifyPush(settings, rooms, relay('s_rita'), now)).toMatchObject({ owner: null, reason: 'RELAY' });
  });
});

describe('on_play', () => {
  const alice = membership('alice', 's_alice');
  const bob = membership('bob', 's_bob');
  const rooms = directory([alice, bob, membership('gone', 's_gone', 'left')]);

  it('allows a current member of the room with a play URL signed for them', async () => {
    expect(await decidePlay(settings, rooms, play('s_alice', 'bob'), now)).toEqual({ allowed: true, owner: alice, relay: false });
  });

  it.each([
    ['a play URL signed for a non-member', play('s_alice', 'carol'), 'VIEWER_NOT_A_MEMBER'],
    ["another viewer's URL with the viewer changed", { ...play('s_alice', 'bob'), viewer: 'carol' }, 'BAD_SIGNATURE'],
    ['an expired play URL', play('s_alice', 'bob', 1_699_999_000), 'EXPIRED'],
    ['a push signature used to play', { ...play('s_alice', 'bob'), sig: push('s_alice').sig }, 'BAD_SIGNATURE'],
    ['the recording application', { ...play('s_alice', 'bob'), app: 'record' }, 'UNKNOWN_APP'],
    ['the stream of a member who left', play('s_gone', 'bob'), 'MEMBER_LEFT'],
    ['a viewer without a viewer parameter', { ...play('s_alice', 'bob'), viewer: undefined }, 'MALFORMED'],
  ])('refuses %s', async (_what, request, expected) => {
    expect(await reason(decidePlay(settings, rooms, request, now))).toBe(expected);
  });

  describe('a URL signed seatless (a monitoring supervisor, vouched for by the gateway)', () => {
    const seatless = (streamId: string, viewer: string, e = exp) => ({ ...play(streamId, viewer, e), seat: 'none', sig: signPlay(settings.signingKey, streamId, viewer, e, true) });

    it('plays the stream without a seat while its publisher is in the open room', async () => {
      expect(await decidePlay(settings, rooms, seatless('s_alice', 'boss'), now)).toEqual({ allowed: true, owner: alice, relay: false });
    });

    it.each([
      ["a seated viewer's URL claiming no seat", { ...play('s_alice', 'carol'), seat: 'none' }, 'BAD_SIGNATURE'],
      ['a seatless URL without its claim', { ...seatless('s_alice', 'carol'), seat: undefined }, 'BAD_SIGNATURE'],
      ['another seat claim', { ...seatless('s_alice', 'carol'), seat: 'any' }, 'MALFORMED'],
      ['another stream of the room', { ...seatless('s_alice', 'boss'), name: 's_bob' }, 'BAD_SIGNATURE'],
      ['the stream of a member who left', seatless('s_gone', 'boss'), 'MEMBER_LEFT'],
      ['an expired seatless URL', seatless('s_alice', 'boss', 1_699_999_000), 'EXPIRED'],
    ])('refuses %s', async (_what, request, expected) => {
      expect(await reason(decidePlay(settings, rooms, request, now))).toBe(expected);
    });
  });

  it('refuses a viewer who has left, though the URL was signed for them', async () => {
    const afterBobLeft = directory([alice, membership('bob', 's_bob', 'left')]);
    expect(await reason(decidePlay(settings, afterBobLeft, play('s_alice', 'bob'), now))).toBe('VIEWER_NOT_A_MEMBER');
  });
});

describe("a stand-in's stream (a whisper), bound to a room by its URL", () => {
  const agent = membership('agent', 's_agent');
  const rooms = directory([agent]);
  const bound = <T extends { name?: string }>(req: T, roomId = 'r_1') => ({ ...req, room: roomId, standin: signStandIn(settings.signingKey, req.name!, roomId) });

  it('is pushed and played by the seated members of its room, with nobody to be told of it', async () => {
    const published = await decidePublish(settings, rooms, bound(push('s_whisper')), now);
    expect(published).toMatchObject({ allowed: true, standIn: true, owner: { member: { roomId: 'r_1', streamId: 's_whisper' } } });
    expect(await reason(decidePlay(settings, rooms, bound(play('s_whisper', 'agent')), now))).toBe('ALLOWED');
  });

  it.each([
    ['a viewer without a seat in its room', () => decidePlay(settings, rooms, bound(play('s_whisper', 'carol')), now), 'VIEWER_NOT_A_MEMBER'],
    ['a binding to another room', () => decidePlay(settings, rooms, { ...bound(play('s_whisper', 'agent')), room: 'r_2' }, now), 'NO_SUCH_STREAM'],
    ["another stream's binding", () => decidePublish(settings, rooms, { ...push('s_other'), room: 'r_1', standin: bound(push('s_whisper')).standin }, now), 'NO_SUCH_STREAM'],
    ['no binding', () => decidePublish(settings, rooms, push('s_whisper'), now), 'NO_SUCH_STREAM'],
  ])('refuses %s', async (_what, decide, expected) => {
    expect(await reason(decide())).toBe(expected);
  });
});

describe('done hooks', () => {
  const rooms = directory([membership('alice', 's_alice'), membership('gone', 's_gone', 'left')]);

  it('name the owner of a signed push even after its URL expired or its member left', async () => {
    const later = new Date((exp + 60) * 1000);
    expect(await identifyPush(settings, rooms, push('s_alice'), later)).toMatchObject({ owner: { member: { identity: 'alice' } } });
    expect(await identifyPush(settings, rooms, push('s_gone'), now)).toMatchObject({ owner: { member: { identity: 'gone', state: 'left' } } });
  });

  it('name nobody for an unsigned or forged push', async () => {
    expect(await identifyPush(settings, rooms, { app: 'live', name: 's_alice' }, now)).toMatchObject({ owner: null, reason: 'MALFORMED' });
    expect(await identifyPush(settings, rooms, { ...push('s_alice'), name: 's_gone' }, now)).toMatchObject({ owner: null, reason: 'BAD_SIGNATURE' });
  });
});
