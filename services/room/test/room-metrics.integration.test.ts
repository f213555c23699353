// The room service's own metrics on the real Postgres and NATS: seats taken and given up by reason,
// the rooms and seats read at scrape, the outbox relay's publishes, and webhook attempts, the backlog
// and dead letters as an endpoint refuses an event.
import { eventually } from '@rtcroom/common/testing';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

describe('room service metrics', () => {
  let harness: RoomHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await startRoomHarness({
      ROOM_WEBHOOK_POLL_INTERVAL_MS: '50',
      ROOM_WEBHOOK_MIN_BACKOFF_MS: '20',
      ROOM_WEBHOOK_MAX_ATTEMPTS: '2',
      ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await harness?.stop();
  });

  /** One sample's value from the service's exposition; undefined when it has none. */
  const sample = async (name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
    const text = await harness.service.metrics.exposition();
    const wanted = Object.entries({ ...labels, service: 'room' });
    for (const line of text.split('\n')) {
      const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/i.exec(line);
      if (!m || m[1] !== name) continue;
      const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
      if (Object.keys(got).length === wanted.length && wanted.every(([k, v]) => got[k] === v)) return Number(m[3]);
    }
    return undefined;
  };

  it('counts seats, reads rooms and the outbox at scrape, and follows webhook attempts to a dead letter', async () => {
    const { client, webhooks } = harness;
    expect(await sample('rtcroom_room_open_rooms')).toBe(0);
    expect(await sample('rtcroom_webhook_queue_depth')).toBe(0);
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: '' });
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'metrics-room' }), requestId: '' });
    const roomId = room!.id;
    receiver.refuse = (d) => d.roomId === roomId && d.seq === 2; // the first join: refused twice, then parked
    for (const who of ['ann', 'ben']) await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity: who, sessionId: who }));
    await client.leaveRoom(roomServicev1.LeaveRoomRequest.fromPartial({ roomId, identity: 'ben' }));

    expect(await sample('rtcroom_room_members_joined_total')).toBe(2);
    expect(await sample('rtcroom_room_members_left_total', { reason: 'left' })).toBe(1);
    expect(await sample('rtcroom_room_open_rooms')).toBe(1);
    expect(await sample('rtcroom_room_seated_members')).toBe(1);
    await eventually(async () => (await sample('rtcroom_outbox_published_total')) === 4, 10_000, 'the relay to publish the four events');
    expect(await sample('rtcroom_outbox_publish_seconds_count')).toBeGreaterThanOrEqual(1);
    // Nothing waiting once published and marked (marks follow the publishes by up to half a second).
    await eventually(async () => (await sample('rtcroom_outbox_lag_seconds')) === 0, 10_000, 'the outbox lag to be 0 once the events are marked published');
    expect(await sample('rtcroom_db_pool_connections', { state: 'max' })).toBe(20);

    await eventually(async () => (await sample('rtcroom_webhook_dead_lettered_total')) === 1, 10_000, 'the refused event to be parked');
    await eventually(async () => (await sample('rtcroom_webhook_queue_depth')) === 0, 10_000, 'the backlog to be delivered');
    expect(await sample('rtcroom_webhook_dead_letters')).toBe(1);
    expect(await sample('rtcroom_webhook_attempts_total', { result: 'failed' })).toBe(2);
    expect(await sample('rtcroom_webhook_attempts_total', { result: 'delivered' })).toBe(3); // seq 1, 3, 4
    expect(receiver.seqsOf(roomId)).toEqual([1, 3, 4]);
    expect(await sample('rtcroom_metrics_collect_failures_total')).toBeUndefined();
    await webhooks.deleteWebhook({ id: webhook!.id });
    expect(await sample('rtcroom_webhook_dead_letters')).toBe(0);
  });
});
