import { testLogger } from '@rtcroom/common/testing';
import { roomv1 } from '@rtcroom/proto';
import { PresenceApp, RoomPort } from './presence-app';
import { Session } from './domain/session';
import { InMemorySessionStore } from './store/session-store';

const policy = { sessionTimeoutMs: 5000, resumeGraceMs: 20_000 };

describe('the sweep', () => {
  it('judges each session as it is when reached, not as listed: one resumed elsewhere meanwhile stays connected there, heard as back last', async () => {
    const store = new InMemorySessionStore();
    let now = new Date(0);
    const told: string[] = [];
    let app!: PresenceApp;
    // Telling the rooms of the first drop takes a while; the second session resumes on g2 meanwhile
    // (its gateway was draining and handed it off).
    const rooms: RoomPort = {
      leaveSession: async () => 0,
      setStreamState: async () => false,
      setSessionConnection: async (sessionId, connected) => {
        told.push(`${sessionId} ${connected ? 'back' : 'dropped'}`);
        if (sessionId === 's1' && !connected) await app.resume('s2', 'bob', 'g2');
        return { members: [] as roomv1.Member[], roomSeqs: {} };
      },
    };
    app = new PresenceApp(store, rooms, testLogger('presence'), policy, () => now);
    await app.open('s1', 'alice', 'g1');
    await app.open('s2', 'bob', 'g1');
    await store.touchGateway('g1', new Date(0));
    await store.touchGateway('g2', new Date(6000));
    now = new Date(6000); // g1 silent for longer than the timeout
    await app.sweep();
    expect(await store.get('s2')).toMatchObject({ gatewayId: 'g2', state: 'connected' });
    expect(await store.get('s1')).toMatchObject({ gatewayId: 'g1', state: 'interrupted' });
    // The sweep handles sessions together: s2 may have been judged (and told dropped) before its
    // resume, but the rooms hear "back" last.
    expect(told[0]).toBe('s1 dropped');
    expect(told.filter((t) => t.startsWith('s2')).at(-1)).toBe('s2 back');
  });

  it("handles a silent gateway's sessions together, not one after another", async () => {
    const store = new InMemorySessionStore();
    let now = new Date(0);
    let inFlight = 0;
    let most = 0;
    const rooms: RoomPort = {
      leaveSession: async () => 0,
      setStreamState: async () => false,
      setSessionConnection: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { members: [] as roomv1.Member[], roomSeqs: {} };
      },
    };
    const app = new PresenceApp(store, rooms, testLogger('presence'), policy, () => now);
    for (let i = 0; i < 100; i++) await app.open(`s${i}`, `u${i}`, 'g1');
    await store.touchGateway('g1', new Date(0));
    now = new Date(6000);
    await app.sweep();
    expect((await store.all()).every((x) => x.state === 'interrupted')).toBe(true);
    expect(most).toBe(64);
  });
});

