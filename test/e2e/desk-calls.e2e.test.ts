// The service desk with real clients through the gateway, on the real Postgres and NATS: customers
// call a team, the agent available longest is offered the call once the customer's push began, ring
// timeouts and rejections move it on, customers wait in a first-come queue told their position,
// abandoned calls leave no trace on agents, transfer and a supervisor joining, forced recording
// listed by call, team, agent and customer, and the figures.
import { createClient, issueAccessToken, newId } from '@rtcroom/common';
import { createTestDatabase, eventually, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { connect } from 'nats';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { callv1, deskServicev1, deskv1, gatewayv1, mediaEventv1, recordingv1, roomv1 } from '@rtcroom/proto';

const secret = 'desk-calls-secret-long-enough';
const S = callv1.CallState;
const A = deskv1.AgentState;
let system: RunningSystem;
let database: TestDatabase;
let desk: ReturnType<typeof createClient<typeof deskServicev1.DeskServiceService>>;
let t = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: {
      DATABASE_URL: database.url,
      NATS_URL: testNatsUrl,
      ACCESS_TOKEN_SECRET: secret,
      RTCROOM_DEV: 'true',
      ROOM_AUTO_CLOSE_INTERVAL_MS: '100',
      PRESENCE_RESUME_GRACE_MS: '600',
      // Its own durable consumer of recordings: systems of other test files share this NATS.
      ROOM_RECORDINGS_CONSUMER: 'desk-calls-test-recordings',
    },
    ephemeralPorts: true,
    logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
  });
  desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
});
afterAll(async () => {
  desk?.close();
  await system?.stop();
  await database?.drop();
});

async function makeTeam(fields: Partial<deskv1.Team> = {}): Promise<deskv1.Team> {
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `team-${process.pid}-${t++}`, ringTimeoutSeconds: 5, wrapUpSeconds: 1, ...fields }) });
  return team!;
}

async function agent(team: deskv1.Team | deskv1.Team[], identity: string, available = true): Promise<DemoClient> {
  const teams = Array.isArray(team) ? team : [team];
  const c = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity, grants: { agentTeams: teams.map((x) => x.name) } }));
  if (available) for (const x of teams) await c.request({ $case: 'setAgentState', value: { team: x.name, state: A.AGENT_STATE_AVAILABLE } });
  return c;
}

const customer = (identity: string) => DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity }));

/** A customer calls the team and its push begins (pusher event 1002). */
async function callAndPush(c: DemoClient, team: deskv1.Team, metadata = '') {
  const placed = await c.request({ $case: 'callTeam', value: { team: team.name, metadata } });
  await c.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
  return placed;
}

const ringing = (n: gatewayv1.CallNotice) => n.call?.state === S.CALL_STATE_RINGING;
const offered = (c: DemoClient) => c.waitForCallNotice((n) => ringing(n) && n.call?.calleeIdentity === c.welcome?.identity, 8000);
const agentState = async (team: deskv1.Team, identity: string) => (await desk.getTeam({ teamId: team.id, name: '' })).agents.find((a) => a.identity === identity);

