// Authorization as a client meets it, through the gateway, on the real Postgres and NATS: a token scoped
// to one room acts in that room only, whatever mix of ids and names it sends; room_admin is scoped the
// same way; a room's owner manages it unless the room says otherwise; listing rooms needs its own grant.
// The room service decides all of it (the gateway only passes the token's grants through).
import { createClient, Grants, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { deskServicev1, deskv1, gatewayv1, roomServicev1, roomv1 } from '@rtcroom/proto';

const secret = 'authz-secret-long-enough-to-count-32b';
let system: RunningSystem;
let database: TestDatabase;
const clients: DemoClient[] = [];
let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

beforeAll(async () => {
  database = await createTestDatabase();
  system = await startAll({
    env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true' },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await system?.stop();
  await database?.drop();
});

async function connect(identity: string, grants: Grants): Promise<DemoClient> {
  const c = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity, grants }));
  clients.push(c);
  return c;
}

const user = { roomCreate: true, roomJoin: true } satisfies Grants;
type Req = NonNullable<gatewayv1.ClientMessage['message']>;
const codeOf = (c: DemoClient, req: Req) => c.request(req).then(() => 'OK', (err: { code?: string }) => err.code ?? String(err));
const join = (value: Partial<gatewayv1.JoinRoomRequest>): Req => ({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) });

/** Two open rooms made by an unscoped user: "lobby" (the scope of the tokens below) and another. */
async function twoRooms() {
  const maker = await connect(unique('maker'), user);
  const lobby = (await maker.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: unique('lobby') }) } })).room!;
  const other = (await maker.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: unique('other') }) } })).room!;
  return { maker, lobby, other };
}

