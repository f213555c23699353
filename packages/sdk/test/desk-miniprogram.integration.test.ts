// The mini-program example's customer-service page (examples/miniprogram/pages/service) against the
// real system: the page's own code, run under a stand-in of Page() and wx with the SDK on the wx
// adapter, calls a team; an agent on the SDK answers. What the customer sees: the push URL, its place
// in line, "Connecting…", the agent's stream, the end; and the refusals in words.
import { createClient, issueAccessToken } from '@rtcroom/common';
import { eventually } from '@rtcroom/common/testing';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import * as sdk from '@rtcroom/sdk';
import { handlePusherStateChange, RtcRoomClient, wxSocket } from '@rtcroom/sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeWx } from './fake-wx';
import { recorder, secret, startTestSystem, TestSystem } from './system';

const pageDir = join(__dirname, '../../../examples/miniprogram/pages/service');

let t: TestSystem;
let desk: ReturnType<typeof createClient<typeof deskServicev1.DeskServiceService>>;
beforeAll(async () => {
  t = await startTestSystem();
  desk = createClient(deskServicev1.DeskServiceService, t.system.roomGrpcAddress);
});
afterAll(async () => {
  desk?.close();
  await t?.stop();
});

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

let n = 0;
async function makeTeam(fields: Partial<deskv1.Team> = {}): Promise<deskv1.Team> {
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `mp-${process.pid}-${n++}`, ringTimeoutSeconds: 10, wrapUpSeconds: 1, ...fields }) });
  return team!;
}

