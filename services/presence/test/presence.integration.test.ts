// Presence with the real room service behind it (Postgres + NATS), over gRPC.
import { createClient } from '@rtcroom/common';
import { createTestDatabase, eventually, testLogger, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { presencev1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { loadRoomConfig, startRoomService, RunningRoomService } from '@rtcroom/room';
import { loadUrlIssuerConfig, startUrlIssuer, RunningUrlIssuer } from '@rtcroom/url-issuer';
import { loadPresenceConfig, startPresenceService, RunningPresenceService } from '../src';

describe('presence (with the real room service)', () => {
  let database: TestDatabase;
  let urls: RunningUrlIssuer;
  let room: RunningRoomService;
  let presence: RunningPresenceService;
  let rooms: ReturnType<typeof createClient<typeof roomServicev1.RoomServiceService>>;
  let client: ReturnType<typeof createClient<typeof presencev1.PresenceServiceService>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    urls = await startUrlIssuer(loadUrlIssuerConfig({ RTCROOM_DEV: 'true', URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0' }), testLogger('urls'));
    room = await startRoomService(
      loadRoomConfig({ ROOM_GRPC_ADDRESS: '127.0.0.1:0', DATABASE_URL: database.url, NATS_URL: testNatsUrl, URL_ISSUER_ADDRESS: urls.grpcAddress }),
      testLogger('room'),
    );
    presence = await startPresenceService(
      loadPresenceConfig({ PRESENCE_GRPC_ADDRESS: '127.0.0.1:0', ROOM_SERVICE_ADDRESS: room.grpcAddress, PRESENCE_SESSION_TIMEOUT_MS: '800' }),
      testLogger('presence'),
    );
    rooms = createClient(roomServicev1.RoomServiceService, room.grpcAddress);
    client = createClient(presencev1.PresenceServiceService, presence.grpcAddress);
  });

  afterAll(async () => {
    rooms?.close();
    client?.close();
    await presence?.stop();
    await room?.stop();
    await urls?.stop();
    await database?.drop();
  });

  async function seat(identity: string, sessionId: string) {
    await client.openSession({ sessionId, identity, gatewayId: 'gw-test' });
    const { room: r } = await rooms.createRoom({ room: roomv1.Room.fromPartial({ name: `p-${sessionId}` }), requestId: '' });
    await rooms.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: r!.id, identity, sessionId }));
    return r!.id;
  }

  it('knows who is online and through which gateway', async () => {
    await client.openSession({ sessionId: 'on-1', identity: 'olive', gatewayId: 'gw-a' });
    const p = await client.getUserPresence({ identity: 'olive' });
    expect(p.online).toBe(true);
    expect(p.sessions.map((s) => s.gatewayId)).toEqual(['gw-a']);
    expect((await client.getUserPresence({ identity: 'nobody' })).online).toBe(false);
  });

  it('turns pusher event 1002 into a publishing member, and a repeat into nothing', async () => {
    const roomId = await seat('pia', 'push-1');
    const first = await client.reportPusherEvent({ sessionId: 'push-1', identity: 'pia', roomId, code: 1002, message: '' });
    expect(first.action).toBe(presencev1.PusherAction.PUSHER_ACTION_STREAM_STARTED);
    const again = await client.reportPusherEvent({ sessionId: 'push-1', identity: 'pia', roomId, code: 1002, message: '' });
    expect(again.action).toBe(presencev1.PusherAction.PUSHER_ACTION_NONE);
    const snap = await rooms.getRoom({ roomId, name: '' });
    expect(snap.members[0].state).toBe(roomv1.MemberState.MEMBER_STATE_PUBLISHING);
    const lost = await client.reportPusherEvent({ sessionId: 'push-1', identity: 'pia', roomId, code: -1307, message: '' });
    expect(lost.action).toBe(presencev1.PusherAction.PUSHER_ACTION_STREAM_STOPPED);
  });

  it('refuses a report for a session that is not the reporter\'s', async () => {
    await client.openSession({ sessionId: 'mine', identity: 'real', gatewayId: 'gw' });
    await expect(client.reportPusherEvent({ sessionId: 'mine', identity: 'impostor', roomId: 'r_x', code: 1002, message: '' })).rejects.toMatchObject({
      reason: 'SESSION_NOT_FOUND',
    });
  });

  it('gives up the seats of a closed session with reason connection lost', async () => {
    const roomId = await seat('cleo', 'close-1');
    await client.closeSession({ sessionId: 'close-1' });
    const snap = await rooms.getRoom({ roomId, name: '' });
    expect(snap.members).toEqual([]);
  });

  it('expires a session nobody keeps alive, and frees its seat', async () => {
    const roomId = await seat('sid', 'quiet-1');
    await client.openSession({ sessionId: 'kept-1', identity: 'kim', gatewayId: 'gw-k' });
    const keep = setInterval(() => void client.keepAlive({ gatewayId: 'gw-k', sessionIds: ['kept-1'] }), 200);
    try {
      await eventually(async () => (await rooms.getRoom({ roomId, name: '' })).members.length === 0, 5000, 'the silent seat to be freed');
      expect((await client.getUserPresence({ identity: 'kim' })).online).toBe(true);
      const { unknownSessionIds } = await client.keepAlive({ gatewayId: 'gw-k', sessionIds: ['kept-1', 'quiet-1'] });
      expect(unknownSessionIds).toEqual(['quiet-1']);
    } finally {
      clearInterval(keep);
    }
  });
});
