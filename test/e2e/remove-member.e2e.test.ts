// Removing and banning, as an admin client meets it through the gateway, on the real Postgres and NATS:
// a ban of someone not in the room is a pre-ban with an honest answer (no invented member), the same
// call without a ban is NOT_A_MEMBER, and a seated member is removed and told to the room.
import { issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1 } from '@rtcroom/proto';

const secret = 'remove-member-secret-long-enough-32b';
let system: RunningSystem;
let database: TestDatabase;
const clients: DemoClient[] = [];

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

async function connect(identity: string, roomAdmin = false): Promise<DemoClient> {
  const c = await DemoClient.connect(system.gatewayUrl, issueAccessToken(secret, { identity, grants: { roomCreate: true, roomJoin: true, roomAdmin } }));
  clients.push(c);
  return c;
}
const join = (c: DemoClient, value: Partial<gatewayv1.JoinRoomRequest>) => c.request({ $case: 'joinRoom', value: gatewayv1.JoinRoomRequest.fromPartial(value) });
const remove = (c: DemoClient, value: Partial<gatewayv1.RemoveMemberRequest>) =>
  c.request({ $case: 'removeMember', value: gatewayv1.RemoveMemberRequest.fromPartial(value) });

it('bans an identity not in the room ahead (no member in the answer, nobody told); without a ban it is NOT_A_MEMBER', async () => {
  const admin = await connect('admin-1', true);
  const { room } = await join(admin, { roomName: `ban-${Date.now().toString(36)}`, createIfMissing: true });
  const roomId = room!.id;

  // The answer as a JSON client reads it: no member, the time the ban ends.
  const frames: Record<string, any>[] = [];
  admin.socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  const before = Date.now();
  const preBan = await remove(admin, { roomId, identity: 'stranger', reasonText: 'known troll', banSeconds: 600 });
  expect(preBan.member).toBeUndefined();
  expect(preBan.bannedUntil!.getTime()).toBeGreaterThanOrEqual(before + 599_000);
  expect(preBan.bannedUntil!.getTime()).toBeLessThanOrEqual(Date.now() + 601_000);
  const raw = frames.find((f) => f.removeMember)!.removeMember;
  expect(Object.keys(raw)).toEqual(['bannedUntil']);

  const stranger = await connect('stranger');
  await expect(join(stranger, { roomId })).rejects.toMatchObject({ code: 'BANNED' });
  await expect(remove(admin, { roomId, identity: 'nobody', reasonText: '', banSeconds: 0 })).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  // The pre-ban was no event in the room.
  expect(admin.notices).toEqual([]);
});

it('removes a seated member, bans it, and the room hears REMOVED', async () => {
  const admin = await connect('admin-2', true);
  const guest = await connect('guest-2');
  const { room } = await join(admin, { roomName: `rm-${Date.now().toString(36)}`, createIfMissing: true });
  await join(guest, { roomId: room!.id });
  const removed = await remove(admin, { roomId: room!.id, identity: 'guest-2', reasonText: 'spam', banSeconds: 60 });
  expect([removed.member?.identity, removed.member?.leaveReason]).toEqual(['guest-2', roomv1.LeaveReason.LEAVE_REASON_REMOVED]);
  expect(removed.bannedUntil).toBeInstanceOf(Date);
  const left = await admin.waitForNotice((n) => n.notice?.$case === 'memberLeft');
  expect(left.notice?.$case === 'memberLeft' && [left.notice.value.reason, left.notice.value.reasonText]).toEqual([roomv1.LeaveReason.LEAVE_REASON_REMOVED, 'spam']);
  // Without a ban: removed, and no bannedUntil.
  const other = await connect('guest-3');
  await join(other, { roomId: room!.id });
  const plain = await remove(admin, { roomId: room!.id, identity: 'guest-3', reasonText: '', banSeconds: 0 });
  expect([plain.member?.identity, plain.bannedUntil]).toEqual(['guest-3', undefined]);
});
