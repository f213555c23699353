// A session kept across a reload (a page reloaded, a mini-program started again within the server's
// resume grace): its resume token, and the join key of each seat it holds. With a ResumeStore the new
// client resumes the session instead of starting another, and its join of a room it already sits in
// (the app joins as it always does) takes the same seat back: the same membership, a fresh push URL.
// The others then see the member dropped and back, not leave and join again.
import type { Welcome } from '../protocol.js';

export interface SavedSeat {
  roomId: string;
  roomName: string;
  /** The idempotency key of the join that took the seat: the same join again is the same membership. */
  joinKey: string;
  /** Joined as the audience (absent: a seat). */
  as?: 'audience';
}

export interface SavedSession {
  resumeToken: string;
  seats: SavedSeat[];
}

/** Where a client keeps its session: synchronous, as sessionStorage and wx's storage are. */
export interface ResumeStore {
  load(): SavedSession | undefined;
  save(session: SavedSession): void;
  clear(): void;
}

/** What of a Web Storage (sessionStorage, localStorage) a browser's store uses. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A Web Storage: by default the page's sessionStorage, one tab's session, kept across its reloads. */
export function webStorageResumeStore(storage?: WebStorageLike, key = 'rtcroom.session'): ResumeStore {
  const use = () => storage ?? (globalThis as { sessionStorage?: WebStorageLike }).sessionStorage!;
  return {
    load: () => parseSaved(readSafely(() => use().getItem(key))),
    save: (session) => writeSafely(() => use().setItem(key, JSON.stringify(session))),
    clear: () => writeSafely(() => use().removeItem(key)),
  };
}

/** What of wx a mini-program's store uses. */
export interface WxStorageLike {
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, data: string): void;
  removeStorageSync(key: string): void;
}

/** A mini-program's storage (wx.setStorageSync), kept while the mini-program is closed and opened again. */
export function wxResumeStore(wx: WxStorageLike, key = 'rtcroom.session'): ResumeStore {
  return {
    load: () => parseSaved(readSafely(() => wx.getStorageSync(key))),
    save: (session) => writeSafely(() => wx.setStorageSync(key, JSON.stringify(session))),
    clear: () => writeSafely(() => wx.removeStorageSync(key)),
  };
}

/** The client's own view of what it keeps, written through to the store (if any) as it changes. */
export class KeptSession {
  private saved: SavedSession | undefined;
  /** The welcome resumed the saved session: its saved seats are held, and their joins may take them back. */
  private resumed = false;

  constructor(private readonly store?: ResumeStore) {
    this.saved = store?.load();
  }

  /** The saved session's resume token, for a first connect (a reconnect has its own welcome's). */
  get resumeToken(): string | undefined {
    return this.saved?.resumeToken || undefined;
  }

  /** A socket was welcomed: keep its token; the saved seats stay only where the session was resumed and holds them. */
  welcomed(welcome: Welcome): void {
    if (!this.store) return;
    const held = new Set(welcome.resumed ? welcome.seats.map((s) => s.roomId) : []);
    this.resumed = welcome.resumed;
    this.put({ resumeToken: welcome.resumeToken, seats: (this.saved?.seats ?? []).filter((s) => held.has(s.roomId)) });
  }

  /** The join key that takes a seat of the resumed session back, if the join names one of its rooms. */
  joinKeyFor(ref: { roomId?: string; roomName?: string }): string | undefined {
    if (!this.resumed) return undefined;
    return this.saved?.seats.find((s) => (ref.roomId ? s.roomId === ref.roomId : ref.roomName !== undefined && s.roomName === ref.roomName))?.joinKey;
  }

  /** The saved seats the resumed session holds that no join has taken back yet (none when it did not resume). */
  heldSeats(): SavedSeat[] {
    return this.resumed ? [...(this.saved?.seats ?? [])] : [];
  }

  seated(room: { id: string; name: string }, joinKey: string, as?: 'seat' | 'audience'): void {
    if (!this.store || !this.saved) return;
    const seats = this.saved.seats.filter((s) => s.roomId !== room.id);
    this.put({ ...this.saved, seats: [...seats, { roomId: room.id, roomName: room.name, joinKey, ...(as === 'audience' ? { as } : {}) }] });
  }

  /** The seat's role changed (promoted, or back in the audience): its join again asks for the new one. */
  roleChanged(roomId: string, as: 'seat' | 'audience'): void {
    const seat = this.saved?.seats.find((s) => s.roomId === roomId);
    if (!this.store || !this.saved || !seat || (seat.as ?? 'seat') === as) return;
    this.put({ ...this.saved, seats: this.saved.seats.map((s) => (s === seat ? { roomId: s.roomId, roomName: s.roomName, joinKey: s.joinKey, ...(as === 'audience' ? { as } : {}) } : s)) });
  }

  unseated(roomId: string): void {
    if (!this.store || !this.saved?.seats.some((s) => s.roomId === roomId)) return;
    this.put({ ...this.saved, seats: this.saved.seats.filter((s) => s.roomId !== roomId) });
  }

  /** The seat a join key took has ended (the server said so): not taken back with it. */
  forgetKey(joinKey: string): void {
    const seat = this.saved?.seats.find((s) => s.joinKey === joinKey);
    if (seat) this.unseated(seat.roomId);
  }

  /** The session ended (the app closed the client): nothing to resume. */
  ended(): void {
    this.saved = undefined;
    this.resumed = false;
    this.store?.clear();
  }

  private put(session: SavedSession): void {
    this.saved = session;
    this.store?.save(session);
  }
}

function readSafely(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return undefined; // storage disabled (a private window) or full: nothing kept
  }
}

function writeSafely(write: () => void): void {
  try {
    write();
  } catch {
    // as above: the session is then not kept across a reload, and nothing else changes
  }
}

/** A stored session as this SDK wrote it, or undefined for anything else (another version's, a user's edit). */
function parseSaved(raw: unknown): SavedSession | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const v = value as Partial<SavedSession> | null;
  if (!v || typeof v.resumeToken !== 'string' || !Array.isArray(v.seats)) return undefined;
  const seats = v.seats.filter(
    (s): s is SavedSeat =>
      !!s && typeof s === 'object' && typeof s.roomId === 'string' && typeof s.roomName === 'string' && typeof s.joinKey === 'string' && (s.as === undefined || s.as === 'audience'),
  );
  return { resumeToken: v.resumeToken, seats };
}
