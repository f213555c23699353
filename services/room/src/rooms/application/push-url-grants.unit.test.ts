import type { ClientKind, Room } from '../domain/room';
import type { IssuedPushUrl, PushUrlIssuer, PushUrlRequest } from './memberships';
import { PushUrlGrants } from './push-url-grants';

const hour = 3600_000;

/** Signs at once (or fails once when told), remembering what it was asked. */
class FakeIssuer implements PushUrlIssuer {
  calls: Array<{ roomId: string; memberId: string; record: boolean; formats?: string[] }> = [];
  failNext = false;
  constructor(private readonly now: () => number) {}
  async issuePushUrl({ roomId, memberId, record, formats, kind }: PushUrlRequest): Promise<IssuedPushUrl> {
    this.calls.push({ roomId, memberId, record, formats, ...(kind && kind !== 'mini_program' ? { kind } : {}) });
    if (this.failNext) {
      this.failNext = false;
      throw new Error('issuer down');
    }
    return { streamId: `s_${memberId}`, url: `rtmp://x/live/s_${memberId}`, expireTime: new Date(this.now() + 24 * hour), recording: record, webrtcUrl: '', webrtcUnavailable: '' };
  }
}

/** Signs several in one call (IssuePushUrls), remembering each call's member ids. */
class BatchIssuer extends FakeIssuer {
  batches: string[][] = [];
  failBatch = false;
  async issuePushUrls(requests: PushUrlRequest[]): Promise<IssuedPushUrl[]> {
    this.batches.push(requests.map((r) => r.memberId));
    if (this.failBatch) {
      this.failBatch = false;
      throw new Error('issuer down');
    }
    return Promise.all(requests.map((r) => this.issuePushUrl(r)));
  }
}

function room(over: Partial<Room> = {}): Room {
  return {
    id: 'r_1',
    name: 'r',
    kind: 'group',
    displayName: '',
    maxMembers: 6,
    recording: true,
    recordingFormats: ['mp4'],
    emptyTimeoutSeconds: 0,
    departureTimeoutSeconds: 0,
    duplicateIdentity: 'replace',
    state: 'open',
    memberCount: 1,
    seq: 2,
    createdAt: new Date(0),
    closedAt: null,
    closeReason: null,
    everJoined: true,
    autoCloseAt: null,
    ...over,
  } as Room;
}