it('offers the call once the customer pushes, to the agent available longest; both sides get the other\'s play URL', async () => {
  const team = await makeTeam();
  const first = await agent(team, 'a1-first');
  const second = await agent(team, 'a1-second');
  const cust = await customer('c1');
  const placed = await cust.request({ $case: 'callTeam', value: { team: team.name, metadata: 'claim 42' } });
  expect(placed.call).toMatchObject({ state: S.CALL_STATE_DIALING, teamId: team.id, callerIdentity: 'c1' });
  expect(placed.pushUrl?.url).toMatch(/^rtmp:/);
  await first.request({ $case: 'ping', value: {} });
  expect(first.callNotices).toHaveLength(0); // not before the customer's push began

  await cust.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
  const offer = await offered(first);
  expect(offer.call?.metadata).toBe('claim 42');
  expect(offer.callerPlayUrl?.streamId).toBe(placed.pushUrl?.streamId);
  expect(second.callNotices.filter(ringing)).toHaveLength(0);
  await cust.waitForCallNotice(ringing); // "connecting"
  expect((await agentState(team, 'a1-first'))?.state).toBe(A.AGENT_STATE_RINGING);

  const answered = await first.request({ $case: 'answerCall', value: { callId: offer.call!.id, accept: true } });
  expect(answered.call?.state).toBe(S.CALL_STATE_ACTIVE);
  expect(answered.playUrls.map((u) => u.streamId)).toEqual([placed.pushUrl?.streamId]);
  await cust.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ACTIVE);
  expect((await agentState(team, 'a1-first'))?.state).toBe(A.AGENT_STATE_IN_CALL);
  await first.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
  const started = await cust.waitForNotice((x) => x.notice?.$case === 'streamStarted' && x.notice.value.member?.identity === 'a1-first');
  expect(started.notice?.$case === 'streamStarted' && started.notice.value.playUrl?.streamId).toBe(answered.pushUrl?.streamId);

  // The agent hangs up: wrap-up, which ends by itself.
  await first.request({ $case: 'hangUp', value: { callId: offer.call!.id } });
  await cust.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ENDED);
  expect((await agentState(team, 'a1-first'))?.state).toBe(A.AGENT_STATE_WRAP_UP);
  await eventually(async () => (await agentState(team, 'a1-first'))?.state === A.AGENT_STATE_AVAILABLE, 5000, 'wrap-up to end');
  await Promise.all([first.close(), second.close(), cust.close()]);
});

it('moves on when the agent rejects or lets it ring out; an abandoned call leaves no trace on the agent', async () => {
  const team = await makeTeam({ ringTimeoutSeconds: 1 });
  const a = await agent(team, 'a2-a');
  const b = await agent(team, 'a2-b');
  const c = await agent(team, 'a2-c');
  const cust = await customer('c2');
  const placed = await callAndPush(cust, team);

  // a (available longest) lets it ring out: away, and it moves to b, who rejects: it moves to c.
  await offered(a);
  const toB = await offered(b);
  expect((await agentState(team, 'a2-a'))?.state).toBe(A.AGENT_STATE_AWAY);
  expect(a.callNotices.some((n) => n.call?.state === S.CALL_STATE_QUEUED && n.call.calleeIdentity !== 'a2-a')).toBe(true); // told the offer is gone
  await b.request({ $case: 'answerCall', value: { callId: toB.call!.id, accept: false } });
  const toC = await offered(c);
  expect((await agentState(team, 'a2-b'))?.state).toBe(A.AGENT_STATE_AVAILABLE);

  // The customer gives up while c's phone rings: c stands where it stood in line.
  const before = await agentState(team, 'a2-c');
  expect(before?.state).toBe(A.AGENT_STATE_RINGING);
  await cust.request({ $case: 'cancelCall', value: { callId: toC.call!.id } });
  await c.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ENDED);
  const after = await agentState(team, 'a2-c');
  expect(after?.state).toBe(A.AGENT_STATE_AVAILABLE);
  expect(after?.stateTime?.getTime()).toBeLessThan(before!.stateTime!.getTime());
  const again = await agentState(team, 'a2-b');
  expect(after!.stateTime!.getTime()).toBeLessThan(again!.stateTime!.getTime()); // c is still ahead of b, who rejected
  expect(placed.call?.id).toBe(toC.call?.id);
  await Promise.all([a.close(), b.close(), c.close(), cust.close()]);
});

it('offers a call again to the only agent, who rejected it, once twice the ring timeout has passed', async () => {
  const team = await makeTeam({ ringTimeoutSeconds: 1 });
  const only = await agent(team, 'a9-only');
  const cust = await customer('c9');
  await callAndPush(cust, team);
  const first = await offered(only);
  await only.request({ $case: 'answerCall', value: { callId: first.call!.id, accept: false } });
  const rejectedAt = Date.now();
  const rungAgain = (n: gatewayv1.CallNotice) => ringing(n) && n.call?.id === first.call?.id && n.call!.ringTime!.getTime() > first.call!.ringTime!.getTime();
  const again = await only.waitForCallNotice(rungAgain, 10_000);
  expect(Date.now() - rejectedAt).toBeGreaterThanOrEqual(1000); // not rung again at once
  expect(again.call?.calleeIdentity).toBe('a9-only');
  await Promise.all([only.close(), cust.close()]);
});

