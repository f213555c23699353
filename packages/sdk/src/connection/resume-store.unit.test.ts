import type { Welcome } from '../protocol.js';
import { KeptSession, webStorageResumeStore, wxResumeStore } from './resume-store.js';

const memory = () => {
  const kept = new Map<string, string>();
  return { kept, storage: { getItem: (k: string) => kept.get(k) ?? null, setItem: (k: string, v: string) => void kept.set(k, v), removeItem: (k: string) => void kept.delete(k) } };
};
const welcome = (over: Partial<Welcome>): Welcome => ({ sessionId: 'sess', identity: 'kim', pingIntervalMs: 1500, resumeToken: 'rt-1', resumeGraceMs: 20_000, resumed: false, seats: [], ...over }) as Welcome;

describe('KeptSession', () => {
  it('keeps the token and the seats it takes, and hands a seat join key back only to a resumed session holding it', () => {
    const { kept, storage } = memory();
    const first = new KeptSession(webStorageResumeStore(storage));
    expect(first.resumeToken).toBeUndefined();
    first.welcomed(welcome({}));
    first.seated({ id: 'r1', name: 'lobby' }, 'key-1');
    first.seated({ id: 'r2', name: 'desk' }, 'key-2');
    expect(JSON.parse(kept.get('rtcroom.session')!)).toEqual({ resumeToken: 'rt-1', seats: [
      { roomId: 'r1', roomName: 'lobby', joinKey: 'key-1' },
      { roomId: 'r2', roomName: 'desk', joinKey: 'key-2' },
    ] });

    // Reloaded: the new client presents the token; the resumed session still holds r1 only.
    const reloaded = new KeptSession(webStorageResumeStore(storage));
    expect(reloaded.resumeToken).toBe('rt-1');
    expect(reloaded.joinKeyFor({ roomName: 'lobby' })).toBeUndefined(); // not welcomed yet
    reloaded.welcomed(welcome({ resumed: true, resumeToken: 'rt-2', seats: [{ roomId: 'r1', memberId: 'm1', seq: 4, role: 'MEMBER_ROLE_SEAT' }] }));
    expect(reloaded.joinKeyFor({ roomName: 'lobby' })).toBe('key-1');
    expect(reloaded.joinKeyFor({ roomId: 'r1' })).toBe('key-1');
    expect(reloaded.joinKeyFor({ roomName: 'desk' })).toBeUndefined();
    expect(reloaded.resumeToken).toBe('rt-2');
    reloaded.forgetKey('key-1');
    expect(reloaded.joinKeyFor({ roomId: 'r1' })).toBeUndefined();
    reloaded.ended();
    expect(kept.size).toBe(0);
  });

  it('keeps each seat\'s role as it changes, and tells the held seats of a resumed session only', () => {
    const { kept, storage } = memory();
    const first = new KeptSession(webStorageResumeStore(storage));
    first.welcomed(welcome({}));
    first.seated({ id: 'r1', name: 'stage' }, 'key-1', 'seat');
    first.seated({ id: 'r2', name: 'hall' }, 'key-2', 'audience');
    expect(first.heldSeats()).toEqual([]); // not a resumed session: nothing of an earlier client's
    first.roleChanged('r1', 'audience');
    first.roleChanged('r2', 'seat');
    expect(JSON.parse(kept.get('rtcroom.session')!).seats).toEqual([
      { roomId: 'r1', roomName: 'stage', joinKey: 'key-1', as: 'audience' },
      { roomId: 'r2', roomName: 'hall', joinKey: 'key-2' },
    ]);
    const reloaded = new KeptSession(webStorageResumeStore(storage));
    reloaded.welcomed(welcome({ resumed: true, seats: [{ roomId: 'r1', memberId: 'm1', seq: 2, role: 'MEMBER_ROLE_AUDIENCE' }] }));
    expect(reloaded.heldSeats()).toEqual([{ roomId: 'r1', roomName: 'stage', joinKey: 'key-1', as: 'audience' }]);
    // A role this SDK never writes makes the seat unreadable, not a stage seat.
    kept.set('rtcroom.session', JSON.stringify({ resumeToken: 'rt-9', seats: [{ roomId: 'r3', roomName: 'x', joinKey: 'k', as: 'host' }] }));
    expect(webStorageResumeStore(storage).load()).toEqual({ resumeToken: 'rt-9', seats: [] });
  });

  it('starts over when the session was not resumed', () => {
    const { storage } = memory();
    const store = webStorageResumeStore(storage);
    store.save({ resumeToken: 'old', seats: [{ roomId: 'r1', roomName: 'lobby', joinKey: 'k' }] });
    const kept = new KeptSession(store);
    kept.welcomed(welcome({ resumed: false, resumeToken: 'new' }));
    expect(kept.joinKeyFor({ roomName: 'lobby' })).toBeUndefined();
    expect(store.load()).toEqual({ resumeToken: 'new', seats: [] });
  });

  it('keeps nothing without a store', () => {
    const kept = new KeptSession();
    kept.welcomed(welcome({ resumed: true, seats: [{ roomId: 'r1', memberId: 'm1', seq: 1, role: 'MEMBER_ROLE_SEAT' }] }));
    kept.seated({ id: 'r1', name: 'lobby' }, 'k');
    expect(kept.resumeToken).toBeUndefined();
    expect(kept.joinKeyFor({ roomId: 'r1' })).toBeUndefined();
  });
});

describe('the stores', () => {
  it('read nothing from storage they cannot use, or from what another writer left', () => {
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => undefined };
    const store = webStorageResumeStore(broken);
    expect(store.load()).toBeUndefined();
    expect(() => store.save({ resumeToken: 't', seats: [] })).not.toThrow();
    const { storage } = memory();
    storage.setItem('rtcroom.session', '{"resumeToken":5}');
    expect(webStorageResumeStore(storage).load()).toBeUndefined();
    storage.setItem('rtcroom.session', '{"resumeToken":"t","seats":[{"roomId":"r"},{"roomId":"r2","roomName":"n","joinKey":"k"}]}');
    expect(webStorageResumeStore(storage).load()).toEqual({ resumeToken: 't', seats: [{ roomId: 'r2', roomName: 'n', joinKey: 'k' }] });
  });

  it("keep a mini-program's session in wx storage", () => {
    const kept = new Map<string, unknown>();
    const wx = { getStorageSync: (k: string) => kept.get(k) ?? '', setStorageSync: (k: string, v: string) => void kept.set(k, v), removeStorageSync: (k: string) => void kept.delete(k) };
    const store = wxResumeStore(wx);
    store.save({ resumeToken: 't', seats: [] });
    expect(store.load()).toEqual({ resumeToken: 't', seats: [] });
    store.clear();
    expect(store.load()).toBeUndefined();
  });
});