describe('push URLs signed ahead', () => {
  let clock: number;
  let issuer: FakeIssuer;
  let grants: PushUrlGrants;
  beforeEach(() => {
    clock = 1_000_000;
    issuer = new FakeIssuer(() => clock);
    grants = new PushUrlGrants(issuer, { maxRooms: 2, maxAgeMs: 30_000, maxLifetimeShare: 0.01, maxAhead: 5 }, () => clock);
  });

  it("hands the next join of a room the member id and URL signed after the previous one, with the room's recording", async () => {
    grants.prepare(room());
    expect(issuer.calls).toEqual([{ roomId: 'r_1', memberId: expect.stringMatching(/^m_/), record: true, formats: ['mp4'] }]);
    const { memberId, signing } = grants.take(room());
    expect(memberId).toBe(issuer.calls[0].memberId);
    await expect(signing).resolves.toMatchObject({ streamId: `s_${memberId}` });
    expect(issuer.calls).toHaveLength(1);
    // Used once: the next join signs anew.
    const again = grants.take(room());
    expect(again.memberId).not.toBe(memberId);
    expect(issuer.calls).toHaveLength(2);
  });

  it("signs a browser's URL on the spot, for its kind, and leaves the room's grant to the next join", async () => {
    grants.prepare(room());
    const ahead = issuer.calls[0].memberId;
    const browser = grants.take(room(), 'browser');
    expect(browser.memberId).not.toBe(ahead);
    expect(issuer.calls[1]).toEqual({ roomId: 'r_1', memberId: browser.memberId, record: true, formats: ['mp4'], kind: 'browser' });
    expect(grants.take(room()).memberId).toBe(ahead);
  });

  it('signs nothing ahead for a full or closed room, and keeps one grant per room', () => {
    grants.prepare(room({ memberCount: 6 }));
    grants.prepare(room({ closedAt: new Date() }));
    expect(issuer.calls).toHaveLength(0);
    grants.prepare(room());
    grants.prepare(room());
    expect(issuer.calls).toHaveLength(1);
  });

  it('does not use a grant past its age or its share of the URL lifetime', async () => {
    grants.prepare(room());
    await Promise.resolve();
    clock += 30_001;
    const late = grants.take(room());
    expect(late.memberId).not.toBe(issuer.calls[0].memberId);

    // A URL living a minute: 1% of it is 600 ms.
    const shortLived = new PushUrlGrants(
      { issuePushUrl: async ({ memberId: m, record }) => ({ streamId: `s_${m}`, url: '', expireTime: new Date(clock + 60_000), recording: record, webrtcUrl: '', webrtcUnavailable: '' }) },
      { maxRooms: 10, maxAgeMs: 30_000, maxLifetimeShare: 0.01, maxAhead: 5 },
      () => clock,
    );
    shortLived.prepare(room());
    await new Promise((r) => setImmediate(r));
    clock += 700;
    const first = shortLived.take(room());
    await expect(first.signing).resolves.toMatchObject({ expireTime: new Date(clock + 60_000) });
  });

  it('signs again, for the same member id, when signing ahead failed', async () => {
    issuer.failNext = true;
    grants.prepare(room());
    await new Promise((r) => setImmediate(r));
    const { memberId, signing } = grants.take(room());
    await expect(signing).resolves.toMatchObject({ streamId: `s_${memberId}` });
    expect(issuer.calls.map((c) => c.memberId)).toEqual([memberId, memberId]);
  });

  it('holds grants for a bounded number of rooms, dropping the oldest', () => {
    grants.prepare(room({ id: 'r_1' }));
    grants.prepare(room({ id: 'r_2' }));
    grants.prepare(room({ id: 'r_3' }));
    expect(grants.size).toBe(2);
    expect(grants.take(room({ id: 'r_1' })).memberId).not.toBe(issuer.calls[0].memberId);
    expect(grants.take(room({ id: 'r_3' })).memberId).toBe(issuer.calls[2].memberId);
  });
});