describe('the sweep timer', () => {
  it('skips its ticks while a sweep is under way rather than queueing them behind it', async () => {
    jest.useFakeTimers();
    try {
      const rooms: RoomPort = { leaveSession: async () => 0, setStreamState: async () => false, setSessionConnection: async () => ({ members: [], roomSeqs: {} }) };
      const app = new PresenceApp(new InMemorySessionStore(), rooms, testLogger('presence'), policy, () => new Date(0));
      let finish!: () => void;
      const sweep = jest.spyOn(app, 'sweep').mockImplementation(() => new Promise<void>((r) => (finish = r)));
      app.start(100);
      await jest.advanceTimersByTimeAsync(1000);
      expect(sweep).toHaveBeenCalledTimes(1);
      finish();
      await jest.advanceTimersByTimeAsync(100);
      expect(sweep).toHaveBeenCalledTimes(2);
      finish();
      await app.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('a resume crossing an interrupt', () => {
  /** A store where `meanwhile` runs once, just before the first replace: another instance's write landing. */
  class RacedStore extends InMemorySessionStore {
    meanwhile: (() => Promise<void>) | undefined;
    override async replace(s: Session, basis: Session): Promise<boolean> {
      const run = this.meanwhile;
      this.meanwhile = undefined;
      await run?.();
      return super.replace(s, basis);
    }
  }
  const setup = () => {
    const store = new RacedStore();
    let now = new Date(0);
    const heard: string[] = [];
    const rooms: RoomPort & { beforeDropLands?: () => Promise<void> } = {
      leaveSession: async () => 0,
      setStreamState: async () => false,
      // What the rooms heard, in the order each call landed.
      setSessionConnection: async (sessionId, connected) => {
        if (!connected) {
          const run = rooms.beforeDropLands;
          rooms.beforeDropLands = undefined;
          await run?.();
        }
        heard.push(`${sessionId} ${connected ? 'back' : 'dropped'}`);
        return { members: [] as roomv1.Member[], roomSeqs: {} };
      },
    };
    const app = new PresenceApp(store, rooms, testLogger('presence'), policy, () => now);
    return { store, rooms, heard, app, at: (ms: number) => (now = new Date(ms)) };
  };

  it('the rooms hear "back" last when the resume\'s "back" lands before the interrupt\'s "dropped"', async () => {
    const { store, rooms, heard, app, at } = setup();
    await app.open('s1', 'alice', 'g1');
    await store.touchGateway('g1', new Date(0));
    at(6000);
    rooms.beforeDropLands = async () => void (await app.resume('s1', 'alice', 'g2'));
    await app.sweep();
    expect(await store.get('s1')).toMatchObject({ gatewayId: 'g2', state: 'connected' });
    expect(heard).toEqual(['s1 back', 's1 dropped', 's1 back']);
  });

  it('a session ended meanwhile is not brought back: SESSION_NOT_FOUND, and the rooms hear nothing', async () => {
    const { store, heard, app } = setup();
    await app.open('s1', 'alice', 'g1');
    store.meanwhile = () => store.delete('s1');
    await expect(app.resume('s1', 'alice', 'g2')).rejects.toMatchObject({ reason: 'SESSION_NOT_FOUND' });
    expect(await store.get('s1')).toBeUndefined();
    expect(heard).toEqual([]);
  });

  it('a resume whose caller gave up (its deadline passed while it waited) moves nothing', async () => {
    const { store, heard, app } = setup();
    await app.open('s1', 'alice', 'g1');
    await expect(app.resume('s1', 'alice', 'g2', { cancelled: true })).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    expect(await store.get('s1')).toMatchObject({ gatewayId: 'g1', state: 'connected' });
    expect(heard).toEqual([]);
  });

  it('a session another instance changed meanwhile is judged again and resumed over its new copy', async () => {
    const { store, heard, app } = setup();
    await app.open('s1', 'alice', 'g1');
    store.meanwhile = async () => store.put({ ...(await store.get('s1'))!, state: 'interrupted', interruptedAt: new Date(0) });
    const { session } = await app.resume('s1', 'alice', 'g2');
    expect(session).toMatchObject({ gatewayId: 'g2', state: 'connected', interruptedAt: null });
    expect(await store.get('s1')).toEqual(session);
    expect(heard).toEqual(['s1 back']);
  });
});

describe("a gateway's full keepalive list", () => {
  it('drops the sessions counted as connected there that it does not name, once past the session timeout', async () => {
    const store = new InMemorySessionStore();
    let now = new Date(0);
    const heard: string[] = [];
    const rooms: RoomPort = {
      leaveSession: async () => 0,
      setStreamState: async () => false,
      setSessionConnection: async (sessionId, connected) => {
        heard.push(`${sessionId} ${connected ? 'back' : 'dropped'}`);
        return { members: [], roomSeqs: {} };
      },
    };
    const app = new PresenceApp(store, rooms, testLogger('presence'), policy, () => now);
    await app.open('held', 'ann', 'g1');
    await app.open('ghost', 'bob', 'g1'); // g1 holds no connection for it
    await app.open('elsewhere', 'cy', 'g2');
    // A heartbeat names none and says so: nothing is judged.
    now = new Date(6000);
    await app.keepAlive('g1', [], false);
    expect(heard).toEqual([]);
    now = new Date(7000);
    await app.open('opening', 'dee', 'g1'); // connected 1 s ago: its connection may be opening still
    await app.keepAlive('g1', ['held'], true);
    expect(heard).toEqual(['ghost dropped']);
    expect(await store.get('ghost')).toMatchObject({ state: 'interrupted' });
    expect((await store.all()).filter((x) => x.state === 'connected').map((x) => x.sessionId).sort()).toEqual(['elsewhere', 'held', 'opening']);
    // Judged at most once a session timeout per gateway.
    now = new Date(9000);
    await app.keepAlive('g1', ['held'], true);
    expect(heard).toEqual(['ghost dropped']);
    now = new Date(12_000);
    await app.keepAlive('g1', ['held'], true);
    expect(heard).toEqual(['ghost dropped', 'opening dropped']);
  });
});

describe('otherGatewaysAlive', () => {
  it('counts the other gateways heard from within the session timeout', async () => {
    const store = new InMemorySessionStore();
    const rooms: RoomPort = { leaveSession: async () => 0, setStreamState: async () => false, setSessionConnection: async () => ({ members: [], roomSeqs: {} }) };
    const app = new PresenceApp(store, rooms, testLogger('presence'), policy, () => new Date(10_000));
    await store.touchGateway('me', new Date(10_000));
    expect(await app.otherGatewaysAlive('me')).toBe(0);
    await store.touchGateway('silent', new Date(5000)); // 5 s ago: past the timeout
    await store.touchGateway('alive', new Date(6000));
    expect(await app.otherGatewaysAlive('me')).toBe(1);
    expect(await app.otherGatewaysAlive('alive')).toBe(1);
  });
});
