// The mini-program example's 1:1 call (examples/miniprogram: the index page's Call, app.js's incoming
// call question, pages/call), its own code on two phones (phone.ts) against the real system: the
// callee is asked only once the caller's push began, answers, and each side plays the other once its
// push began; hanging up ends both pages. A declined call and a callee who is offline are told in words.
// A callee whose mini-program WeChat closed mid-call is back in the call page when it is opened again.
import { recorder, roomName, startTestSystem, TestSystem } from '../system';
import { closePhones, installExample, InstalledExample, signedInPhone, stateChange, tapAndOpen, until } from './example';
import type { Phone } from './phone';

let t: TestSystem;
let example: InstalledExample;
beforeAll(async () => {
  t = await startTestSystem();
  example = await installExample(t.system.gatewayAddress);
}, 120_000);
afterAll(async () => {
  await t?.stop();
  example?.remove();
});
afterEach(() => closePhones());

/** The caller types whom to call and taps Call: the call page opens and places the call. */
function call(phone: Phone, callee: string) {
  const index = phone.top('pages/index/index');
  index.onCallee({ detail: { value: callee } });
  return tapAndOpen(phone, () => index.call(), 'pages/call/call', (p) => p.data.callId);
}

it('Alice calls Bob: Bob is asked once her push began, answers, each plays the other; Alice hangs up and both pages close', async () => {
  const tag = roomName('call');
  const [aliceId, bobId] = [`alice-${tag}`, `bob-${tag}`];
  const alice = await signedInPhone(example, aliceId);
  const bob = await signedInPhone(example, bobId);

  const aliceCall = await call(alice, bobId);
  expect(aliceCall.data).toMatchObject({ other: bobId, status: 'Calling…', stateText: 'calling…', active: false, remoteUrl: '' });
  expect(aliceCall.data.pushUrl).toMatch(/^rtmp:\/\//);
  expect(bob.modals).toEqual([]); // nothing rings before the caller's push began

  aliceCall.onPusherState(stateChange(1002));
  await until(() => bob.modals.length === 1, 'Bob to be asked');
  expect(bob.modals[0]).toEqual({ title: 'Incoming call', content: `${aliceId} is calling you` });
  // Bob taps Answer (the phone confirms): the call page opens and answers.
  const bobCall = await until(() => bob.top().route === 'pages/call/call' && bob.top().data.active && bob.top(), 'Bob\'s call page to answer');
  expect(bobCall.data).toMatchObject({ other: aliceId, stateText: 'in call', active: true });
  expect(bobCall.data.remoteUrl).toMatch(new RegExp(`^rtmp://.*viewer=${bobId}`)); // Alice, signed for Bob
  expect(bobCall.data.pushUrl).toMatch(/^rtmp:\/\//);
  await until(() => aliceCall.data.active, 'Alice\'s page to see the answer');
  expect(aliceCall.data.stateText).toBe('in call');
  expect(aliceCall.data.remoteUrl).toBe(''); // Bob's push has not begun

  bobCall.onPusherState(stateChange(1002));
  await until(() => aliceCall.data.remoteUrl, 'Bob\'s stream on Alice\'s phone');
  expect(aliceCall.data.remoteUrl).toMatch(new RegExp(`^rtmp://.*viewer=${aliceId}`));
  aliceCall.onPlayerState(stateChange(2004, aliceCall.data.remoteMemberId));

  aliceCall.end(); // Hang up
  await until(() => alice.toasts.includes('Call ended') && bob.toasts.includes('Call ended'), 'both sides to be told');
  await until(() => alice.top().route === 'pages/index/index' && bob.top().route === 'pages/index/index', 'both call pages to close');
  expect([...alice.problems, ...bob.problems]).toEqual([]);
});

it('Bob, his mini-program closed mid-call and opened again, is back in the call page: the same seat, Alice sees him dropped and back', async () => {
  const tag = roomName('again');
  const [aliceId, bobId] = [`alice-${tag}`, `bob-${tag}`];
  const alice = await signedInPhone(example, aliceId);
  const storage = new Map<string, unknown>();
  const bob = await signedInPhone(example, bobId, '', { storage });
  const aliceCall = await call(alice, bobId);
  aliceCall.onPusherState(stateChange(1002));
  const bobCall = await until(() => bob.top().route === 'pages/call/call' && bob.top().data.active && bob.top(), 'Bob\'s call page to answer');
  bobCall.onPusherState(stateChange(1002));
  await until(() => aliceCall.data.remoteUrl, 'Bob\'s stream on Alice\'s phone');
  const aliceClient = alice.require('/utils/session.js').getClient();
  const connection = recorder(aliceClient, 'memberConnection');
  const left = recorder(aliceClient, 'memberLeft');

  bob.kill();
  await connection.next((e) => e.member.identity === bobId && !e.connected);
  // Opened again, Bob signs in as before: the app goes straight back into the call.
  const again = await signedInPhone(example, bobId, '', { storage });
  const back = await until(() => again.top().route === 'pages/call/call' && again.top().data.active && again.top(), 'Bob\'s call page back');
  expect(back.data).toMatchObject({ callId: bobCall.data.callId, roomId: bobCall.data.roomId, other: aliceId, stateText: 'in call' });
  expect(back.data.remoteUrl).toMatch(new RegExp(`^rtmp://.*viewer=${bobId}`));
  expect(back.data.remoteMemberId).toBe(bobCall.data.remoteMemberId);
  expect(back.data.pushUrl).toMatch(/^rtmp:\/\//);
  await connection.next((e) => e.member.identity === bobId && e.connected);
  expect(left.seen).toEqual([]);
  expect(aliceCall.data.active).toBe(true);

  back.end(); // Bob hangs up
  await until(() => alice.toasts.includes('Call ended'), 'Alice to be told');
  expect([...alice.problems, ...again.problems]).toEqual([]);
});

it('Bob declines: Alice is told "Declined" and her call page closes', async () => {
  const tag = roomName('decline');
  const alice = await signedInPhone(example, `alice-${tag}`);
  const bob = await signedInPhone(example, `bob-${tag}`);
  bob.answerModalsWith('cancel');
  const aliceCall = await call(alice, `bob-${tag}`);
  aliceCall.onPusherState(stateChange(1002));
  await until(() => alice.toasts.includes('Declined'), 'Alice to be told');
  await until(() => alice.top().route === 'pages/index/index', 'Alice\'s call page to close');
  expect(bob.top().route).toBe('pages/index/index');
  expect([...alice.problems, ...bob.problems]).toEqual([]);
});

it('calling someone who is not online: "They are not online", and back', async () => {
  const alice = await signedInPhone(example, `alice-${roomName('offline')}`);
  const index = alice.top('pages/index/index');
  index.onCallee({ detail: { value: 'nobody-is-here' } });
  index.call();
  await until(() => alice.toasts.includes('They are not online'), 'the refusal in words');
  await until(() => alice.top().route === 'pages/index/index', 'the call page to close');
  expect(alice.problems).toEqual([]);
});