it('three agents, ten customers at once: first come first served, nobody offered two calls, nobody waits while an agent is free', async () => {
  const team = await makeTeam({ ringTimeoutSeconds: 10, wrapUpSeconds: 1 });
  const agents = await Promise.all([0, 1, 2].map((i) => agent(team, `a3-${i}`)));
  const busy = new Map<string, string>(); // agent -> call it is ringing or holding
  const violations: string[] = [];
  const handled: string[] = [];
  // Each agent answers what rings, talks briefly, hangs up.
  const loops = agents.map(async (ag) => {
    const me = ag.welcome!.identity;
    let seen = 0;
    const deadline = Date.now() + 60_000;
    while (handled.length < 10 && Date.now() < deadline) {
      const fresh = ag.callNotices.slice(seen).find((n) => ringing(n) && n.call?.calleeIdentity === me);
      seen = ag.callNotices.length;
      if (!fresh) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const callId = fresh.call!.id;
      if (busy.has(me)) violations.push(`${me} offered ${callId} while holding ${busy.get(me)}`);
      busy.set(me, callId);
      await ag.request({ $case: 'answerCall', value: { callId, accept: true } });
      await new Promise((r) => setTimeout(r, 200));
      await ag.request({ $case: 'hangUp', value: { callId } });
      busy.delete(me);
      handled.push(callId);
    }
  });
  const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => customer(`c3-${i}`)));
  // One push after the other (a few milliseconds apart): pushes at the very same instant commit in no
  // set order, and the router can only serve first the calls it can already see.
  for (const c of customers) await callAndPush(c, team);

  // Sampled: a call queued while a connected agent sits available must not last.
  let idleSince = 0;
  let worstIdleMs = 0;
  while (handled.length < 10) {
    const { agents: as, queue } = await desk.getTeam({ teamId: team.id, name: '' });
    const idle = queue.some((c) => c.state === S.CALL_STATE_QUEUED) && as.some((a) => a.state === A.AGENT_STATE_AVAILABLE && a.connected);
    if (idle) idleSince ||= Date.now();
    else idleSince = 0;
    if (idleSince) worstIdleMs = Math.max(worstIdleMs, Date.now() - idleSince);
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all(loops);
  expect(violations).toEqual([]);
  expect(handled).toHaveLength(10);
  // Routing is event-driven (well under a second on a quiet machine); the bound only has to tell that
  // from a call left waiting until some timer or ring timeout (seconds to tens of seconds): 1,514 ms
  // was seen at load 15.
  expect(worstIdleMs).toBeLessThan(5000);

  // First come, first served: offered in the order the calls joined the queue (their push began).
  const firstRings = customers.map((c) => c.callNotices.find(ringing)!.call!);
  const byQueue = [...firstRings].sort((x, y) => x.queueTime!.getTime() - y.queueTime!.getTime() || x.id.localeCompare(y.id));
  const ringTimes = byQueue.map((c) => c.ringTime!.getTime());
  expect([...ringTimes].sort((x, y) => x - y)).toEqual(ringTimes);
  // Positions only ever went down, and the ones who waited were told an estimate.
  for (const c of customers) {
    const positions = c.callNotices.filter((n) => n.call?.state === S.CALL_STATE_QUEUED && n.call.queuePosition > 0).map((n) => n.call!.queuePosition);
    expect([...positions].sort((x, y) => y - x)).toEqual(positions);
  }
  const waited = customers.flatMap((c) => c.callNotices).filter((n) => n.call?.state === S.CALL_STATE_QUEUED && n.call.queuePosition > 0);
  expect(waited.length).toBeGreaterThan(0);
  expect(waited.every((n) => n.call!.estimatedWaitSeconds > 0)).toBe(true);

  const { stats } = await desk.getTeamStats({ team: team.name, since: undefined });
  expect(stats).toMatchObject({ callsOffered: 10, callsAnswered: 10, callsAbandoned: 0, waitingNow: 0, agentsSignedIn: 3 });
  expect(stats!.averageHandlingSeconds).toBeGreaterThan(0);
  await Promise.all([...agents, ...customers].map((c) => c.close()));
});

