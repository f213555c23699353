// The service desk's routing as the use cases run it, on the in-memory store (test/support): a
// customer's call queues once its push begins and is offered to the connected agent available
// longest; a declined offer goes to the next one.
import { InMemoryRoomService, inMemoryRoomService } from '../../../test/support/in-memory-room-service';
import type { Team } from '../domain/desk';

describe('desk routing (in-memory store)', () => {
  let svc: InMemoryRoomService;
  let team: Team;
  beforeEach(async () => {
    svc = inMemoryRoomService();
    team = await svc.desk.createTeam({ name: 'support', displayName: 'Support', recordingFormats: [], ringTimeoutSeconds: 0, wrapUpSeconds: 0, queueLimit: 0 });
  });
  afterEach(() => svc.stop());

  /** An agent available (and connected) since `secondsAgo`. */
  const availableSince = async (identity: string, secondsAgo: number) => {
    svc.presence.online.add(identity);
    const since = new Date(Date.now() - secondsAgo * 1000);
    await svc.store.desk.saveAgent({ teamId: team.id, identity, state: 'available', stateSince: since, availableSince: null, wrapUpUntil: null });
  };
  const customerCalls = async (identity: string) => {
    const seat = await svc.desk.callTeam({ team: 'support', customerIdentity: identity, customerSessionId: `s-${identity}`, customerDisplayName: identity, metadata: '' });
    expect(seat.call.state).toBe('dialing');
    await svc.members.setStreamState(seat.room.id, identity, true, 'client');
    return seat.call.id;
  };
  const agentState = async (identity: string) => (await svc.store.desk.lockAgent(team.id, identity))?.state;

  it("offers a queued call to the connected agent available longest; the agent's seat answers it", async () => {
    await availableSince('newcomer', 10);
    await availableSince('veteran', 600);
    await availableSince('gone', 3600);
    svc.presence.online.delete('gone'); // available but not connected: out of rotation
    const callId = await customerCalls('cus');
    await svc.routing.route(team.id);
    const ringing = await svc.calls.get(callId);
    expect(ringing).toMatchObject({ state: 'ringing', calleeIdentity: 'veteran' });
    expect(await agentState('veteran')).toBe('ringing');

    const answered = await svc.calls.answer(callId, 'veteran', 's-veteran', true, 'Veteran');
    expect(answered.call.state).toBe('active');
    expect(answered.call.agentIdentities).toEqual(['veteran']);
    expect(await agentState('veteran')).toBe('in_call');
    expect(await agentState('newcomer')).toBe('available');
  });

  it('offers a declined call to the next agent', async () => {
    await availableSince('first', 600);
    await availableSince('second', 60);
    const callId = await customerCalls('cus');
    await svc.routing.route(team.id);
    expect((await svc.calls.get(callId)).calleeIdentity).toBe('first');
    await svc.calls.answer(callId, 'first', 's-first', false, '');
    await svc.routing.route(team.id);
    expect(await svc.calls.get(callId)).toMatchObject({ state: 'ringing', calleeIdentity: 'second', declinedBy: ['first'] });
    expect(await agentState('first')).toBe('available');
  });

  it('turns a customer away when nobody of the team is signed in, before making a room', async () => {
    await expect(
      svc.desk.callTeam({ team: 'support', customerIdentity: 'cus', customerSessionId: 's-cus', customerDisplayName: 'cus', metadata: '' }),
    ).rejects.toMatchObject({ reason: 'TEAM_CLOSED' });
    expect(await svc.store.rooms.listOpenRooms(10, null)).toEqual([]);
  });
});
