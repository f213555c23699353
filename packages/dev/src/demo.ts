// Two demo clients walk the thin path against a running gateway: npm run demo
//   GATEWAY_URL (default ws://127.0.0.1:8787/v1/ws); tokens come from ACCESS_TOKEN_SECRET if set, else
//   from the embedded default's /dev/token endpoint.
import { issueAccessToken, readCommandLine, startItFirst, unreachableCode } from '@rtcroom/common';
import { roomv1 } from '@rtcroom/proto';
import { DemoClient } from './demo-client';
import { defaultGatewayUrl } from './demo-command';

const usage = `usage: [GATEWAY_URL=ws://host:port/v1/ws] [ACCESS_TOKEN_SECRET=...] npm run demo
Two clients, alice and bob, walk the thin path against a running gateway (default
ws://127.0.0.1:8787/v1/ws, npm run up's): create a room, join, push, leave, and what each is told.
Tokens are signed with ACCESS_TOKEN_SECRET when set, else fetched from the gateway's /dev/token.
`;
readCommandLine(usage, { options: { help: { type: 'boolean', short: 'h' } } });

const gatewayUrl = process.env.GATEWAY_URL || defaultGatewayUrl;

async function tokenFor(identity: string): Promise<string> {
  const secret = process.env.ACCESS_TOKEN_SECRET;
  if (secret) return issueAccessToken(secret, { identity });
  const http = gatewayUrl.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '');
  const res = await fetch(`${http}/dev/token?identity=${encodeURIComponent(identity)}`);
  if (!res.ok) throw new Error(`could not get a dev token (${res.status}); set ACCESS_TOKEN_SECRET`);
  return ((await res.json()) as { token: string }).token;
}

const say = (who: string, what: string) => process.stdout.write(`${who.padEnd(6)} ${what}\n`);

async function main() {
  const room = `demo-${Date.now().toString(36)}`;
  const alice = await DemoClient.connect(gatewayUrl, await tokenFor('alice'));
  const bob = await DemoClient.connect(gatewayUrl, await tokenFor('bob'));
  say('alice', `connected, session ${alice.welcome?.sessionId}`);
  say('bob', `connected, session ${bob.welcome?.sessionId}`);

  const created = await alice.request({ $case: 'createRoom', value: { room: { name: room, maxMembers: 6 } as never } });
  say('alice', `created room ${created.room?.name} (${created.room?.id}), ${created.room?.maxMembers} seats`);
  const roomId = created.room!.id;

  const a = await alice.request({ $case: 'joinRoom', value: { roomId, roomName: '', displayName: 'Alice', createIfMissing: false, createOptions: undefined, idempotencyKey: '', role: roomv1.MemberRole.MEMBER_ROLE_SEAT } });
  say('alice', `joined; push URL ${a.pushUrl?.url}`);
  const b = await bob.request({ $case: 'joinRoom', value: { roomId, roomName: '', displayName: 'Bob', createIfMissing: false, createOptions: undefined, idempotencyKey: '', role: roomv1.MemberRole.MEMBER_ROLE_SEAT } });
  say('bob', `joined; members now ${b.members.map((m) => m.identity).join(', ')}; push URL ${b.pushUrl?.url}`);
  const joined = await alice.waitForNotice((n) => n.notice?.$case === 'memberJoined');
  say('alice', `told: ${joined.notice?.$case === 'memberJoined' && joined.notice.value.member?.identity} joined (seq ${joined.seq})`);

  const pushed = await alice.request({ $case: 'reportPusherEvent', value: { roomId, code: 1002, message: 'PUSH_EVT_PUSH_BEGIN' } });
  say('alice', `reported pusher event 1002 -> ${pushed.action}`);
  const started = await bob.waitForNotice((n) => n.notice?.$case === 'streamStarted');
  const play = started.notice?.$case === 'streamStarted' ? started.notice.value.playUrl?.rtcUrl : '';
  say('bob', `told: alice's stream began (seq ${started.seq}); play it with <live-player mode="RTC" src="${play}">`);

  await bob.request({ $case: 'leaveRoom', value: { roomId } });
  say('bob', 'left');
  const left = await alice.waitForNotice((n) => n.notice?.$case === 'memberLeft');
  say('alice', `told: bob left (${left.notice?.$case === 'memberLeft' && left.notice.value.reason}, seq ${left.seq})`);

  await alice.close();
  await bob.close();
  say('demo', 'the thin path works end to end');
}

main().catch((err) => {
  const unreachable = unreachableCode(err);
  process.stderr.write(unreachable ? startItFirst('gateway', gatewayUrl, unreachable, 'GATEWAY_URL') : `demo failed: ${err?.message ?? err}\n`);
  process.exit(1);
});