async function connect(identity: string, agentTeams?: string[]): Promise<RtcRoomClient> {
  const client = new RtcRoomClient({ socket: wxSocket(fakeWx()), reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  clients.push(client);
  await client.connect(t.system.gatewayUrl, () => issueAccessToken(secret, { identity, grants: agentTeams ? { agentTeams } : undefined }));
  return client;
}

type PageData = {
  team: string; note: string; busy: boolean; error: string; callId: string; roomId: string; pushUrl: string;
  remoteUrl: string; remoteMemberId: string; status: string; stateText: string; active: boolean;
};
type ServicePage = { data: PageData; [method: string]: any };

/** Runs service.js as the mini-program would: its requires answered here, Page() and wx stood in for. */
function loadPage(client: RtcRoomClient, serviceTeam: string) {
  const toasts: string[] = [];
  const wx = { showToast: (o: { title: string }) => void toasts.push(o.title), navigateBack: () => void toasts.push('<back>') };
  const modules: Record<string, unknown> = {
    '../../lib/sdk/index.js': sdk,
    '../../utils/session.js': { getClient: () => client },
    '../../config.js': { serviceTeam },
  };
  const require = (path: string) => {
    if (!(path in modules)) throw new Error(`the page requires ${path}`);
    return modules[path];
  };
  let definition: any;
  const Page = (def: unknown) => void (definition = def);
  new Function('require', 'Page', 'wx', 'getApp', readFileSync(join(pageDir, 'service.js'), 'utf8'))(require, Page, wx, () => ({ globalData: {} }));
  const page: ServicePage = Object.assign(Object.create(definition), {
    data: JSON.parse(JSON.stringify(definition.data)),
    setData(patch: Partial<PageData>) {
      Object.assign(this.data, patch);
    },
  });
  return { page, definition, toasts };
}

const until = <T>(check: () => T | undefined | false, what: string) => eventually(check, 8000, what);

it('every handler the page\'s WXML binds is a method of the page', () => {
  const { definition } = loadPage({} as RtcRoomClient, 'x');
  const wxml = readFileSync(join(pageDir, 'service.wxml'), 'utf8');
  const handlers = [...wxml.matchAll(/bind\w+="(\w+)"/g)].map((m) => m[1]);
  expect(handlers.length).toBeGreaterThan(4);
  for (const h of handlers) expect([h, typeof definition[h]]).toEqual([h, 'function']);
});

it('a customer calls the team: the push URL, the place in line, "Connecting…", the agent\'s stream, hang up', async () => {
  const team = await makeTeam();
  const agent = await connect(`${team.name}-agent`, [team.name]);
  await agent.setAgentState(team.name, 'AGENT_STATE_AWAY'); // signed in, not taking calls yet: the customer waits
  const offers = recorder(agent, 'incomingCall');
  const agentEnded = recorder(agent, 'callEnded');

  const customer = await connect(`${team.name}-customer`);
  const { page, toasts } = loadPage(customer, team.name);
  page.onLoad({});
  expect(page.data.team).toBe(team.name); // the default from config.js
  page.onNote({ detail: { value: ' claim 42 ' } });
  await page.call();
  expect(page.data).toMatchObject({ error: '', status: 'Calling…', stateText: 'calling…', active: false });
  expect(page.data.pushUrl).toMatch(/^rtmp:\/\//);
  expect(page.data.callId).not.toBe('');

  // <live-pusher bindstatechange> says the push began: the call joins the queue.
  page.onPusherState({ detail: { code: 1002 } });
  await until(() => /^Waiting: you are number 1, about \d+ min$/.test(page.data.status), 'the place in line');
  expect(page.data.stateText).toBe('waiting');

  await agent.setAgentState(team.name, 'AGENT_STATE_AVAILABLE');
  const offer = await offers.next();
  expect([offer.call.id, offer.call.metadata]).toEqual([page.data.callId, 'claim 42']);
  await until(() => page.data.status === 'Connecting…', '"Connecting…"');
  expect(page.data.active).toBe(false); // the button says Cancel

  const answered = await agent.answerCall(offer.call.id);
  await until(() => page.data.active, 'the call to be active'); // the button says Hang up
  expect(page.data.stateText).toBe('in call');
  await handlePusherStateChange(agent, answered.room!.room.id, { detail: { code: 1002 } });
  await until(() => page.data.remoteUrl !== '', 'the agent\'s stream');
  expect(page.data.remoteUrl).toMatch(/^rtmp:\/\//);
  expect(page.data.remoteMemberId).toBe(answered.room!.self.memberId);

  page.end();
  expect((await agentEnded.next()).reason).toBe('CALL_END_REASON_HUNG_UP');
  await until(() => page.data.callId === '', 'the page to end the call');
  expect([page.data.pushUrl, page.data.remoteUrl]).toEqual(['', '']);
  expect(toasts).toEqual(['Call ended']);
  page.onUnload();
});

it('refusals in words: closed (no agent signed in) and all lines busy; a waiting customer cancels', async () => {
  const closed = await makeTeam();
  const nobody = loadPage(await connect(`${closed.name}-customer`), closed.name).page;
  nobody.onLoad({});
  await nobody.call();
  expect([nobody.data.error, nobody.data.callId, nobody.data.pushUrl]).toEqual(['Customer service is closed now', '', '']);

  const team = await makeTeam({ queueLimit: 1 });
  const agent = await connect(`${team.name}-agent`, [team.name]);
  await agent.setAgentState(team.name, 'AGENT_STATE_AWAY');
  const first = loadPage(await connect(`${team.name}-first`), team.name);
  first.page.onLoad({});
  await first.page.call();
  first.page.onPusherState({ detail: { code: 1002 } });
  await until(() => first.page.data.status.startsWith('Waiting: you are number 1'), 'the first in line');

  const second = loadPage(await connect(`${team.name}-second`), 'someone-else').page;
  second.onLoad({ team: encodeURIComponent(team.name) }); // a link may name the team
  expect(second.data.team).toBe(team.name);
  await second.call();
  expect([second.data.error, second.data.callId]).toEqual(['All lines are busy, try again later', '']);

  first.page.end(); // Cancel
  await until(() => first.page.data.callId === '', 'the cancel');
  expect(first.toasts).toEqual(['Cancelled']);
  first.page.onUnload();
  nobody.onUnload();
  second.onUnload();
});
