// Supervision of desk calls with real clients through the gateway, on the real Postgres and NATS: a
// supervisor (supervisor_teams grant) lists its teams' live calls, monitors one silently (both
// parties' play URLs; the customer and the agent are told nothing, the room's members do not show it),
// whispers (only the agent gets the supervisor's stream), barges in (everyone sees it join), is refused without the grant, and the call's end ends it all.
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { callv1, deskServicev1, deskv1, gatewayv1, webhookv1 } from '@rtcroom/proto';
import { nodeSocket, RtcRoomClient, RtcRoomEvents, WebSocketClass } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { WebhookReceiver } from '../../services/room/test/support/webhook-receiver';

const secret = 'desk-supervision-secret-long-enough';
const S = callv1.CallState;
let system: RunningSystem;
let database: TestDatabase;
let desk: ReturnType<typeof createClient<typeof deskServicev1.DeskServiceService>>;
let receiver: WebhookReceiver;

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = new WebhookReceiver();
  await receiver.start();
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      ROOM_AUTO_CLOSE_INTERVAL_MS: '100',
      ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ROOM_WEBHOOK_POLL_INTERVAL_MS: '100',
    },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
  desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
  const webhooks = createClient(webhookv1.WebhookServiceService, system.roomGrpcAddress);
  await webhooks.createWebhook({ url: receiver.url, secret: '' });
  webhooks.close();
});
afterAll(async () => {
  desk?.close();
  await system?.stop();
  await receiver?.stop();
  await database?.drop();
});

const connect = (identity: string, grants: Record<string, unknown> = { roomJoin: true }) => DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity, grants }));

/** Everything a client was sent about rooms and calls, to look for a name in. */
const heard = (c: DemoClient) => JSON.stringify([c.notices, c.callNotices]);

/** A round trip: every frame sent to the client before it has arrived. */
const fence = (c: DemoClient) => c.request({ $case: 'ping', value: {} });