describe('push URLs signed ahead, several in one call', () => {
  let clock: number;
  let issuer: BatchIssuer;
  let grants: PushUrlGrants;
  beforeEach(() => {
    clock = 1_000_000;
    issuer = new BatchIssuer(() => clock);
    grants = new PushUrlGrants(issuer, { maxRooms: 10, maxAgeMs: 30_000, maxLifetimeShare: 0.01, maxAhead: 5 }, () => clock);
  });

  it("signs the room's free seats in one call and hands them to the next joins in order, signing again once they are used up", async () => {
    grants.prepare(room({ memberCount: 1 }));
    expect(issuer.batches).toHaveLength(1);
    const ahead = issuer.batches[0]!;
    expect(ahead).toHaveLength(5);
    for (let joined = 2; joined <= 6; joined++) {
      const { memberId, signing } = grants.take(room({ memberCount: joined - 1 }));
      expect(memberId).toBe(ahead[joined - 2]);
      await expect(signing).resolves.toMatchObject({ streamId: `s_${memberId}`, recording: true });
      grants.prepare(room({ memberCount: joined })); // nothing: grants left, or the room is full
    }
    expect(issuer.batches).toHaveLength(1);
    expect(grants.size).toBe(0);
    // Two leave: the next join finds no grant, and signs its own URL with the seat left after it.
    const next = grants.take(room({ memberCount: 4 }));
    expect(issuer.batches[1]).toEqual([next.memberId, expect.stringMatching(/^m_/)]);
    grants.prepare(room({ memberCount: 5 }));
    expect(issuer.batches).toHaveLength(2);
    expect(grants.take(room({ memberCount: 5 })).memberId).toBe(issuer.batches[1]![1]);
  });

  it("signs a room's first join and the seats after it in one call, so the joins right behind it find theirs", async () => {
    const first = grants.take(room({ memberCount: 0 }));
    expect(issuer.batches).toEqual([[first.memberId, ...Array.from({ length: 5 }, () => expect.stringMatching(/^m_/))]]);
    // The second join comes before the first is seated (and before prepare): its URL is already asked for.
    const second = grants.take(room({ memberCount: 0 }));
    expect(second.memberId).toBe(issuer.batches[0]![1]);
    await expect(Promise.all([first.signing, second.signing])).resolves.toEqual([
      expect.objectContaining({ streamId: `s_${first.memberId}` }),
      expect.objectContaining({ streamId: `s_${second.memberId}` }),
    ]);
    grants.prepare(room({ memberCount: 2 }));
    expect(issuer.batches).toHaveLength(1);
    expect(grants.size).toBe(4);
  });

  it("signs a room about to be made for a join in one call, the first URL for that join; a room not made after all is forgotten", async () => {
    const made = room({ id: 'r_new', memberCount: 0, seq: 0, everJoined: false });
    grants.prepareNew(made);
    expect(issuer.batches).toEqual([Array.from({ length: 6 }, () => expect.stringMatching(/^m_/))]);
    // The room is written meanwhile; its first join takes the first URL, the next joins the rest.
    const first = grants.take(made);
    expect(first.memberId).toBe(issuer.batches[0]![0]);
    await expect(first.signing).resolves.toMatchObject({ streamId: `s_${first.memberId}` });
    expect(grants.take(room({ id: 'r_new', memberCount: 1 })).memberId).toBe(issuer.batches[0]![1]);
    expect(issuer.batches).toHaveLength(1);
    grants.prepareNew(room({ id: 'r_taken', maxMembers: 2, memberCount: 0 }));
    expect(issuer.batches[1]).toHaveLength(2);
    grants.drop('r_taken');
    expect(grants.size).toBe(4);
  });

  it('signs a lone seat on its own, and the last seat of a room with nothing ahead', () => {
    grants.take(room({ maxMembers: 2, memberCount: 1 }));
    expect(issuer.batches).toEqual([]);
    expect(issuer.calls).toHaveLength(1);
  });

  it('signs no more than maxAhead, nor more than the free seats', () => {
    grants.prepare(room({ maxMembers: 50, memberCount: 1 }));
    grants.prepare(room({ id: 'r_2', maxMembers: 3, memberCount: 1 }));
    expect(issuer.batches.map((b) => b.length)).toEqual([5, 2]);
  });

  it('signs each again, for its member id, when the call signing them failed', async () => {
    issuer.failBatch = true;
    grants.prepare(room({ memberCount: 3 }));
    await new Promise((r) => setImmediate(r));
    const first = grants.take(room({ memberCount: 3 }));
    const second = grants.take(room({ memberCount: 4 }));
    await expect(first.signing).resolves.toMatchObject({ streamId: `s_${first.memberId}` });
    await expect(second.signing).resolves.toMatchObject({ streamId: `s_${second.memberId}` });
    expect([first.memberId, second.memberId]).toEqual(issuer.batches[0]!.slice(0, 2));
  });

  it('drops grants gone stale together, and signs the next join anew with the seats after it', async () => {
    grants.prepare(room({ memberCount: 1 }));
    await Promise.resolve();
    clock += 30_001;
    const late = grants.take(room({ memberCount: 1 }));
    expect(issuer.batches[0]).not.toContain(late.memberId);
    expect(issuer.batches[1]![0]).toBe(late.memberId);
    expect(grants.size).toBe(4);
  });
});
