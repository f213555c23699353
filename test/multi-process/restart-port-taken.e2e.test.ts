// The harness itself: a service killed and started again while another process has taken the port
// it had (as other test files' processes do all the time in a full run) binds a new one, its peers
// and clients follow, and what answers on the old port is never mistaken for it. The harness that
// picked ports and waited for "anything answers" failed here exactly as the suite once did:
// `Parse Error: Expected HTTP/` from someone else's HTTP/2 server on the gateway's port.
import { createServer, Http2Server } from 'node:http2';
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';
import { Cluster } from '../support/service-processes';

const secret = 'port-taken-secret-long-enough';
const token = (identity: string) => issueAccessToken(secret, { identity });
let database: TestDatabase;
let cluster: Cluster;
const squatters: Http2Server[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await Cluster.start({ databaseUrl: database.url, natsUrl: testNatsUrl, accessTokenSecret: secret, gateways: 1, presences: 1 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
  for (const s of squatters) s.close();
});

/** Another process's HTTP/2 server on `address` (host:port), as soon as it is free. */
async function squat(address: string): Promise<void> {
  const colon = address.lastIndexOf(':');
  const server = createServer((_req, res) => res.end('not rtcroom'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(colon + 1)), address.slice(0, colon), () => resolve());
  });
  squatters.push(server);
}

const joinRoom = (c: DemoClient, v: Partial<gatewayv1.JoinRoomRequest>) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(v) });

it('restarts the room service and the gateway elsewhere when their ports were taken, and the system carries on', async () => {
  const alice = await DemoClient.connect(cluster.gatewayUrl(0), token('alice'));
  const a = await joinRoom(alice, { roomName: `taken-${Date.now().toString(36)}`, createIfMissing: true });
  await alice.close();

  const roomPort = cluster.room.listening.ROOM_GRPC_ADDRESS;
  await cluster.room.kill();
  await squat(roomPort);
  await cluster.room.start();
  expect(cluster.room.listening.ROOM_GRPC_ADDRESS).not.toBe(roomPort);

  const gatewayPort = cluster.gateways[0].listening.GATEWAY_ADDRESS;
  await cluster.gateways[0].kill();
  await squat(gatewayPort);
  await cluster.gateways[0].start();
  expect(cluster.gateways[0].listening.GATEWAY_ADDRESS).not.toBe(gatewayPort);

  // The gateway reaches the restarted room service through the address it was configured with.
  const bob = await DemoClient.connect(cluster.gatewayUrl(0), token('bob'));
  const joined = await eventually(() => joinRoom(bob, { roomId: a.room!.id }).catch(() => undefined), 10_000, 'the room service to answer again');
  expect(joined.room?.id).toBe(a.room!.id);
  await bob.close();
}, 60_000);