it('lists, monitors silently, refuses without the grant, whispers to the agent alone, barges in visibly, and ends with the call', async () => {
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `sv-${process.pid}`, ringTimeoutSeconds: 10, wrapUpSeconds: 1 }) });
  const { team: other } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `sv-other-${process.pid}` }) });
  const agent = await connect('sv-agent', { agentTeams: [team!.name] });
  await agent.request({ $case: 'setAgentState', value: { team: team!.name, state: deskv1.AgentState.AGENT_STATE_AVAILABLE } });
  const cust = await connect('sv-cust');

  // The customer calls and pushes; the agent answers and pushes.
  const placed = await cust.request({ $case: 'callTeam', value: { team: team!.name, metadata: '' } });
  const roomId = placed.room!.id;
  await cust.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
  const offer = await agent.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_RINGING, 8000);
  const callId = offer.call!.id;
  const answered = await agent.request({ $case: 'answerCall', value: { callId, accept: true } });
  await agent.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
  await cust.waitForNotice((x) => x.notice?.$case === 'streamStarted' && x.notice.value.member?.identity === 'sv-agent');

  // The supervisor lists its team's live calls: who, since when, the room.
  const boss = await connect('sv-boss', { roomJoin: true, supervisorTeams: [team!.name] });
  const { calls } = await boss.request({ $case: 'listLiveCalls', value: { team: '' } });
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({ callId, teamId: team!.id, roomId, agentIdentity: 'sv-agent', customerIdentity: 'sv-cust' });
  expect(calls[0]!.answerTime).toBeInstanceOf(Date);
  expect(calls[0]!.members.map((m) => m.identity).sort()).toEqual(['sv-agent', 'sv-cust']);

  // Silent monitoring: both parties' play URLs, and nobody is told.
  const noticesBefore = [cust.notices.length, agent.notices.length];
  const monitored = await boss.request({ $case: 'monitorCall', value: { callId } });
  expect(monitored.call?.callId).toBe(callId);
  expect(monitored.playUrls.map((u) => u.streamId).sort()).toEqual([placed.pushUrl!.streamId, answered.pushUrl!.streamId].sort());
  for (const u of monitored.playUrls) {
    expect(u.viewerIdentity).toBe('sv-boss');
    expect(u.rtmpUrl).toMatch(/^rtmp:/);
  }
  await Promise.all([fence(cust), fence(agent)]);
  expect([cust.notices.length, agent.notices.length]).toEqual(noticesBefore);
  expect(heard(cust)).not.toContain('sv-boss');
  expect(heard(agent)).not.toContain('sv-boss');
  const seen = await cust.request({ $case: 'getRoom', value: { roomId, name: '' } });
  expect(seen.members.map((m) => m.identity).sort()).toEqual(['sv-agent', 'sv-cust']);
  expect(boss.notices).toHaveLength(0); // no seat: the supervisor gets no room notices either

  // A party's stream stops and starts again: the supervisor is told (a fresh play URL), nobody else of it.
  await agent.request({ $case: 'reportPusherEvent', value: { roomId, code: -1307, message: '' } });
  await eventually(async () => boss.monitorNotices.some((n) => n.streamStopped && n.member?.identity === 'sv-agent'), 5000, 'the stop to reach the supervisor');
  await agent.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: '' } });
  await eventually(async () => boss.monitorNotices.some((n) => !n.streamStopped && n.member?.identity === 'sv-agent' && !!n.playUrl), 5000, 'the start to reach the supervisor');
  const restarted = boss.monitorNotices.find((n) => n.playUrl)!;
  expect(restarted).toMatchObject({ callId, roomId, playUrl: { streamId: answered.pushUrl!.streamId, viewerIdentity: 'sv-boss' } });
  await Promise.all([fence(cust), fence(agent)]);
  expect(heard(cust)).not.toContain('sv-boss');
  expect(heard(agent)).not.toContain('sv-boss');

  // Without the grant for the call's team: NOT_A_SUPERVISOR, whoever asks.
  const otherBoss = await connect('sv-other-boss', { roomJoin: true, supervisorTeams: [other!.name] });
  await expect(otherBoss.request({ $case: 'monitorCall', value: { callId } })).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });
  await expect(otherBoss.request({ $case: 'bargeIn', value: { callId } })).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });
  await expect(otherBoss.request({ $case: 'listLiveCalls', value: { team: team!.name } })).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });
  expect((await otherBoss.request({ $case: 'listLiveCalls', value: { team: '' } })).calls).toEqual([]);
  await expect(agent.request({ $case: 'listLiveCalls', value: { team: '' } })).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });
  await expect(cust.request({ $case: 'monitorCall', value: { callId } })).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });

  // A call still waiting (the only agent is busy) is not live.
  const second = await connect('sv-cust-2');
  const waiting = await second.request({ $case: 'callTeam', value: { team: team!.name, metadata: '' } });
  await expect(boss.request({ $case: 'monitorCall', value: { callId: waiting.call!.id } })).rejects.toMatchObject({ code: 'CALL_NOT_LIVE' });
  expect((await boss.request({ $case: 'listLiveCalls', value: { team: team!.name } })).calls.map((c) => c.callId)).toEqual([callId]);

  // Whisper: a push URL for the supervisor; the agent alone gets a play URL for it.
  const custCallNotices = cust.callNotices.length;
  const whispered = await boss.request({ $case: 'whisper', value: { callId } });
  expect(whispered.pushUrl?.url).toMatch(/^rtmp:/);
  const told = await agent.waitForCallNotice((n) => n.whisperIdentity === 'sv-boss');
  expect(told.whisperPlayUrl).toMatchObject({ streamId: whispered.pushUrl!.streamId, viewerIdentity: 'sv-agent' });
  expect(told.call?.id).toBe(callId);
  await Promise.all([fence(cust), fence(agent)]);
  expect(cust.callNotices).toHaveLength(custCallNotices);
  expect(heard(cust)).not.toContain('sv-boss');
  expect(heard(cust)).not.toContain(whispered.pushUrl!.streamId);
  await expect(otherBoss.request({ $case: 'whisper', value: { callId } })).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });

  // Barge in: a seat, the usual joined notice to both parties.
  const barged = await boss.request({ $case: 'bargeIn', value: { callId } });
  expect(barged.member?.identity).toBe('sv-boss');
  expect(barged.pushUrl?.url).toMatch(/^rtmp:/);
  expect(barged.playUrls.map((u) => u.streamId).sort()).toEqual([placed.pushUrl!.streamId, answered.pushUrl!.streamId].sort());
  const joinedMatch = (x: gatewayv1.RoomNotice) => x.notice?.$case === 'memberJoined' && x.notice.value.member?.identity === 'sv-boss';
  await Promise.all([cust.waitForNotice(joinedMatch), agent.waitForNotice(joinedMatch)]);

  // The call ends: no longer listed, monitoring refused, the supervisor's seat ends with the room.
  await agent.request({ $case: 'hangUp', value: { callId } });
  await boss.waitForNotice((x) => x.notice?.$case === 'roomClosed' || (x.notice?.$case === 'memberLeft' && x.notice.value.member?.identity === 'sv-boss'));
  await eventually(async () => boss.monitorNotices.some((n) => n.ended && n.callId === callId), 5000, 'the monitoring to end with the call');
  await expect(boss.request({ $case: 'stopMonitor', value: { callId } })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' }); // over already
  await expect(boss.request({ $case: 'monitorCall', value: { callId } })).rejects.toMatchObject({ code: 'CALL_NOT_LIVE' });
  await expect(boss.request({ $case: 'whisper', value: { callId } })).rejects.toMatchObject({ code: 'CALL_NOT_LIVE' });
  expect((await boss.request({ $case: 'listLiveCalls', value: { team: '' } })).calls).toEqual([]);
  await expect(boss.request({ $case: 'monitorCall', value: { callId: 'c_aaaaaaaaaaaaaaaaaaaa' } })).rejects.toMatchObject({ code: 'CALL_NOT_FOUND' });

  // Webhooks keep the audit trail: who monitored, whispered in and barged into which call, when.
  const audit = () =>
    receiver.received
      .filter((r) => r.type === 'call.supervised')
      .map((r) => JSON.parse(r.body) as { roomId: string; seq: number; time: string; event: { callSupervised: Record<string, string> } })
      .filter((a) => a.event.callSupervised.callId === callId);
  await eventually(async () => audit().length >= 3, 10_000, 'the audit trail to reach the webhook');
  expect(audit().map((a) => a.event.callSupervised)).toEqual([
    { callId, teamId: team!.id, supervisorIdentity: 'sv-boss', mode: 'SUPERVISION_MODE_MONITOR', agentIdentity: 'sv-agent', customerIdentity: 'sv-cust' },
    { callId, teamId: team!.id, supervisorIdentity: 'sv-boss', mode: 'SUPERVISION_MODE_WHISPER', agentIdentity: 'sv-agent', customerIdentity: 'sv-cust' },
    { callId, teamId: team!.id, supervisorIdentity: 'sv-boss', mode: 'SUPERVISION_MODE_BARGE_IN', agentIdentity: 'sv-agent', customerIdentity: 'sv-cust' },
  ]);
  expect(audit().every((a) => a.roomId === roomId && a.seq === 0 && !!a.time)).toBe(true);
  // The room's own events (what a member's sync replays) hold none of it.
  expect(receiver.received.filter((r) => r.roomId === roomId && r.type !== 'call.supervised').map((r) => r.body).join()).not.toMatch(/callSupervised|monitor/i);

  await Promise.all([agent.close(), cust.close(), boss.close(), otherBoss.close(), second.close()]);
});

