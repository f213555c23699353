// The design floor (`--floor-design`) on the real Postgres and NATS: a join and a leave go through the
// store (one statement each, one JetStream publish each), and the room's other member is told only
// from NATS's delivery, in order, after its own join's answer.
import { connect } from 'nats';
import { Client } from 'pg';
import { freePort, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, type TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { BenchClient } from '../client';
import type { WireNotice } from '../protocol';
import { wsUrl } from '../protocol';
import { connectDesignPath, type DesignConnection } from './design-path';
import { FloorHub } from './hub';
import { FloorStore, streamName } from './store';

const secret = 'design-floor-test-secret-0123456789';

let db: TestDatabase;
let store: FloorStore;
let design: DesignConnection;
let hub: FloorHub;
let address: string;
const prefix = uniqueTestName('floor_t').replace(/[^A-Za-z0-9_-]/g, '_');

beforeAll(async () => {
  db = await createTestDatabase();
  const storeAddress = `127.0.0.1:${await freePort()}`;
  store = new FloorStore({ address: storeAddress, databaseUrl: db.url, natsUrl: testNatsUrl, prefix });
  await store.start();
  design = await connectDesignPath({ storeAddress, natsUrl: testNatsUrl, prefix });
  hub = new FloorHub({ host: '127.0.0.1', port: 0, secret, design: design.path });
  address = await hub.start();
});

afterAll(async () => {
  await hub?.stop();
  await design?.close();
  await store?.stop();
  await db?.drop();
});

function open(identity: string, notices: WireNotice[]): Promise<BenchClient> {
  return BenchClient.open(wsUrl(address, issueAccessToken(secret, { identity })), identity, { timeoutMs: 5000, onNotice: (n) => notices.push(n) });
}

it('commits each change through the store, and tells the others from NATS in seq order', async () => {
  const aNotices: WireNotice[] = [];
  const a = await open('alice', aNotices);
  const b = await open('bob', []);
  try {
    const joinedA = await a.request({ joinRoom: { roomName: 'design-1', createIfMissing: true } }, 5000);
    const roomId = joinedA.frame.joinRoom!.room!.id!;
    expect(joinedA.frame.joinRoom!.seq).toBe(1);
    const joinedB = await b.request({ joinRoom: { roomName: 'design-1' } }, 5000);
    expect(joinedB.frame.joinRoom).toMatchObject({ room: { id: roomId }, seq: 2 });
    await b.request({ leaveRoom: { roomId } }, 5000);

    await eventually(() => aNotices.length >= 2, 5000, 'alice told of both changes');
    expect(aNotices.map((n) => [n.seq, n.memberJoined ? 'joined' : n.memberLeft ? 'left' : '?'])).toEqual([
      [2, 'joined'],
      [3, 'left'],
    ]);
    expect(a.seqGaps).toBe(0);

    // What the design needs durable: the room's seq, both members' rows, three events.
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      expect((await pg.query('select seq from floor_rooms where id = $1', [roomId])).rows).toEqual([{ seq: '3' }]);
      const members = await pg.query('select identity, state from floor_members where room_id = $1 order by identity', [roomId]);
      expect(members.rows).toEqual([
        { identity: 'alice', state: 'joined' },
        { identity: 'bob', state: 'left' },
      ]);
      expect((await pg.query('select seq from floor_events where room_id = $1 order by seq', [roomId])).rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    } finally {
      await pg.end();
    }
    const nats = await connect({ servers: testNatsUrl });
    try {
      const info = await (await nats.jetstreamManager()).streams.info(streamName(prefix));
      expect(info.state.messages).toBe(3);
    } finally {
      await nats.close();
    }
  } finally {
    await a.close();
    await b.close();
  }
});
