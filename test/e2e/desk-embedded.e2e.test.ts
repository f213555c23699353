// The service desk on the embedded default (`npm run up`: PGlite and the in-process bus, no Postgres
// or NATS): a customer's call reaches an available agent and is answered, and the figures count it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, issueAccessToken } from '@rtcroom/common';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { callv1, deskServicev1, deskv1 } from '@rtcroom/proto';

const secret = 'embedded-desk-secret-long-enough';
const S = callv1.CallState;
let system: RunningSystem;

beforeAll(async () => {
  system = await startAll({
    env: { ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', EMBEDDED_DATA_DIR: mkdtempSync(join(tmpdir(), 'rtcroom-desk-')), ROOM_AUTO_CLOSE_INTERVAL_MS: '100' },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
}, 60_000);
afterAll(() => system?.stop());

it('routes a customer to an agent on the embedded default', async () => {
  expect(system.embeddedDatabase && system.embeddedBus).toBe(true);
  const desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: 'embedded', ringTimeoutSeconds: 5, wrapUpSeconds: 1 }) });
  const agent = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'agent-e', grants: { agentTeams: ['embedded'] } }));
  await agent.request({ $case: 'setAgentState', value: { team: 'embedded', state: deskv1.AgentState.AGENT_STATE_AVAILABLE } });
  const customer = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'customer-e' }));
  const placed = await customer.request({ $case: 'callTeam', value: { team: 'embedded', metadata: '' } });
  await customer.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
  const offer = await agent.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_RINGING, 8000);
  await agent.request({ $case: 'answerCall', value: { callId: offer.call!.id, accept: true } });
  await customer.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ACTIVE);
  const { stats } = await desk.getTeamStats({ team: team!.id, since: undefined });
  expect(stats).toMatchObject({ callsOffered: 1, callsAnswered: 1 });
  await Promise.all([agent.close(), customer.close()]);
  desk.close();
}, 60_000);