/** Every event of a kind an SDK client emits, and a wait for one that matches. */
function recorder<K extends keyof RtcRoomEvents>(client: RtcRoomClient, event: K) {
  const seen: RtcRoomEvents[K][] = [];
  client.on(event, (e) => void seen.push(e));
  return {
    seen,
    async next(match: (e: RtcRoomEvents[K]) => boolean = () => true, timeoutMs = 10_000): Promise<RtcRoomEvents[K]> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching ${String(event)} event in time`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

it('works through the SDK: typed methods, the agent\'s whisper event and the supervisor\'s monitorUpdate events', async () => {
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `sdk-sv-${process.pid}`, ringTimeoutSeconds: 10, wrapUpSeconds: 1 }) });
  const clients: RtcRoomClient[] = [];
  const sdk = async (identity: string, grants: Record<string, unknown>, kind?: 'CLIENT_KIND_BROWSER') => {
    const c = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { enabled: false }, ...(kind ? { kind } : {}) });
    clients.push(c);
    await c.connect(system.gatewayUrl, issueAccessToken(secret, { identity, grants: { roomJoin: true, ...grants } }));
    return c;
  };
  const agent = await sdk('sdk-agent', { agentTeams: [team!.name] });
  const offers = recorder(agent, 'incomingCall');
  const whispers = recorder(agent, 'whisper');
  await agent.setAgentState(team!.name, 'AGENT_STATE_AVAILABLE');
  const cust = await sdk('sdk-cust', {});
  const custNotices = recorder(cust, 'notice');
  const custCalls = recorder(cust, 'callUpdated');
  const custWhispers = recorder(cust, 'whisper');
  const placed = await cust.callTeam(team!.name);
  await cust.reportPusherEvent(placed.room.room.id, 1002, '');
  const offer = await offers.next();
  await agent.answerCall(offer.call.id);
  await agent.reportPusherEvent(placed.room.room.id, 1002, '');

  const boss = await sdk('sdk-boss', { supervisorTeams: [team!.name] }, 'CLIENT_KIND_BROWSER');
  const updates = recorder(boss, 'monitorUpdate');
  const live = await boss.listLiveCalls();
  expect(live.map((c) => [c.callId, c.agentIdentity, c.customerIdentity])).toEqual([[offer.call.id, 'sdk-agent', 'sdk-cust']]);
  const monitored = await boss.monitorCall(offer.call.id);
  expect(monitored.playUrls).toHaveLength(2);
  expect(monitored.playUrls.every((u) => u.viewerIdentity === 'sdk-boss' && !!u.webrtcUnavailable)).toBe(true); // a browser's, on self-hosted media
  await agent.reportPusherEvent(placed.room.room.id, -1307, '');
  expect((await updates.next((u) => u.streamStopped)).member?.identity).toBe('sdk-agent');

  const { pushUrl } = await boss.whisper(offer.call.id);
  const told = await whispers.next();
  expect(told).toMatchObject({ supervisor: 'sdk-boss', call: { id: offer.call.id }, playUrl: { streamId: pushUrl.streamId } });
  await cust.ping();
  expect(custWhispers.seen).toEqual([]);
  expect(JSON.stringify([custNotices.seen, custCalls.seen])).not.toContain('sdk-boss');

  const barged = await boss.bargeIn(offer.call.id);
  expect(barged.room.self.identity).toBe('sdk-boss');
  await custNotices.next((n) => n.memberJoined?.member.identity === 'sdk-boss');

  await expect(cust.monitorCall(offer.call.id)).rejects.toMatchObject({ code: 'NOT_A_SUPERVISOR' });
  await agent.hangUp(offer.call.id);
  await updates.next((u) => u.ended);
  await expect(boss.whisper(offer.call.id)).rejects.toMatchObject({ code: 'CALL_NOT_LIVE' });
  await Promise.all(clients.map((c) => c.close()));
});