it('refuses callers past the queue limit and when nobody is signed in; a queued customer may give up', async () => {
  const closed = await makeTeam();
  const cust = await customer('c4');
  await expect(cust.request({ $case: 'callTeam', value: { team: closed.name, metadata: '' } })).rejects.toMatchObject({ code: 'TEAM_CLOSED' });
  await expect(cust.request({ $case: 'callTeam', value: { team: 'no-such-team', metadata: '' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

  const team = await makeTeam({ queueLimit: 2 });
  const away = await agent(team, 'a4-away', false);
  await away.request({ $case: 'setAgentState', value: { team: team.name, state: A.AGENT_STATE_AWAY } });
  const c1 = await customer('c4-1');
  const c2 = await customer('c4-2');
  const first = await callAndPush(c1, team);
  await callAndPush(c2, team);
  await c2.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_QUEUED && n.call.queuePosition === 2);
  await expect(cust.request({ $case: 'callTeam', value: { team: team.name, metadata: '' } })).rejects.toMatchObject({ code: 'QUEUE_FULL' });

  // The first gives up: the second moves up to 1.
  await c1.request({ $case: 'cancelCall', value: { callId: first.call!.id } });
  await c2.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_QUEUED && n.call.queuePosition === 1);
  const { stats } = await desk.getTeamStats({ team: team.id, since: undefined });
  expect(stats).toMatchObject({ callsOffered: 2, callsAbandoned: 1, waitingNow: 1 });
  await Promise.all([cust.close(), away.close(), c1.close(), c2.close()]);
});

it('skips an agent whose connection is gone, and moves an offer on when the ringing agent drops', async () => {
  const team = await makeTeam({ ringTimeoutSeconds: 30 });
  const gone = await agent(team, 'a5-gone');
  const ringer = await agent(team, 'a5-ringer');
  const last = await agent(team, 'a5-last');
  await gone.close();
  await eventually(async () => (await agentState(team, 'a5-gone'))?.connected === false, 5000, 'the agent to be out');
  const cust = await customer('c5');
  await callAndPush(cust, team);
  await offered(ringer); // not the one gone, though available longest
  ringer.drop();
  const toLast = await offered(last); // long before the 30 s ring timeout
  expect((await agentState(team, 'a5-ringer'))?.state).toBe(A.AGENT_STATE_AVAILABLE); // out of rotation only while away

  // Back in rotation on return: the agent available longest gets the next call again.
  const back = await agent(team, 'a5-gone', false);
  const cust2 = await customer('c5-2');
  await callAndPush(cust2, team);
  await offered(back);

  // In a call, a lost connection ends the call after the grace period; the agent goes to wrap-up.
  await last.request({ $case: 'answerCall', value: { callId: toLast.call!.id, accept: true } });
  last.drop();
  const ended = await cust.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ENDED, 8000);
  expect([ended.call?.endReason, ended.call?.endedBy]).toEqual([callv1.CallEndReason.CALL_END_REASON_CONNECTION_LOST, 'a5-last']);
  expect((await agentState(team, 'a5-last'))?.state).toBe(A.AGENT_STATE_WRAP_UP);
  await Promise.all([back.close(), cust.close(), cust2.close()]);
});

it('transfers to another agent and to another team without the customer leaving, and lets a supervisor join', async () => {
  const team = await makeTeam();
  const other = await makeTeam();
  const first = await agent(team, 'a6-first');
  const cust = await customer('c6');
  const placed = await callAndPush(cust, team);
  const offer = await offered(first);
  await first.request({ $case: 'answerCall', value: { callId: offer.call!.id, accept: true } });
  const second = await agent(team, 'a6-second');
  const supervisor = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'sup6' }));

  await expect(first.request({ $case: 'transferCall', value: { callId: offer.call!.id, toIdentity: '', toTeam: '' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  await expect(cust.request({ $case: 'transferCall', value: { callId: offer.call!.id, toIdentity: 'a6-second', toTeam: '' } })).rejects.toMatchObject({ code: 'NOT_A_PARTY' });
  // To an agent: the first leaves (TRANSFERRED), the second is rung and takes the seat.
  const moved = await first.request({ $case: 'transferCall', value: { callId: offer.call!.id, toIdentity: 'a6-second', toTeam: '' } });
  expect(moved.call).toMatchObject({ state: S.CALL_STATE_RINGING, calleeIdentity: 'a6-second' });
  const left = await cust.waitForNotice((x) => x.notice?.$case === 'memberLeft' && x.notice.value.member?.identity === 'a6-first');
  expect(left.notice?.$case === 'memberLeft' && left.notice.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_TRANSFERRED);
  const toSecond = await offered(second);
  await second.request({ $case: 'answerCall', value: { callId: toSecond.call!.id, accept: true } });
  await cust.waitForNotice((x) => x.notice?.$case === 'memberJoined' && x.notice.value.member?.identity === 'a6-second');
  expect((await agentState(team, 'a6-first'))?.state).toBe(A.AGENT_STATE_WRAP_UP);

  // A supervisor is invited and joins; everyone in the room is told.
  await second.request({ $case: 'inviteToCall', value: { callId: offer.call!.id, identity: 'sup6' } });
  const invitation = await supervisor.waitForCallNotice((n) => n.call?.invitedIdentities.includes('sup6') ?? false);
  const joined = await supervisor.request({ $case: 'answerCall', value: { callId: invitation.call!.id, accept: true } });
  expect(joined.members.map((m) => m.identity).sort()).toEqual(['a6-second', 'c6', 'sup6']);
  await cust.waitForNotice((x) => x.notice?.$case === 'memberJoined' && x.notice.value.member?.identity === 'sup6');
  await second.waitForNotice((x) => x.notice?.$case === 'memberJoined' && x.notice.value.member?.identity === 'sup6');
  // Nobody else gets in.
  const stranger = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity: 'stranger6' }));
  await expect(stranger.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId: placed.room!.id }) })).rejects.toMatchObject({ code: 'NOT_A_PARTY' });

  // To a team: queued there, offered to its agent.
  const third = await agent(other, 'a6-third');
  await second.request({ $case: 'transferCall', value: { callId: offer.call!.id, toIdentity: '', toTeam: other.name } });
  const toThird = await offered(third);
  expect(toThird.call?.teamId).toBe(other.id);
  await third.request({ $case: 'answerCall', value: { callId: toThird.call!.id, accept: true } });
  const active = await cust.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ACTIVE && n.call.calleeIdentity === 'a6-third');
  expect(active.call?.agentIdentities).toEqual(['a6-first', 'a6-second', 'a6-third']);
  expect(cust.notices.some((x) => x.notice?.$case === 'memberLeft' && x.notice.value.member?.identity === 'c6')).toBe(false);
  await third.request({ $case: 'hangUp', value: { callId: offer.call!.id } });
  await Promise.all([first, second, third, cust, supervisor, stranger].map((c) => c.close()));
});