describe('a token scoped to one room', () => {
  it('joins that room by name or id, and no other by any mix of ids and names', async () => {
    const { lobby, other } = await twoRooms();
    const scoped = await connect(unique('scoped'), { ...user, room: lobby.name });
    // The attack of the issue: another room's id next to the scope's name.
    expect(await codeOf(scoped, join({ roomId: other.id, roomName: lobby.name }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, join({ roomId: other.id }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, join({ roomName: other.name }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, join({ roomName: unique('new'), createIfMissing: true }))).toBe('PERMISSION_DENIED');
    // Permission before existence: a room that does not exist is refused the same way.
    expect(await codeOf(scoped, join({ roomId: 'r_doesnotexist00000000' }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, { $case: 'getRoom', value: { roomId: other.id, name: '' } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, join({ roomName: lobby.name }))).toBe('OK');
    const byId = await connect(unique('scoped-by-id'), { ...user, room: lobby.id });
    expect(await codeOf(byId, join({ roomId: lobby.id }))).toBe('OK');
    expect(await codeOf(byId, join({ roomName: lobby.name }))).toBe('OK');
    expect(await codeOf(byId, join({ roomId: other.id, roomName: lobby.name }))).toBe('PERMISSION_DENIED');
  });

  it('creates only the room it is scoped to', async () => {
    const name = unique('mine');
    const scoped = await connect(unique('creator'), { ...user, room: name });
    expect(await codeOf(scoped, { $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: unique('elsewhere') }) } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, { $case: 'createRoom', value: { room: roomv1.Room.fromPartial({}) } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, join({ roomName: name, createIfMissing: true }))).toBe('OK');
  });

  it('with room_admin manages its room only; an unscoped room_admin manages every room', async () => {
    const { maker, lobby, other } = await twoRooms();
    await maker.request(join({ roomId: other.id }));
    const admin = await connect(unique('lobby-admin'), { roomJoin: true, roomAdmin: true, room: lobby.name });
    const update = (roomId: string): Req => ({ $case: 'updateRoom', value: { roomId, displayName: 'renamed', metadata: '', updateMask: ['display_name'] } });
    expect(await codeOf(admin, update(other.id))).toBe('PERMISSION_DENIED');
    expect(await codeOf(admin, { $case: 'removeMember', value: { roomId: other.id, identity: maker.welcome!.identity, reasonText: '', banSeconds: 0 } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(admin, { $case: 'closeRoom', value: { roomId: other.id } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(admin, update(lobby.id))).toBe('OK');
    expect(await codeOf(admin, { $case: 'closeRoom', value: { roomId: lobby.id } })).toBe('OK');
    const operator = await connect(unique('operator'), { roomAdmin: true });
    expect(await codeOf(operator, update(other.id))).toBe('OK');
    expect(await codeOf(operator, { $case: 'closeRoom', value: { roomId: other.id } })).toBe('OK');
  });
});

describe("a room's owner", () => {
  it('closes its room and removes members; other members do neither', async () => {
    const owner = await connect(unique('owner'), user);
    const guest = await connect(unique('guest'), user);
    const room = (await owner.request({ $case: 'createRoom', value: { room: roomv1.Room.fromPartial({ name: unique('owned') }) } })).room!;
    expect(room.ownerIdentity).toBe(owner.welcome!.identity);
    expect(room.ownerRights).toBe(roomv1.OwnerRights.OWNER_RIGHTS_MANAGE);
    await owner.request(join({ roomId: room.id }));
    await guest.request(join({ roomId: room.id }));
    expect(await codeOf(guest, { $case: 'removeMember', value: { roomId: room.id, identity: owner.welcome!.identity, reasonText: '', banSeconds: 0 } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(guest, { $case: 'closeRoom', value: { roomId: room.id } })).toBe('PERMISSION_DENIED');
    const removed = await owner.request({ $case: 'removeMember', value: { roomId: room.id, identity: guest.welcome!.identity, reasonText: 'bye', banSeconds: 0 } });
    expect(removed.member?.leaveReason).toBe(roomv1.LeaveReason.LEAVE_REASON_REMOVED);
    const closed = await owner.request({ $case: 'closeRoom', value: { roomId: room.id } });
    expect(closed.room?.state).toBe(roomv1.RoomState.ROOM_STATE_CLOSED);
  });

  it('manages nothing in a room created with OWNER_RIGHTS_NONE, and cannot switch them on', async () => {
    const owner = await connect(unique('owner'), user);
    const guest = await connect(unique('guest'), user);
    const spec = roomv1.Room.fromPartial({ name: unique('unowned'), ownerRights: roomv1.OwnerRights.OWNER_RIGHTS_NONE });
    const room = (await owner.request({ $case: 'createRoom', value: { room: spec } })).room!;
    await guest.request(join({ roomId: room.id }));
    expect(await codeOf(owner, { $case: 'removeMember', value: { roomId: room.id, identity: guest.welcome!.identity, reasonText: '', banSeconds: 0 } })).toBe('PERMISSION_DENIED');
    expect(await codeOf(owner, { $case: 'closeRoom', value: { roomId: room.id } })).toBe('PERMISSION_DENIED');
    // Through internal gRPC, an owner (even one with manage rights) may not change owner_rights; an admin may.
    const rooms = createClient(roomServicev1.RoomServiceService, system.roomGrpcAddress);
    try {
      const asOwner = { identity: owner.welcome!.identity, grants: { roomCreate: true, roomJoin: true, room: '', roomList: false, roomAdmin: false, agentTeams: [], audienceOnly: false, supervisorTeams: [] } };
      const patch = { roomId: room.id, room: roomv1.Room.fromPartial({ ownerRights: roomv1.OwnerRights.OWNER_RIGHTS_MANAGE }), updateMask: ['owner_rights'] };
      await expect(rooms.updateRoom({ ...patch, principal: asOwner })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
      const updated = await rooms.updateRoom(patch); // no principal: the operator
      expect(updated.room?.ownerRights).toBe(roomv1.OwnerRights.OWNER_RIGHTS_MANAGE);
    } finally {
      rooms.close();
    }
    expect(await codeOf(owner, { $case: 'closeRoom', value: { roomId: room.id } })).toBe('OK');
  });
});

describe('reading and listing rooms', () => {
  it('listing needs the room_list grant (not in the default token); a scoped one lists only its room', async () => {
    const { lobby } = await twoRooms();
    const plain = await connect(unique('plain'), user);
    expect(await codeOf(plain, { $case: 'listRooms', value: { pageSize: 10, pageToken: '' } })).toBe('PERMISSION_DENIED');
    const lister = await connect(unique('lister'), { roomList: true });
    const all = await lister.request({ $case: 'listRooms', value: { pageSize: 100, pageToken: '' } });
    expect(all.rooms.length).toBeGreaterThanOrEqual(2);
    const scopedLister = await connect(unique('scoped-lister'), { roomList: true, room: lobby.name });
    const mine = await scopedLister.request({ $case: 'listRooms', value: { pageSize: 100, pageToken: '' } });
    expect(mine.rooms.map((r) => r.id)).toEqual([lobby.id]);
  });

  it('a room one is not in is read only with room_list; one is in, always', async () => {
    const { maker, lobby } = await twoRooms();
    const plain = await connect(unique('plain'), user);
    expect(await codeOf(plain, { $case: 'getRoom', value: { roomId: lobby.id, name: '' } })).toBe('PERMISSION_DENIED');
    await plain.request(join({ roomId: lobby.id }));
    expect(await codeOf(plain, { $case: 'getRoom', value: { roomId: lobby.id, name: '' } })).toBe('OK');
    expect(await codeOf(maker, { $case: 'getRoom', value: { roomId: '', name: lobby.name } })).toBe('OK'); // the owner
  });
});

describe('tokens without the grant', () => {
  it('a token without room_join takes no seat; without room_create makes no room, but joins one that exists', async () => {
    const { lobby } = await twoRooms();
    const viewer = await connect(unique('viewer'), { roomList: true });
    expect(await codeOf(viewer, join({ roomId: lobby.id }))).toBe('PERMISSION_DENIED');
    const joiner = await connect(unique('joiner'), { roomJoin: true });
    expect(await codeOf(joiner, join({ roomName: unique('missing'), createIfMissing: true }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(joiner, join({ roomName: lobby.name, createIfMissing: true }))).toBe('OK');
  });
});

describe('calls and the service desk', () => {
  it('a scoped token places no call and calls no team (a call is a room of its own)', async () => {
    const scoped = await connect(unique('scoped-caller'), { ...user, room: unique('lobby') });
    const callee = await connect(unique('callee'), user);
    expect(await codeOf(scoped, { $case: 'placeCall', value: gatewayv1.PlaceCallRequest.fromPartial({ calleeIdentity: callee.welcome!.identity }) })).toBe('PERMISSION_DENIED');
    expect(await codeOf(scoped, { $case: 'callTeam', value: { team: 'any-team', metadata: '' } })).toBe('PERMISSION_DENIED');
  });

  it("an agent acts for the teams of its grant, named by id or by name, and no other's", async () => {
    const desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
    try {
      const mine = (await desk.createTeam({ team: deskv1.Team.fromPartial({ name: unique('mine') }) })).team!;
      const theirs = (await desk.createTeam({ team: deskv1.Team.fromPartial({ name: unique('theirs') }) })).team!;
      const agent = await connect(unique('agent'), { agentTeams: [mine.name] });
      const state = (team: string): Req => ({ $case: 'setAgentState', value: { team, state: deskv1.AgentState.AGENT_STATE_AWAY } });
      expect(await codeOf(agent, state(mine.name))).toBe('OK');
      expect(await codeOf(agent, state(mine.id))).toBe('OK');
      expect(await codeOf(agent, state(theirs.name))).toBe('PERMISSION_DENIED');
      expect(await codeOf(agent, { $case: 'getTeam', value: { team: theirs.id } })).toBe('PERMISSION_DENIED');
      expect(await codeOf(agent, { $case: 'getTeamStats', value: { team: theirs.name } })).toBe('PERMISSION_DENIED');
      expect(await codeOf(agent, { $case: 'getTeamStats', value: { team: mine.id } })).toBe('OK');
    } finally {
      desk.close();
    }
  });
});
