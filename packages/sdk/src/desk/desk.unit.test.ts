// The service desk in the client, against a scripted stand-in of the gateway: what each desk request
// sends, how its answer is read (defaults filled in, enums as their names), and the events a customer
// (its place in line, "connecting"), an agent (an offer, and the offer gone) and a guest (an
// invitation) are told, once each. The real gateway is in test/browser/desk.e2e.test.ts.
import { connectedClient, FakeSocket, lastRequest, until } from '../../test/fake-gateway';
import type { RtcRoomClient } from '../client';
import type { RtcRoomEvents } from '../events';

/** Waits for the client's request of this kind and answers it. */
async function answer(socket: FakeSocket, kind: string, body: object): Promise<Record<string, any>> {
  await until(() => !!lastRequest(socket, kind));
  const req = lastRequest(socket, kind)!;
  socket.push({ requestId: req.requestId, [kind]: body });
  return req[kind];
}

/** Every desk event the client emits, in order, as "name:callId:detail". */
function deskEvents(client: RtcRoomClient): string[] {
  const seen: string[] = [];
  const names: (keyof RtcRoomEvents)[] = ['incomingCall', 'offerWithdrawn', 'callQueued', 'callConnecting', 'callInvitation', 'callEnded'];
  for (const name of names) {
    client.on(name, (e) => {
      const { call } = e as { call: { id: string } };
      const detail = name === 'callQueued' ? `:${(e as RtcRoomEvents['callQueued']).position}` : '';
      seen.push(`${name}:${call.id}${detail}`);
    });
  }
  return seen;
}

const call = (fields: object) => ({ id: 'c_1', roomId: 'r_1', callerIdentity: 'bob', teamId: 't_1', ...fields });
const room = { id: 'r_1', name: 'call-r_1', kind: 'ROOM_KIND_CALL', maxMembers: 6 };
const seat = (identity: string, id: string) => ({ roomId: 'r_1', memberId: id, identity, state: 'MEMBER_STATE_JOINED', streamId: `st_${id}` });