it('forces recording on for a team that requires it, and lists the recording by call, team, agent and customer', async () => {
  const team = await makeTeam({ recordingFormats: ['mp4', 'hls'] });
  const ag = await agent(team, 'a7');
  const cust = await customer('c7');
  const placed = await callAndPush(cust, team);
  expect(placed.pushUrl?.recording).toBe(true);
  expect(placed.room?.recordingFormats).toEqual(['mp4', 'hls']);
  const offer = await offered(ag);
  await ag.request({ $case: 'answerCall', value: { callId: offer.call!.id, accept: true } });
  await cust.waitForCallNotice((n) => n.call?.state === S.CALL_STATE_ACTIVE);

  // The media server's word that the file is ready, as the URL issuer publishes it.
  const nc = await connect({ servers: testNatsUrl });
  const recording = recordingv1.Recording.fromPartial({
    id: newId('rec'),
    roomId: placed.room!.id,
    memberId: placed.member!.memberId,
    identity: 'c7',
    streamId: placed.pushUrl!.streamId,
    format: 'mp4',
    url: 'https://vod.example/c7.mp4',
    createTime: new Date(),
  });
  const event = mediaEventv1.MediaEvent.fromPartial({ id: newId('me'), roomId: placed.room!.id, payload: { $case: 'recordingReady', value: { recording } } });
  await nc.jetstream().publish(`rtcroom.media.${placed.room!.id}.recording.ready`, mediaEventv1.MediaEvent.encode(event).finish());
  await nc.close();

  for (const filter of [{ callId: offer.call!.id }, { team: team.name }, { agentIdentity: 'a7' }, { customerIdentity: 'c7' }]) {
    await eventually(
      async () => {
        const { recordings } = await desk.listCallRecordings(deskServicev1.ListCallRecordingsRequest.fromPartial(filter));
        return recordings.length === 1 && recordings[0].recording?.url === 'https://vod.example/c7.mp4' && recordings[0].agentIdentities[0] === 'a7';
      },
      5000,
      `the recording listed by ${Object.keys(filter)[0]}`,
    );
  }
  await expect(desk.listCallRecordings(deskServicev1.ListCallRecordingsRequest.fromPartial({}))).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  // Through the gateway: the agent who held the call gets its recordings, each url as the url-issuer
  // signs it for that agent (this file is none of its own, so no url: nothing goes out unsigned); the
  // customer is no party to the desk's list.
  const mine = await ag.request({ $case: 'listCallRecordings', value: { callId: offer.call!.id } });
  expect(mine.recordings.map((r) => [r.recording?.identity, r.recording?.url, r.customerIdentity])).toEqual([['c7', '', 'c7']]);
  await expect(cust.request({ $case: 'listCallRecordings', value: { callId: offer.call!.id } })).rejects.toMatchObject({ code: 'NOT_A_PARTY' });
  await Promise.all([ag.close(), cust.close()]);
});

