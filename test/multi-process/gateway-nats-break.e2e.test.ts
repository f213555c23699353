// A gateway that loses its connection to NATS for a while (a network break, its node gone from a
// cluster) while the room service keeps publishing: what was published meanwhile never reaches the
// gateway, and its clients are told it once it is back, in order, without waiting for the room's next
// event; of the calls that moved on meanwhile, the newest step of each; and a supervisor monitoring a
// call, what it missed of the call's room. And a goodbye presence could not take when it came (the
// gateway's presence front cut) is told to it again, so the member leaves. The gateway reaches the real NATS through a front the test cuts; the other services connect
// to NATS directly. Separate processes on the real Postgres and NATS.
import { createClient, issueAccessToken, mediaEventsStream } from '@rtcroom/common';
import { createTestDatabase, deleteTestBucket, deleteTestConsumers, eventually, HeldAddress, testNatsUrl, TestDatabase, uniqueTestName } from '@rtcroom/common/testing';
import { DemoClient } from '@rtcroom/dev';
import { callv1, deskServicev1, deskv1, gatewayv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { ServiceProcess } from '../support/service-processes';

const secret = 'nats-break-test-secret-long-enough';
const names = { bucket: uniqueTestName('natsbreak_presence'), media: uniqueTestName('natsbreak-media'), recordings: uniqueTestName('natsbreak-rec') };
let database: TestDatabase;
const fronts: HeldAddress[] = [];
let natsFront: HeldAddress;
let presenceFront: HeldAddress;
let presenceAddress: string;
const processes: ServiceProcess[] = [];
let room: ServiceProcess;
let gateway: ServiceProcess;
const clients: DemoClient[] = [];

const hold = async () => {
  const front = await HeldAddress.open();
  fronts.push(front);
  return front;
};

beforeAll(async () => {
  database = await createTestDatabase();
  natsFront = await hold();
  natsFront.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
  const common = { RTCROOM_DEV: 'true', NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret };
  const [urlsFront, roomFront] = [await hold(), await hold()];
  presenceFront = await hold();
  const urls = new ServiceProcess('url-issuer', { ...common, ROOM_SERVICE_ADDRESS: roomFront.address }, urlsFront);
  room = new ServiceProcess(
    'room',
    { ...common, DATABASE_URL: database.url, URL_ISSUER_ADDRESS: urlsFront.address, PRESENCE_SERVICE_ADDRESS: presenceFront.address, ROOM_RECORDINGS_CONSUMER: names.recordings },
    roomFront,
  );
  const presence = new ServiceProcess('presence', { ...common, ROOM_SERVICE_ADDRESS: roomFront.address, PRESENCE_KV_BUCKET: names.bucket, PRESENCE_MEDIA_CONSUMER: names.media }, presenceFront);
  gateway = new ServiceProcess('gateway', {
    ...common,
    NATS_URL: `nats://${natsFront.address}`,
    GATEWAY_ID: uniqueTestName('gw-natsbreak'),
    ROOM_SERVICE_ADDRESS: roomFront.address,
    PRESENCE_SERVICE_ADDRESS: presenceFront.address,
    URL_ISSUER_ADDRESS: urlsFront.address,
  });
  for (const p of [urls, room, presence, gateway]) {
    processes.push(p);
    await p.start();
  }
  presenceAddress = presence.listening.PRESENCE_GRPC_ADDRESS!;
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const p of processes.reverse()) await p.stop();
  for (const f of fronts) await f.close();
  await deleteTestBucket(names.bucket);
  await deleteTestConsumers(mediaEventsStream.name, [names.media, names.recordings]);
  await database?.drop();
});

/** A client of the gateway under test, closed after all tests. */
const connect = async (identity: string, grants?: Record<string, unknown>) => {
  const c = await DemoClient.connect(`ws://${gateway.listening.GATEWAY_ADDRESS}/v1/ws`, issueAccessToken(secret, { identity, grants }));
  clients.push(c);
  return c;
};