describe('the service desk in RtcRoomClient', () => {
  it('a customer calls a team: seated with a push URL, then told its place in line as it moves, "connecting" once, and the answer', async () => {
    const { client, socket } = await connectedClient();
    const events = deskEvents(client);
    const calling = client.callTeam('claims', { metadata: 'claim 42' });
    const sent = await answer(socket, 'callTeam', {
      call: { id: 'c_1', roomId: 'r_1', callerIdentity: 'alice', teamId: 't_1', state: 'CALL_STATE_DIALING', metadata: 'claim 42' },
      room,
      member: seat('alice', 'm_a'),
      pushUrl: { url: 'rtmp://x/live/st_m_a', streamId: 'st_m_a' },
      seq: '1',
    });
    expect(sent).toEqual({ team: 'claims', metadata: 'claim 42' });
    const placed = await calling;
    expect(placed.call).toMatchObject({ state: 'CALL_STATE_DIALING', teamId: 't_1', queuePosition: 0, agentIdentities: [], invitedIdentities: [] });
    expect(placed.room.pushUrl.url).toBe('rtmp://x/live/st_m_a');

    const queued = (queuePosition: number, estimatedWaitSeconds: number) =>
      socket.push({ callNotice: { call: { ...call({ callerIdentity: 'alice' }), state: 'CALL_STATE_QUEUED', queuePosition, estimatedWaitSeconds } } });
    const waits: number[] = [];
    client.on('callQueued', (e) => waits.push(e.estimatedWaitSeconds));
    queued(2, 40);
    queued(2, 40); // told twice (an answer and a notice, a resume): told once
    queued(1, 20);
    socket.push({ callNotice: { call: { ...call({ callerIdentity: 'alice' }), state: 'CALL_STATE_RINGING', calleeIdentity: 'agent-1' } } });
    // It rang out and moved straight on to the next agent: still connecting, not told again.
    socket.push({ callNotice: { call: { ...call({ callerIdentity: 'alice' }), state: 'CALL_STATE_RINGING', calleeIdentity: 'agent-2' } } });
    socket.push({ callNotice: { call: { ...call({ callerIdentity: 'alice' }), state: 'CALL_STATE_ACTIVE', calleeIdentity: 'agent-2', agentIdentities: ['agent-2'] } } });
    await until(() => client.call('c_1')?.state === 'CALL_STATE_ACTIVE');
    expect(events).toEqual(['callQueued:c_1:2', 'callQueued:c_1:1', 'callConnecting:c_1']);
    expect(waits).toEqual([40, 20]);
    expect(client.call('c_1')).toMatchObject({ calleeIdentity: 'agent-2', agentIdentities: ['agent-2'] });
    await client.close();
  });

  it('an agent sets its state, is offered calls and told when an offer is gone, but not after rejecting it itself', async () => {
    const { client, socket } = await connectedClient();
    const events = deskEvents(client);
    const setting = client.setAgentState('claims', 'AGENT_STATE_AVAILABLE');
    const sent = await answer(socket, 'setAgentState', { agent: { teamId: 't_1', identity: 'alice', state: 'AGENT_STATE_AVAILABLE' } });
    expect(sent).toEqual({ team: 'claims', state: 'AGENT_STATE_AVAILABLE' });
    await expect(setting).resolves.toEqual({ teamId: 't_1', identity: 'alice', state: 'AGENT_STATE_AVAILABLE', stateTime: undefined, connected: false, busyElsewhere: 'AGENT_STATE_UNSPECIFIED' });

    // Offered, then it moves on (rang out): the offer is gone and the call forgotten.
    const offers: string[] = [];
    client.on('incomingCall', (e) => offers.push(`${e.call.metadata}:${e.callerPlayUrl?.rtcUrl}`));
    socket.push({ callNotice: { call: call({ state: 'CALL_STATE_RINGING', calleeIdentity: 'alice', metadata: 'claim 42' }), callerPlayUrl: { rtcUrl: 'webrtc://play/bob' } } });
    socket.push({ callNotice: { call: call({ state: 'CALL_STATE_QUEUED', queuePosition: 1 }) } });
    await until(() => events.length === 2);
    expect(client.call('c_1')).toBeUndefined();
    // A later copy of a call no longer this agent's tells it nothing.
    socket.push({ callNotice: { call: call({ state: 'CALL_STATE_RINGING', calleeIdentity: 'someone-else' }) } });

    // Offered, and the customer gives up while it rings.
    socket.push({ callNotice: { call: call({ id: 'c_2', state: 'CALL_STATE_RINGING', calleeIdentity: 'alice' }) } });
    socket.push({ callNotice: { call: call({ id: 'c_2', state: 'CALL_STATE_ENDED', calleeIdentity: 'alice', endReason: 'CALL_END_REASON_CANCELLED' }) } });
    await until(() => events.length === 5);

    // Offered, and rejected here: it goes back to the queue, which is no withdrawal.
    socket.push({ callNotice: { call: call({ id: 'c_3', state: 'CALL_STATE_RINGING', calleeIdentity: 'alice' }) } });
    await until(() => events.length === 6);
    const rejecting = client.rejectCall('c_3');
    expect(await answer(socket, 'answerCall', { call: call({ id: 'c_3', state: 'CALL_STATE_QUEUED', queuePosition: 1 }) })).toEqual({ callId: 'c_3', accept: false });
    await expect(rejecting).resolves.toMatchObject({ state: 'CALL_STATE_QUEUED' });
    expect(events).toEqual(['incomingCall:c_1', 'offerWithdrawn:c_1', 'incomingCall:c_2', 'offerWithdrawn:c_2', 'callEnded:c_2', 'incomingCall:c_3']);
    expect(offers[0]).toBe('claim 42:webrtc://play/bob');
    expect(client.activeCalls()).toEqual([]);
    await client.close();
  });

  it('an agent holding a call hands it to a team and invites a supervisor; the call is no longer its own', async () => {
    const { client, socket } = await connectedClient();
    const events = deskEvents(client);
    socket.push({ callNotice: { call: call({ state: 'CALL_STATE_RINGING', calleeIdentity: 'alice' }) } });
    await until(() => events.length === 1);
    const answering = client.answerCall('c_1');
    await answer(socket, 'answerCall', {
      call: call({ state: 'CALL_STATE_ACTIVE', calleeIdentity: 'alice', agentIdentities: ['alice'] }),
      room,
      member: seat('alice', 'm_a'),
      members: [seat('bob', 'm_b'), seat('alice', 'm_a')],
      pushUrl: { url: 'rtmp://x/live/st_m_a', streamId: 'st_m_a' },
      seq: 3,
    });
    expect((await answering).room?.members.map((m) => m.identity)).toEqual(['bob', 'alice']);

    const inviting = client.inviteToCall('c_1', 'supervisor');
    expect(await answer(socket, 'inviteToCall', { call: call({ state: 'CALL_STATE_ACTIVE', calleeIdentity: 'alice', invitedIdentities: ['supervisor'] }) })).toEqual({ callId: 'c_1', identity: 'supervisor' });
    await expect(inviting).resolves.toMatchObject({ invitedIdentities: ['supervisor'] });

    const transferring = client.transferCall('c_1', { toTeam: 'escalations' });
    expect(await answer(socket, 'transferCall', { call: call({ state: 'CALL_STATE_QUEUED', teamId: 't_2', agentIdentities: ['alice'], invitedIdentities: ['supervisor'] }) })).toEqual({ callId: 'c_1', toTeam: 'escalations' });
    await expect(transferring).resolves.toMatchObject({ state: 'CALL_STATE_QUEUED', teamId: 't_2', calleeIdentity: '' });
    expect(client.call('c_1')).toBeUndefined();
    expect(events).toEqual(['incomingCall:c_1']);
    await client.close();
  });

  it('someone invited into a running call is told once, and takes a seat with answerCall', async () => {
    const { client, socket } = await connectedClient();
    const events = deskEvents(client);
    const invited = call({ state: 'CALL_STATE_ACTIVE', calleeIdentity: 'agent-1', invitedIdentities: ['alice'] });
    socket.push({ callNotice: { call: invited } });
    socket.push({ callNotice: { call: invited } });
    await until(() => events.length === 1);
    const joining = client.answerCall('c_1');
    await answer(socket, 'answerCall', { call: invited, room, member: seat('alice', 'm_c'), members: [seat('bob', 'm_b'), seat('agent-1', 'm_a'), seat('alice', 'm_c')], pushUrl: { url: 'rtmp://x/live/st_m_c' }, seq: 5 });
    expect((await joining).room?.pushUrl.url).toBe('rtmp://x/live/st_m_c');
    socket.push({ callNotice: { call: { ...invited, invitedIdentities: ['alice', 'carol'] } } });
    await until(() => client.call('c_1')?.invitedIdentities.length === 2);
    expect(events).toEqual(['callInvitation:c_1']);
    await client.close();
  });

  it('reads a team with its agents and queue, and its figures, with every default filled in', async () => {
    const { client, socket } = await connectedClient();
    const reading = client.getTeam('claims');
    expect(
      await answer(socket, 'getTeam', {
        team: { id: 't_1', name: 'claims', ringTimeoutSeconds: 20, recordingFormats: ['mp4'] },
        agents: [{ teamId: 't_1', identity: 'alice', state: 'AGENT_STATE_WRAP_UP', stateTime: '2025-01-01T00:00:00Z', connected: true }, { identity: 'bob' }],
        queue: [call({ state: 'CALL_STATE_QUEUED', queuePosition: 1, queueTime: '2025-01-01T00:00:01Z' })],
      }),
    ).toEqual({ team: 'claims' });
    const team = await reading;
    expect(team.team).toMatchObject({ name: 'claims', displayName: '', ringTimeoutSeconds: 20, wrapUpSeconds: 0, recordingFormats: ['mp4'] });
    expect(team.agents.map((a) => [a.identity, a.state, a.connected])).toEqual([['alice', 'AGENT_STATE_WRAP_UP', true], ['bob', 'AGENT_STATE_UNSPECIFIED', false]]);
    expect(team.queue[0]).toMatchObject({ state: 'CALL_STATE_QUEUED', queuePosition: 1, estimatedWaitSeconds: 0, queueTime: '2025-01-01T00:00:01Z' });

    const figures = client.getTeamStats('claims');
    await answer(socket, 'getTeamStats', { stats: { teamId: 't_1', callsOffered: 3, callsAnswered: 2, averageWaitSeconds: 4.5 } });
    await expect(figures).resolves.toMatchObject({ callsOffered: 3, callsAnswered: 2, callsAbandoned: 0, averageWaitSeconds: 4.5, agentsAvailable: 0 });
    await client.close();
  });
});
