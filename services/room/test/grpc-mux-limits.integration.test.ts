// The room service bounds what one caller's mux stream may have in flight
// (RTCROOM_GRPC_MUX_MAX_IN_FLIGHT): a flood past it is refused as RATE_LIMITED (gRPC
// RESOURCE_EXHAUSTED), not queued without end, and the same connection is served again after it.
import { roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';

describe('room service: calls in flight per mux stream', () => {
  let harness: RoomHarness;

  beforeAll(async () => {
    harness = await startRoomHarness({ RTCROOM_GRPC_MUX_MAX_IN_FLIGHT: '4' });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('refuses a flood past the cap and answers the same caller again afterwards', async () => {
    const { client } = harness;
    const room = roomv1.Room.fromPartial({ name: 'crowded', kind: roomv1.RoomKind.ROOM_KIND_GROUP });
    await client.createRoom({ room, requestId: '' });
    const flood = await Promise.allSettled(Array.from({ length: 200 }, () => client.getRoom({ roomId: '', name: 'crowded' })));
    const refused = flood.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused).toEqual(refused.map(() => expect.objectContaining({ reason: 'RATE_LIMITED', metadata: { maxInFlight: '4' } })));
    expect(flood.length - refused.length).toBeGreaterThanOrEqual(4);
    const again = await Promise.all([1, 2, 3].map(() => client.getRoom({ roomId: '', name: 'crowded' })));
    expect(again.map((r) => r.room?.name)).toEqual(['crowded', 'crowded', 'crowded']);
  });
});
