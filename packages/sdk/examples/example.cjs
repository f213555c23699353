// The same app as example.mjs, with require (CommonJS): npm install @rtcroom/sdk ws
//   GATEWAY_URL=ws://127.0.0.1:8787/v1/ws ROOM=demo IDENTITY=node-1 node example.cjs
const { nodeSocket, RtcRoomClient, RtcRoomError } = require('@rtcroom/sdk');
const WebSocket = require('ws');

const gatewayUrl = process.env.GATEWAY_URL || 'ws://127.0.0.1:8787/v1/ws';
const roomName = process.env.ROOM || 'demo';
const identity = process.env.IDENTITY || 'node-example';

// Tokens come from your backend; `npm run up` serves development ones at /dev/token.
async function fetchToken() {
  if (process.env.ACCESS_TOKEN) return process.env.ACCESS_TOKEN;
  const tokenUrl = gatewayUrl.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '/dev/token');
  const res = await fetch(`${tokenUrl}?identity=${encodeURIComponent(identity)}`);
  if (!res.ok) throw new Error(`token: HTTP ${res.status}`);
  return (await res.json()).token;
}

async function main() {
  const client = new RtcRoomClient({ socket: nodeSocket(WebSocket) });
  client.on('memberJoined', (e) => console.log(`${e.member.identity} joined`));
  client.on('streamReady', (e) => e.self || console.log(`${e.member.identity} is live: ${e.playUrl && e.playUrl.rtcUrl}`));
  try {
    const welcome = await client.connect(gatewayUrl, fetchToken);
    console.log(`connected as ${welcome.identity}`);
    const joined = await client.enterRoom(roomName);
    console.log(`in room ${joined.room.name} with ${joined.members.map((m) => m.identity).join(', ')}`);
    console.log(`push URL: ${joined.pushUrl.url}`);
    for (const m of joined.members) {
      if (joined.playUrls[m.memberId]) console.log(`${m.identity} plays at ${joined.playUrls[m.memberId].rtcUrl}`);
    }
    console.log(`push reported: ${await client.reportPusherEvent(joined.room.id, 1002)}`);
    await client.leaveRoom(joined.room.id);
    console.log('left');
  } catch (err) {
    console.error(err instanceof RtcRoomError ? `failed: ${err.code} (${err.message})` : err);
    process.exitCode = 1;
  } finally {
    await client.close();
  }
}

main();
