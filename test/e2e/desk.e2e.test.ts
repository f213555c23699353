// The service desk's first part, through gRPC (operators) and the gateway (agents): teams, agents
// setting their state, and an agent whose connection is gone shown out of rotation.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { deskServicev1, deskv1 } from '@rtcroom/proto';

const secret = 'desk-secret-long-enough-to-count';
const S = deskv1.AgentState;
let system: RunningSystem;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true' },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await system?.stop();
  await database?.drop();
});

it('lets an operator make a team and its agents set their state, and shows who is connected', async () => {
  const desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: 'claims', displayName: 'Insurance claims', recordingFormats: ['mp4'] }) });
  expect(team).toMatchObject({ name: 'claims', ringTimeoutSeconds: 20, wrapUpSeconds: 30, queueLimit: 50, recordingFormats: ['mp4'] });
  await expect(desk.createTeam({ team: deskv1.Team.fromPartial({ name: 'claims' }) })).rejects.toMatchObject({ reason: 'ALREADY_EXISTS' });

  const agent = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'agent-7', grants: { agentTeams: ['claims'] } }));
  const set = await agent.request({ $case: 'setAgentState', value: { team: 'claims', state: S.AGENT_STATE_AVAILABLE } });
  expect(set.agent?.state).toBe(S.AGENT_STATE_AVAILABLE);
  await expect(agent.request({ $case: 'setAgentState', value: { team: 'claims', state: S.AGENT_STATE_IN_CALL } })).rejects.toMatchObject({
    code: 'FAILED_PRECONDITION',
  });
  const seen = await agent.request({ $case: 'getTeam', value: { team: 'claims' } });
  expect(seen.agents.map((a) => [a.identity, a.state, a.connected])).toEqual([['agent-7', S.AGENT_STATE_AVAILABLE, true]]);

  const customer = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'customer-1' }));
  await expect(customer.request({ $case: 'setAgentState', value: { team: 'claims', state: S.AGENT_STATE_AVAILABLE } })).rejects.toMatchObject({
    code: 'PERMISSION_DENIED',
  });

  // On the embedded default (dev endpoints), /dev/token hands out the agent grant too.
  const http = system.gatewayUrl.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '');
  const { token } = (await (await fetch(`${http}/dev/token?identity=agent-dev&agent=claims`)).json()) as { token: string };
  const devAgent = await DemoClient.connect(system.gatewayUrl, token);
  expect((await devAgent.request({ $case: 'setAgentState', value: { team: 'claims', state: S.AGENT_STATE_AWAY } })).agent?.state).toBe(S.AGENT_STATE_AWAY);
  await devAgent.close();

  // An agent whose connection is gone is out of rotation at once.
  await agent.close();
  await eventually(async () => {
    const { agents } = await desk.getTeam({ teamId: '', name: 'claims' });
    return agents[0]?.connected === false;
  }, 5000, 'the agent to show as not connected');
  await customer.close();
  desk.close();
});

it('has an admin command for teams, figures and recordings (npm run desk: rtcroom desk)', async () => {
  // As `npm run desk -- <args> --json` runs it, built.
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'packages', 'cli', 'dist', 'main.js'), 'desk', ...args, '--json'], {
      env: { ...process.env, ROOM_SERVICE_ADDRESS: system.roomGrpcAddress },
    });
  const { team: made } = JSON.parse(
    (await cli('team', 'create', 'accounts', '--display-name', 'Account opening', '--record', 'mp4,hls', '--ring', '15', '--wrap-up', '30', '--queue-limit', '50')).stdout,
  );
  expect(made).toMatchObject({ name: 'accounts', displayName: 'Account opening', recordingFormats: ['mp4', 'hls'], ringTimeoutSeconds: 15, wrapUpSeconds: 30, queueLimit: 50 });
  const listed = JSON.parse((await cli('team', 'list')).stdout);
  expect(listed.teams.map((t: { name: string }) => t.name)).toContain('accounts');
  const shown = JSON.parse((await cli('team', 'show', 'accounts')).stdout);
  expect(shown.team.id).toBe(made.id);
  const stats = JSON.parse((await cli('stats', 'accounts')).stdout);
  expect(stats.stats.teamId).toBe(made.id);
  expect(JSON.parse((await cli('stats', 'accounts', '--since', '2026-01-01T00:00:00Z')).stdout).stats.teamId).toBe(made.id);
  expect(JSON.parse((await cli('recordings', '--team', 'accounts')).stdout)).toEqual({ nextPageToken: '' }); // none yet
  await expect(cli('team', 'create', 'accounts')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('ALREADY_EXISTS') });
  // A bad command line is refused before any call: what is wrong, exit code 2.
  await expect(cli('recordings')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('"code":"USAGE"') });
  await expect(cli('team', 'create', 'x', '--ring', 'soon')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--ring must be a duration') });
  await expect(cli('team', 'list', '--ring', '5')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--ring is not a flag of rtcroom desk teams list') });
  await expect(cli('team', 'show')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('rtcroom desk teams show takes 1 argument') });
  await expect(cli('stats', 'accounts', '--since', 'yesterday')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--since must be an ISO time') });
  expect((await cli('--help')).stdout).toMatch(/^usage: rtcroom desk <command>/);
});