/** Breaks the gateway's NATS connection, and keeps it from coming back until natsFront forwards again. */
const cutNats = async () => {
  const breaks = () => (gateway.log.match(/nats disconnect/g) ?? []).length;
  const before = breaks();
  natsFront.forwardTo(undefined);
  natsFront.cut();
  await eventually(() => breaks() > before, 5000, 'the gateway to notice the break');
};

it("tells a gateway's clients what was published while it was off NATS, once it is back, in order", async () => {
  const alice = await connect('break-alice');
  const bob = await connect('break-bob');
  const joined = await alice.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: uniqueTestName('break'), createIfMissing: true }) });
  const roomId = joined.room!.id;
  await bob.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });
  await eventually(() => alice.notices.some((n) => n.notice?.$case === 'memberJoined' && n.notice.value.member?.identity === 'break-bob'), 5000, 'alice to hear bob join');

  // The gateway's NATS connection breaks and cannot come back for now.
  await cutNats();

  // Meanwhile the room changes twice (through the room service: the gateway hears nothing of it).
  const rooms = createClient(roomServicev1.RoomServiceService, room.listening.ROOM_GRPC_ADDRESS!);
  try {
    for (const metadata of ['while-away-1', 'while-away-2']) {
      await rooms.updateRoom(roomServicev1.UpdateRoomRequest.fromPartial({ roomId, room: roomv1.Room.fromPartial({ metadata }), updateMask: ['metadata'] }));
    }
  } finally {
    rooms.close();
  }
  await new Promise((r) => setTimeout(r, 500)); // published to NATS by now, past the gateway
  const updates = (c: DemoClient) => c.notices.flatMap((n) => (n.notice?.$case === 'roomUpdated' ? [n.notice.value.room?.metadata] : []));
  expect(updates(alice)).toEqual([]);

  // Back: both clients are told both changes, in order, with nothing else happening in the room.
  natsFront.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
  for (const c of [alice, bob]) {
    expect(await eventually(() => (updates(c).length >= 2 ? updates(c) : undefined), 10_000, 'the missed changes to be told')).toEqual(['while-away-1', 'while-away-2']);
  }
  // Seqs without a gap or a repeat.
  const seqs = alice.notices.map((n) => n.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
}, 60_000);

it("tells a gateway's clients the newest step of each call that moved on while it was off NATS, once it is back", async () => {
  const [caller, callee, caller2, callee2] = await Promise.all(['break-caller', 'break-callee', 'break-caller2', 'break-callee2'].map((identity) => connect(identity)));
  const { ACTIVE, ENDED, RINGING } = { ACTIVE: callv1.CallState.CALL_STATE_ACTIVE, ENDED: callv1.CallState.CALL_STATE_ENDED, RINGING: callv1.CallState.CALL_STATE_RINGING };
  const place = async (from: DemoClient, to: string) => {
    const placed = await from.request({ $case: 'placeCall', value: gatewayv1.PlaceCallRequest.fromPartial({ calleeIdentity: to }) });
    await from.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
    return placed.call!.id;
  };
  const steps = (c: DemoClient, callId: string) => c.callNotices.filter((n) => n.call?.id === callId).map((n) => n.call!.state);

  // A call rings before the break.
  const first = await place(caller, 'break-callee');
  await callee.waitForCallNotice((n) => n.call?.id === first && n.call.state === RINGING);
  await caller.waitForCallNotice((n) => n.call?.id === first && n.call.state === RINGING);

  await cutNats();

  // Meanwhile (the gateway's calls to the other services still go): the callee accepts, so the caller
  // should hear the call is on; another call rings and is given up before anyone hears of it.
  await callee.request({ $case: 'answerCall', value: { callId: first, accept: true } });
  const second = await place(caller2, 'break-callee2');
  await caller2.request({ $case: 'cancelCall', value: { callId: second } });
  await new Promise((r) => setTimeout(r, 500)); // published to NATS by now, past the gateway
  expect(steps(caller, first)).not.toContain(ACTIVE);
  expect(steps(callee2, second)).toEqual([]);

  natsFront.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
  await caller.waitForCallNotice((n) => n.call?.id === first && n.call.state === ACTIVE, 10_000);
  await callee2.waitForCallNotice((n) => n.call?.id === second && n.call.state === ENDED, 10_000);
  await caller2.waitForCallNotice((n) => n.call?.id === second && n.call.state === ENDED, 10_000);
  await new Promise((r) => setTimeout(r, 300)); // anything told twice would be here by now
  // The callee of the call given up is told it ended, never that it rang; no step is told twice.
  expect(steps(callee2, second)).toEqual([ENDED]);
  expect(steps(caller, first).filter((s) => s === RINGING)).toHaveLength(1);
  expect(steps(caller, first).filter((s) => s === ACTIVE)).toHaveLength(1);
  expect(steps(callee, first).filter((s) => s === RINGING)).toHaveLength(1);
}, 60_000);

