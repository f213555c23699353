// The mini-program example on a phone whose WeChat is set to Chinese (language zh_CN): its pages and
// the SDK's messages are in Chinese from the start, a call rings and ends in Chinese, and the language
// switch on the first page turns them English, remembered when the mini-program starts again. Against
// the real system.
import type { RtcRoomClient } from '@rtcroom/sdk';
import WebSocket from 'ws';
import { connectClient, roomName, startTestSystem, TestSystem, token } from '../system';
import { closePhones, installExample, InstalledExample, signedInPhone, stateChange, tapAndOpen, until } from './example';
import { startPhone } from './phone';

let t: TestSystem;
let example: InstalledExample;
beforeAll(async () => {
  // One session opened at a time: connections that come together wait in line (the busy-gateway test).
  t = await startTestSystem({ GATEWAY_MAX_OPENING: '1' });
  example = await installExample(t.system.gatewayAddress);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  example?.remove();
});

const clients: RtcRoomClient[] = [];
afterEach(async () => {
  await closePhones();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

it('a phone in zh_CN shows the pages and the SDK\'s errors in Chinese', async () => {
  const phone = await startPhone(example.dir, { language: 'zh_CN' });
  const index = phone.top('pages/index/index');
  expect([index.data.locale, index.data.t.signIn, index.data.t.enterRoom, index.data.t.switchLanguage]).toEqual(['zh-CN', '登录', '进入房间', 'English']);
  index.onIdentity({ detail: { value: 'not an identity!' } });
  await index.signIn();
  expect([index.data.signedIn, index.data.error]).toEqual([false, '无法连接到服务器。']);

  const name = roomName('mp-zh');
  const owner = await connectClient(t.system, `owner-${name}`);
  clients.push(owner);
  const joined = await owner.enterRoom(name);
  const lin = await signedInPhone(example, `lin-${name}`, '林', { language: 'zh_CN' });
  const client = lin.require('/utils/session.js').getClient() as RtcRoomClient;
  expect(client.locale).toBe('zh-CN');
  lin.top().onRoomName({ detail: { value: name } });
  const room = await tapAndOpen(lin, () => lin.top().enterRoom(), 'pages/room/room', (p) => p.data.roomId);
  expect([room.data.status, room.data.t.you, room.data.t.leave]).toEqual(['房间内 2/6 人', '我', '离开']);

  // The SDK's diagnostics carry the code's meaning in the client's language beside the English one.
  const diagnostics: { meaning: string; message: string }[] = [];
  client.on('pusherState', (d) => diagnostics.push(d));
  room.onPusherState(stateChange(1002));
  await until(() => diagnostics.length, 'the pusher diagnostic');
  expect(diagnostics[0]).toMatchObject({ meaning: 'push began', message: '推流开始' });

  await owner.closeRoom(joined.room.id);
  await until(() => room.data.status === '房间已关闭', 'the page to say the room closed, in Chinese');
  expect(lin.toasts).toEqual(['房间已关闭']);
  expect([...phone.problems, ...lin.problems]).toEqual([]);
});

it('a call between two Chinese phones: asked in Chinese, its states and its end in Chinese', async () => {
  const tag = roomName('call-zh');
  const [linId, wangId] = [`lin-${tag}`, `wang-${tag}`];
  const lin = await signedInPhone(example, linId, '', { language: 'zh_CN' });
  const wang = await signedInPhone(example, wangId, '', { language: 'zh_CN' });
  const index = lin.top('pages/index/index');
  index.onCallee({ detail: { value: wangId } });
  const linCall = await tapAndOpen(lin, () => index.call(), 'pages/call/call', (p) => p.data.callId);
  expect(linCall.data).toMatchObject({ status: '正在呼叫…', stateText: '呼叫中…' });
  expect([linCall.data.t.hangUp, linCall.data.t.cancel]).toEqual(['挂断', '取消']);

  linCall.onPusherState(stateChange(1002));
  await until(() => wang.modals.length === 1, 'Wang to be asked');
  expect(wang.modals[0]).toEqual({ title: '来电', content: `${linId} 邀请你视频通话` });
  const wangCall = await until(() => wang.top().route === 'pages/call/call' && wang.top().data.active && wang.top(), 'Wang\'s call page to answer');
  expect(wangCall.data.stateText).toBe('通话中');
  wangCall.end();
  await until(() => lin.toasts.includes('通话已结束') && wang.toasts.includes('通话已结束'), 'both sides to be told, in Chinese');
  expect([...lin.problems, ...wang.problems]).toEqual([]);
});

it('the language switch turns the pages English and is remembered when the mini-program starts again', async () => {
  const phone = await startPhone(example.dir, { language: 'zh_CN' });
  const index = phone.top('pages/index/index');
  index.switchLanguage();
  expect([index.data.locale, index.data.t.signIn, index.data.t.switchLanguage]).toEqual(['en', 'Sign in', '中文']);
  expect(phone.storage.get('rtcroom.locale')).toBe('en');

  const again = await startPhone(example.dir, { language: 'zh_CN', storage: phone.storage });
  expect(again.top('pages/index/index').data.t.signIn).toBe('Sign in');
  const name = roomName('mp-switch');
  const signedIn = await signedInPhone(example, `wang-${name}`, '', { language: 'zh_CN', storage: phone.storage });
  expect((signedIn.require('/utils/session.js').getClient() as RtcRoomClient).locale).toBe('en');

  // And back: a signed-in client is told at once.
  signedIn.top('pages/index/index').switchLanguage();
  expect((signedIn.require('/utils/session.js').getClient() as RtcRoomClient).locale).toBe('zh-CN');
  expect(signedIn.top('pages/index/index').data.t.customerService).toBe('在线客服');
});

it('a phone that meets a busy gateway is told in Chinese where it stands in line, and signs in', async () => {
  // Sixty connections come just ahead of it, and are opened one at a time.
  const ahead = Array.from({ length: 60 }, (_, i) => new WebSocket(`${t.system.gatewayUrl}?access_token=${encodeURIComponent(token(`ahead-${i}-${Date.now().toString(36)}`))}`));
  try {
    const phone = await signedInPhone(example, `queued-${Date.now().toString(36)}`, '', { language: 'zh_CN' });
    expect(phone.toasts.find((x) => x.startsWith('排队连接中：第 '))).toMatch(/^排队连接中：第 \d+ 位，约 \d+ 秒$/);
  } finally {
    for (const ws of ahead) ws.on('error', () => undefined).close(1000);
  }
});
