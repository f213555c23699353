// RtcRoomClient: rooms, members, streams, 1:1 calls and the service desk for an app, over one resumable
// connection.
//
//   const client = new RtcRoomClient({ socket: wxSocket(wx) });
//   await client.connect('wss://example.com/v1/ws', () => fetchToken());
//   client.on('streamReady', (e) => players.push({ id: e.member.memberId, src: e.playUrl?.rtcUrl }));
//   const { pushUrl } = await client.enterRoom('demo');
//
// It is built in layers, one concept each (see connection/connection-client.ts): the connection
// (connection/), rooms (rooms/), calls (calls/) and the service desk (desk/). Room state is kept per
// room from the join's answer and the notices after it, in seq order (rooms/room-sequencer.ts); after
// a dropped connection the session is resumed and each room synced.
import { DeskClient } from './desk/desk-client.js';

export type { RtcRoomClientOptions } from './connection/connection-client.js';
export type { AudienceRoom, JoinedRoom, JoinOptions, ProfilePatch, SeatAnswer } from './rooms/rooms-client.js';

export class RtcRoomClient extends DeskClient {}
