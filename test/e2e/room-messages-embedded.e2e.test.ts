// Room messages on the embedded default (`npm run up`: PGlite and the in-process bus): a message to the
// room and a private one are delivered as on Postgres and NATS, and the history answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken } from '@rtcroom/common';
import { eventually } from '@rtcroom/common/testing';
import { DemoClient, RunningSystem, startAll } from '@rtcroom/dev';
import { gatewayv1 } from '@rtcroom/proto';

const secret = 'embedded-messages-secret-long-enough';
let system: RunningSystem;
const clients: DemoClient[] = [];

beforeAll(async () => {
  system = await startAll({
    env: { ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', EMBEDDED_DATA_DIR: mkdtempSync(join(tmpdir(), 'rtcroom-messages-')) },
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
const say = (c: DemoClient, roomId: string, text: string, recipients: string[] = []) =>
  c.request({ $case: 'sendMessage', value: { roomId, recipients, body: { $case: 'text', value: text }, idempotencyKey: '' } });

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
