// Features on the embedded default (`npm run up`: PGlite and the in-process bus, no Postgres or NATS),
// one system for all of them (PGlite's start is most of such a test's time): audiences and 连麦, the
// service desk routing a customer to an agent, and room messages with their history, each as on
// Postgres and NATS.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, issueAccessToken } from '@rtcroom/common';
import { eventually } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { callv1, deskServicev1, deskv1, gatewayv1, roomv1 } from '@rtcroom/proto';

const secret = 'embedded-features-secret-long-enough';
const S = callv1.CallState;
let system: RunningSystem;
const clients: DemoClient[] = [];

beforeAll(async () => {
  system = await startAll({
    env: { ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', EMBEDDED_DATA_DIR: mkdtempSync(join(tmpdir(), 'rtcroom-embedded-')), ROOM_AUTO_CLOSE_INTERVAL_MS: '100' },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
}, 90_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await system?.stop();
});

const connect = async (identity: string) => {
  const c = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity }));
  clients.push(c);
  return c;
};
const { MEMBER_ROLE_AUDIENCE: AUDIENCE, MEMBER_ROLE_SEAT: SEAT } = roomv1.MemberRole;
const say = (c: DemoClient, roomId: string, text: string, recipients: string[] = []) =>
  c.request({ $case: 'sendMessage', value: { roomId, recipients, body: { $case: 'text', value: text }, idempotencyKey: '' } });

it('joins the audience and promotes to a seat on the embedded default', async () => {
  expect(system.embeddedDatabase && system.embeddedBus).toBe(true);
  const host = await connect('host');
  const fan = await connect('fan');
  const roomId = (await host.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: 'embedded-live', createIfMissing: true }) })).room!.id;
  const watching = await fan.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId, role: AUDIENCE }) });
  expect(watching.pushUrl).toBeUndefined();
  await host.waitForNotice((n) => n.notice?.$case === 'audience' && n.notice.value.audienceCount === 1);
  await host.request({ $case: 'setMemberRole', value: { roomId, identity: 'fan', role: SEAT } });
  const taken = await fan.request({ $case: 'setMemberRole', value: { roomId, identity: '', role: SEAT } });
  expect(taken.pushUrl?.streamId).toBe(watching.member!.streamId);
  await host.waitForNotice((n) => n.notice?.$case === 'memberRole' && n.notice.value.member?.role === SEAT);
  const snap = await host.request({ $case: 'getRoom', value: { roomId, name: '' } });
  expect(snap.room).toMatchObject({ memberCount: 2, audienceCount: 0 });
});

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

it('delivers room and private messages and keeps the history on the embedded default', async () => {
  expect(system.embeddedDatabase && system.embeddedBus).toBe(true);
  const ann = await connect('ann');
  const bob = await connect('bob');
  const cat = await connect('cat');
  const roomId = (await ann.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: 'embedded-chat', createIfMissing: true }) })).room!.id;
  for (const c of [bob, cat]) await c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
  const all = await say(ann, roomId, 'hello');
  const secret = await say(ann, roomId, 'just bob', ['bob']);
  await eventually(() => cat.notices.some((n) => n.seq === secret.message!.seq), 10_000, 'cat at the private seq');
  await eventually(() => bob.notices.some((n) => n.seq === secret.message!.seq), 10_000, 'bob at the private seq');
  expect(bob.notices.find((n) => n.seq === secret.message!.seq)?.notice?.$case).toBe('message');
  expect(cat.notices.find((n) => n.seq === secret.message!.seq)?.notice).toBeUndefined();
  expect(cat.notices.find((n) => n.seq === all.message!.seq)?.notice?.$case).toBe('message');
  const history = await cat.request({ $case: 'listMessages', value: { roomId } });
  expect(history.messages.map((m) => m.id)).toEqual([all.message!.id]);
  expect((await bob.request({ $case: 'listMessages', value: { roomId } })).messages.map((m) => m.id)).toEqual([all.message!.id, secret.message!.id]);
});
