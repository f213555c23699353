// Audiences on the embedded default (`npm run up`: PGlite and the in-process bus): an audience member
// joins without a push URL, the seated hear the audience's size, and 连麦 promotes it to a seat.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken } from '@rtcroom/common';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1, roomv1 } from '@rtcroom/proto';

const secret = 'embedded-audience-secret-long-enough';
let system: RunningSystem;
const clients: DemoClient[] = [];

beforeAll(async () => {
  system = await startAll({
    env: { ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', EMBEDDED_DATA_DIR: mkdtempSync(join(tmpdir(), 'rtcroom-audience-')) },
    ephemeralPorts: true,
    logLevel: 'silent',
  });
}, 60_000);
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
