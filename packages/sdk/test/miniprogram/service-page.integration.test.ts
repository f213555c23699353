// The mini-program example's customer-service page (examples/miniprogram/pages/service), its own code
// on a phone (phone.ts) against the real system, reached from the index page as a user would; an agent
// on the SDK answers. What the customer sees: the push URL, its place in line, "Connecting…", the
// agent's stream, the end; and the refusals in words.
import { createClient, issueAccessToken } from '@rtcroom/common';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { handlePusherStateChange, nodeSocket, RtcRoomClient, WebSocketClass } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { recorder, secret, startTestSystem, TestSystem } from '../system';
import { closePhones, installExample, InstalledExample, signedInPhone, stateChange, tapAndOpen, until } from './example';
import type { Phone } from './phone';

let t: TestSystem;
let desk: ReturnType<typeof createClient<typeof deskServicev1.DeskServiceService>>;
let example: InstalledExample;
let configTeam: deskv1.Team;
beforeAll(async () => {
  t = await startTestSystem();
  desk = createClient(deskServicev1.DeskServiceService, t.system.roomGrpcAddress);
  configTeam = await makeTeam();
  example = await installExample(t.system.gatewayAddress, configTeam.name); // config.js's serviceTeam
}, 120_000);
afterAll(async () => {
  desk?.close();
  await t?.stop();
  example?.remove();
});

const agents: RtcRoomClient[] = [];
afterEach(async () => {
  await closePhones();
  await Promise.all(agents.splice(0).map((c) => c.close()));
});

let n = 0;
async function makeTeam(fields: Partial<deskv1.Team> = {}): Promise<deskv1.Team> {
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `mp-${process.pid}-${n++}`, ringTimeoutSeconds: 10, wrapUpSeconds: 1, ...fields }) });
  return team!;
}

/** An agent of `team` on the SDK, signed in but AWAY: callers wait until it goes AVAILABLE. */
async function agentOf(team: string): Promise<RtcRoomClient> {
  const agent = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass) });
  agents.push(agent);
  await agent.connect(t.system.gatewayUrl, () => issueAccessToken(secret, { identity: `${team}-agent`, grants: { agentTeams: [team] } }));
  await agent.setAgentState(team, 'AGENT_STATE_AWAY');
  return agent;
}

/** The customer taps "Customer service" on the index page. */
const openService = (phone: Phone) => tapAndOpen(phone, () => phone.top('pages/index/index').service(), 'pages/service/service', (p) => p.data.team);

it('a customer calls the team: the push URL, the place in line, "Connecting…", the agent\'s stream, hang up', async () => {
  const team = configTeam.name;
  const agent = await agentOf(team);
  const offers = recorder(agent, 'incomingCall');
  const agentEnded = recorder(agent, 'callEnded');

  const customer = await signedInPhone(example, `${team}-customer`);
  const page = await openService(customer);
  expect(page.data.team).toBe(team); // the default from config.js
  page.onNote({ detail: { value: ' claim 42 ' } });
  await page.call();
  expect(page.data).toMatchObject({ error: '', status: 'Calling…', stateText: 'calling…', active: false });
  expect(page.data.pushUrl).toMatch(/^rtmp:\/\//);
  expect(page.data.callId).not.toBe('');

  // <live-pusher bindstatechange> says the push began: the call joins the queue.
  page.onPusherState(stateChange(1002));
  await until(() => /^Waiting: you are number 1, about \d+ min$/.test(page.data.status), 'the place in line');
  expect(page.data.stateText).toBe('waiting');

  await agent.setAgentState(team, 'AGENT_STATE_AVAILABLE');
  const offer = await offers.next();
  expect([offer.call.id, offer.call.metadata]).toEqual([page.data.callId, 'claim 42']);
  await until(() => page.data.status === 'Connecting…', '"Connecting…"');
  expect(page.data.active).toBe(false); // the button says Cancel

  const answered = await agent.answerCall(offer.call.id);
  await until(() => page.data.active, 'the call to be active'); // the button says Hang up
  expect(page.data.stateText).toBe('in call');
  await handlePusherStateChange(agent, answered.room!.room.id, { detail: { code: 1002 } });
  await until(() => page.data.remoteUrl, 'the agent\'s stream');
  expect(page.data.remoteUrl).toMatch(/^rtmp:\/\//);
  expect(page.data.remoteMemberId).toBe(answered.room!.self.memberId);

  page.end();
  expect((await agentEnded.next()).reason).toBe('CALL_END_REASON_HUNG_UP');
  await until(() => page.data.callId === '', 'the page to end the call');
  expect([page.data.pushUrl, page.data.remoteUrl]).toEqual(['', '']);
  expect(customer.toasts).toEqual(['Call ended']);
  expect(customer.problems).toEqual([]);
});

it('refusals in words: closed (no agent signed in) and all lines busy; a waiting customer cancels', async () => {
  const closed = await makeTeam();
  const nobody = await openService(await signedInPhone(example, `${closed.name}-customer`));
  nobody.onTeam({ detail: { value: closed.name } }); // typed by the customer
  await nobody.call();
  expect([nobody.data.error, nobody.data.callId, nobody.data.pushUrl]).toEqual(['Customer service is closed now', '', '']);

  const team = await makeTeam({ queueLimit: 1 });
  await agentOf(team.name);
  const first = await signedInPhone(example, `${team.name}-first`);
  const firstPage = await openService(first);
  firstPage.onTeam({ detail: { value: team.name } });
  await firstPage.call();
  firstPage.onPusherState(stateChange(1002));
  await until(() => firstPage.data.status.startsWith('Waiting: you are number 1'), 'the first in line');

  // A link into the mini-program may name the team.
  const second = await signedInPhone(example, `${team.name}-second`);
  const secondPage = await second.navigateTo(`/pages/service/service?team=${encodeURIComponent(team.name)}`);
  expect(secondPage.data.team).toBe(team.name);
  await secondPage.call();
  expect([secondPage.data.error, secondPage.data.callId]).toEqual(['All lines are busy, try again later', '']);

  firstPage.end(); // Cancel
  await until(() => firstPage.data.callId === '', 'the cancel');
  expect(first.toasts).toEqual(['Cancelled']);
  expect([...first.problems, ...second.problems]).toEqual([]);
});
