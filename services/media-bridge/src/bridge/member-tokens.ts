// Each member's Janus token for one room: added (Janus admin API) when the member's first bridge in
// the room opens, removed when its last one closes, so a token works only while its member needs it.
// A token is random and names neither room nor member; what limits it to its room is that rooms and
// mountpoints admit only the tokens (and pins) the bridge gave their own members.
import { randomBytes } from 'node:crypto';
import { KeyedLock } from './keyed-lock';

export interface TokenStore {
  addToken(token: string): Promise<void>;
  removeToken(token: string): Promise<void>;
}

interface Held {
  token: string;
  uses: Set<string>;
}

export class MemberTokens {
  private held = new Map<string, Held>();
  // A member's ingresses and egresses open side by side: its token is added once, removed once.
  private lock = new KeyedLock();

  constructor(private readonly janus: () => TokenStore) {}

  /** The member's token in the room, added to Janus on its first use; `use` names what needs it. */
  acquire(roomId: string, identity: string, use: string): Promise<string> {
    const key = `${roomId}\0${identity}`;
    return this.lock.run(key, async () => {
    let held = this.held.get(key);
    if (!held) {
      const token = randomBytes(24).toString('base64url');
      await this.janus().addToken(token);
      held = { token, uses: new Set() };
      this.held.set(key, held);
    }
    held.uses.add(use);
    return held.token;
    });
  }

  /** Drops one use; the token leaves Janus with the last. */
  release(roomId: string, identity: string, use: string): Promise<void> {
    const key = `${roomId}\0${identity}`;
    return this.lock.run(key, async () => {
    const held = this.held.get(key);
    if (!held) return;
    held.uses.delete(use);
    if (held.uses.size > 0) return;
    this.held.delete(key);
    await this.janus().removeToken(held.token);
    });
  }

  /** What the member's token in the room is held for now. */
  usesOf(roomId: string, identity: string): string[] {
    return [...(this.held.get(`${roomId}\0${identity}`)?.uses ?? [])];
  }

  /** The member's token in the room, if it holds one. */
  tokenOf(roomId: string, identity: string): string | undefined {
    return this.held.get(`${roomId}\0${identity}`)?.token;
  }

  /** Forgets every token without telling Janus (Janus restarted: its tokens are gone already). */
  forgetAll(): void {
    this.held.clear();
  }

  get size(): number {
    return this.held.size;
  }
}
