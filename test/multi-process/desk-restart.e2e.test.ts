// A service desk's queue is kept in the room store: the room service killed (kill -9) and started
// again with three customers waiting loses none of them, and they are offered to the agent in the
// order they called, each told its position as the queue moves.
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { callv1, deskServicev1, deskv1, gatewayv1 } from '@rtcroom/proto';
import { Cluster } from '../support/service-processes';

const secret = 'desk-restart-secret-long-enough';
const S = callv1.CallState;
const A = deskv1.AgentState;
let database: TestDatabase;
let cluster: Cluster;

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await Cluster.start({
    databaseUrl: database.url,
    natsUrl: testNatsUrl,
    accessTokenSecret: secret,
    gateways: 1,
    presences: 1,
    env: { ROOM_AUTO_CLOSE_INTERVAL_MS: '100', PRESENCE_RESUME_GRACE_MS: '20000' },
  });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
});

const queuedAt = (position: number) => (n: gatewayv1.CallNotice) => n.call?.state === S.CALL_STATE_QUEUED && n.call.queuePosition === position;

it('keeps the queue and its order across a restart of the room service', async () => {
  const desk = createClient(deskServicev1.DeskServiceService, cluster.room.address);
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: 'claims-restart', ringTimeoutSeconds: 20, wrapUpSeconds: 1 }) });
  const agent = await DemoClient.connect(cluster.gatewayUrl(0), issueAccessToken(secret, { identity: 'agent-r', grants: { agentTeams: [team!.name] } }));
  await agent.request({ $case: 'setAgentState', value: { team: team!.name, state: A.AGENT_STATE_AWAY } });

  const customers: DemoClient[] = [];
  const callIds: string[] = [];
  for (const [i, name] of ['first', 'second', 'third'].entries()) {
    const c = await DemoClient.connect(cluster.gatewayUrl(0), issueAccessToken(secret, { identity: `customer-${name}` }));
    const placed = await c.request({ $case: 'callTeam', value: { team: team!.name, metadata: name } });
    await c.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
    await c.waitForCallNotice(queuedAt(i + 1), 8000);
    customers.push(c);
    callIds.push(placed.call!.id);
  }

  await cluster.room.kill();
  await cluster.room.start();

  // The agent comes to the desk: the calls come in the order they were made.
  await eventually(
    () => agent.request({ $case: 'setAgentState', value: { team: team!.name, state: A.AGENT_STATE_AVAILABLE } }).then(() => true, () => false),
    10_000,
    'the room service to answer again',
  );
  let seen = 0;
  for (const [i, expected] of callIds.entries()) {
    const offer = await agent.waitForCallNotice(
      (n) => agent.callNotices.indexOf(n) >= seen && n.call?.state === S.CALL_STATE_RINGING && n.call.calleeIdentity === 'agent-r',
      10_000,
    );
    seen = agent.callNotices.indexOf(offer) + 1;
    expect(offer.call?.id).toBe(expected);
    if (i === 0) await customers[2].waitForCallNotice(queuedAt(2), 8000); // the third moved up
    await agent.request({ $case: 'answerCall', value: { callId: offer.call!.id, accept: true } });
    await agent.request({ $case: 'hangUp', value: { callId: offer.call!.id } });
  }
  const { stats } = await desk.getTeamStats({ team: team!.name, since: undefined });
  expect(stats).toMatchObject({ callsOffered: 3, callsAnswered: 3, callsAbandoned: 0, waitingNow: 0 });
  desk.close();
  await Promise.all([agent, ...customers].map((c) => c.close()));
}, 90_000);