it('tells a supervisor monitoring a call what it missed of the call while the gateway was off NATS', async () => {
  const desk = createClient(deskServicev1.DeskServiceService, room.listening.ROOM_GRPC_ADDRESS!);
  const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: uniqueTestName('break-team'), ringTimeoutSeconds: 10, wrapUpSeconds: 1 }) }).finally(() => desk.close());
  const agent = await connect('break-agent', { agentTeams: [team!.name] });
  await agent.request({ $case: 'setAgentState', value: { team: team!.name, state: deskv1.AgentState.AGENT_STATE_AVAILABLE } });
  const customer = await connect('break-customer');
  const placed = await customer.request({ $case: 'callTeam', value: { team: team!.name, metadata: '' } });
  await customer.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
  const offer = await agent.waitForCallNotice((n) => n.call?.state === callv1.CallState.CALL_STATE_RINGING, 8000);
  const callId = offer.call!.id;
  await agent.request({ $case: 'answerCall', value: { callId, accept: true } });
  const boss = await connect('break-boss', { roomJoin: true, supervisorTeams: [team!.name] });
  await boss.request({ $case: 'monitorCall', value: { callId } });

  await cutNats();
  // Meanwhile the agent's stream starts and the customer hangs up: the call's room closes.
  await agent.request({ $case: 'reportPusherEvent', value: { roomId: placed.room!.id, code: 1002, message: '' } });
  await customer.request({ $case: 'hangUp', value: { callId } });
  await new Promise((r) => setTimeout(r, 500)); // published to NATS by now, past the gateway
  const notices = () => boss.monitorNotices.map((n) => (n.ended ? 'ended' : `${n.member?.identity} ${n.streamStopped ? 'stopped' : 'started'}`));
  expect(notices()).toEqual([]);

  natsFront.forwardTo(testNatsUrl.replace(/^nats:\/\//, ''));
  await eventually(() => notices().includes('ended'), 10_000, 'the supervisor to be told the call ended');
  expect(notices()).toEqual(['break-agent started', 'ended']);
}, 60_000);

it('tells presence again of a goodbye it could not take, so the member leaves and does not stay behind', async () => {
  const stays = await connect('break-stays');
  const goes = await connect('break-goes');
  const joined = await stays.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomName: uniqueTestName('goodbye'), createIfMissing: true }) });
  const roomId = joined.room!.id;
  await goes.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial({ roomId }) });

  // The gateway cannot reach presence as the member says goodbye (close 1000).
  presenceFront.forwardTo(undefined);
  presenceFront.cut();
  await goes.close();
  await eventually(() => /could not close the session with presence; trying again/.test(gateway.log), 5000, 'the close to fail');
  presenceFront.forwardTo(presenceAddress);
  const left = await stays.waitForNotice((n) => n.notice?.$case === 'memberLeft' && n.notice.value.member?.identity === 'break-goes', 10_000);
  expect(left.notice?.$case === 'memberLeft' && left.notice.value.reason).toBe(roomv1.LeaveReason.LEAVE_REASON_LEFT);
}, 60_000);