it('never rings an agent of two teams twice at once, nor while it wraps up for the other', async () => {
  const [one, two] = [await makeTeam({ wrapUpSeconds: 1 }), await makeTeam({ wrapUpSeconds: 1 })];
  const both = await agent([one, two], 'a8-both');
  const [c1, c2] = await Promise.all([customer('c8-1'), customer('c8-2')]);
  await Promise.all([callAndPush(c1, one), callAndPush(c2, two)]);
  const first = await offered(both);
  const offersTo = () => both.callNotices.filter((n) => ringing(n) && n.call?.calleeIdentity === 'a8-both').length;
  await new Promise((r) => setTimeout(r, 600)); // several routing passes
  expect(offersTo()).toBe(1);
  // The other team sees it available there but ringing elsewhere, and does not count it available.
  const other = first.call?.teamId === one.id ? two : one;
  expect(await agentState(other, 'a8-both')).toMatchObject({ state: deskv1.AgentState.AGENT_STATE_AVAILABLE, busyElsewhere: deskv1.AgentState.AGENT_STATE_RINGING });
  expect((await agentState(first.call?.teamId === one.id ? one : two, 'a8-both'))?.busyElsewhere).toBe(deskv1.AgentState.AGENT_STATE_UNSPECIFIED);
  expect((await desk.getTeamStats({ team: other.id, since: undefined })).stats?.agentsAvailable).toBe(0);
  await both.request({ $case: 'answerCall', value: { callId: first.call!.id, accept: true } });
  await both.request({ $case: 'hangUp', value: { callId: first.call!.id } });
  const endedAt = Date.now();
  const second = await both.waitForCallNotice((n) => ringing(n) && n.call?.id !== first.call?.id && n.call?.calleeIdentity === 'a8-both', 8000);
  expect(Date.now() - endedAt).toBeGreaterThanOrEqual(900); // after the first team's wrap-up
  expect(second.call?.teamId).not.toBe(first.call?.teamId);
  await Promise.all([both.close(), c1.close(), c2.close()]);
});
