// Starts the whole system in this process on the real Postgres and NATS for the SDK's integration
// tests, and hands out SDK clients on Node's `ws` (through a socket adapter the test can cut).
import { Grants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { RunningSystem, startAll } from '@rtcroom/dev';
import { nodeSocket, RtcRoomClient, RtcRoomClientOptions, RtcRoomEvents, SocketAdapter, WebSocketClass } from '@rtcroom/sdk';
import WebSocket from 'ws';

export const secret = 'sdk-integration-secret-long-enough';
export const token = (identity: string, name?: string, grants?: Grants) => issueAccessToken(secret, { identity, name, ...(grants ? { grants } : {}) });

export interface TestSystem {
  system: RunningSystem;
  stop(): Promise<void>;
}

export async function startTestSystem(env: Record<string, string> = {}): Promise<TestSystem> {
  const database: TestDatabase = await createTestDatabase();
  const start = () =>
    startAll({
      env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', ...env },
      ephemeralPorts: true,
      logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
    });
  // startAll picks free ports before binding them: another process on the machine may take one first.
  const system = await start().catch((err) => (String(err?.message).includes('EADDRINUSE') ? start() : Promise.reject(err)));
  return {
    system,
    stop: async () => {
      await system.stop();
      await database.drop();
    },
  };
}

/**
 * A `ws` adapter with a switch for the network: cut() drops every open socket as a lost network does
 * (no close frame) and makes new connections fail until restore().
 */
export function cuttableSocket(): { adapter: SocketAdapter; cut(): void; restore(): void; opened: number } {
  const open = new Set<WebSocket>();
  let down = false;
  const state = {
    opened: 0,
    adapter: ((url, on) => {
      if (down) {
        setTimeout(() => on.error('network unreachable'), 5);
        return { send: () => undefined, close: () => undefined };
      }
      state.opened++;
      // A ws WebSocket that registers itself, so cut() can find it.
      const Tracked = class extends WebSocket {
        constructor(u: string) {
          super(u);
          open.add(this);
          this.on('close', () => open.delete(this));
        }
      };
      return nodeSocket(Tracked as unknown as WebSocketClass)(url, on);
    }) as SocketAdapter,
    cut: () => {
      down = true;
      for (const ws of open) ws.terminate();
    },
    restore: () => {
      down = false;
    },
  };
  return state;
}

export async function connectClient(system: RunningSystem, identity: string, options: RtcRoomClientOptions = {}, grants?: Grants): Promise<RtcRoomClient> {
  const client = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
  await client.connect(system.gatewayUrl, () => token(identity, identity.toUpperCase(), grants));
  return client;
}

/**
 * One system for a test file: started before its tests, stopped after them. `client(identity)` connects
 * an SDK client as that identity (with these grants, else the defaults), closed after the test that made it.
 */
export function useTestSystem(): { readonly system: RunningSystem; client(identity: string, grants?: Grants): Promise<RtcRoomClient> } {
  let started: TestSystem | undefined;
  const clients: RtcRoomClient[] = [];
  beforeAll(async () => {
    started = await startTestSystem();
  });
  afterAll(() => started?.stop());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  const system = () => {
    if (!started) throw new Error('the test system has not started (useTestSystem is for a test file\'s top level)');
    return started.system;
  };
  return {
    get system() {
      return system();
    },
    async client(identity, grants) {
      const c = await connectClient(system(), identity, {}, grants);
      clients.push(c);
      return c;
    },
  };
}

/** Collects a client's events of one kind, and waits for one that matches. */
export function recorder<K extends keyof RtcRoomEvents>(client: RtcRoomClient, event: K) {
  const seen: RtcRoomEvents[K][] = [];
  const waiters: { match: (e: RtcRoomEvents[K]) => boolean; resolve: (e: RtcRoomEvents[K]) => void }[] = [];
  client.on(event, (e) => {
    seen.push(e);
    for (const w of [...waiters]) if (w.match(e)) waiters.splice(waiters.indexOf(w), 1), w.resolve(e);
  });
  return {
    seen,
    next(match: (e: RtcRoomEvents[K]) => boolean = () => true, timeoutMs = 8000): Promise<RtcRoomEvents[K]> {
      const already = seen.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${String(event)} event in time`)), timeoutMs);
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

let n = 0;
export const roomName = (prefix = 'sdk') => `${prefix}-${Date.now().toString(36)}-${n++}`;
