// Webhooks against a real local HTTP receiver that fails on purpose for a while: every event arrives
// at least once, in per-room order, signed; a hanging endpoint never holds up the rooms.
import { createHmac } from 'node:crypto';
import { createLogger, openEventBus } from '@rtcroom/common';
import { eventually, testNatsUrl } from '@rtcroom/common/testing';
import { mediaEventv1, mediav1, recordingv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

describe('webhooks', () => {
  let harness: RoomHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // The receiver is on loopback, which webhooks reach only when allowed.
    harness = await startRoomHarness({ ROOM_WEBHOOK_POLL_INTERVAL_MS: '50', ROOM_WEBHOOK_MIN_BACKOFF_MS: '50', ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await harness?.stop();
  });

  it('delivers every room event at least once, in per-room order, signed, through failures', async () => {
    const { client, webhooks } = harness;
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: 'webhook-secret-for-tests' });
    receiver.failuresLeft = 3;
    const rooms: string[] = [];
    for (const name of ['wh-a', 'wh-b']) {
      const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name }), requestId: '' });
      rooms.push(room!.id);
      for (const who of ['u1', 'u2']) {
        // u2 is a browser (an agent's console): its kind travels with the member in the webhook.
        const kind = who === 'u2' ? mediav1.ClientKind.CLIENT_KIND_BROWSER : undefined;
        await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: who, sessionId: who, kind }));
      }
      await client.leaveRoom({ roomId: room!.id, identity: 'u1', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT });
    }
    await eventually(() => new Set(receiver.received.map((r) => r.id)).size >= 8, 15_000, 'eight distinct events');
    for (const roomId of rooms) {
      const seqs = receiver.received.filter((r) => r.roomId === roomId).map((r) => r.seq);
      expect(seqs).toEqual([1, 2, 3, 4]);
      expect(receiver.received.filter((r) => r.roomId === roomId).map((r) => r.type)).toEqual([
        'room.created',
        'member.joined',
        'member.joined',
        'member.left',
      ]);
    }
    const joins = receiver.received.filter((r) => r.type === 'member.joined').map((r) => r.body);
    expect(joins.some((b) => /"identity":\s*"u2"/.test(b) && /"kind":\s*"CLIENT_KIND_BROWSER"/.test(b))).toBe(true);
    expect(joins.some((b) => /"identity":\s*"u1"/.test(b) && /"kind":\s*"CLIENT_KIND_MINI_PROGRAM"/.test(b))).toBe(true);
    for (const r of receiver.received) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature) ?? [];
      expect(v1).toBe(createHmac('sha256', 'webhook-secret-for-tests').update(`${t}.${r.body}`).digest('hex'));
    }
    // The count is written once the batch is through, a moment after the receiver has it.
    const listed = await eventually(async () => {
      const w = (await webhooks.listWebhooks({})).webhooks.find((x) => x.id === webhook!.id)!;
      return w.deliveredCount >= 8 && w;
    }, 10_000, 'eight deliveries counted');
    expect(listed.secret).toBe('');
    await webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('a hanging endpoint holds up neither the rooms nor the other endpoints', async () => {
    const { client, webhooks } = harness;
    const healthy = new WebhookReceiver();
    await healthy.start();
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: '' });
    const other = (await webhooks.createWebhook({ url: healthy.url, secret: '' })).webhook!;
    expect(webhook!.secret.length).toBeGreaterThanOrEqual(16);
    receiver.hang = true;
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'wh-hang' }), requestId: '' });
    await eventually(() => receiver.hanging.length > 0, 5000, 'a delivery to hang');
    const hanging = receiver.hanging[0];
    // While the endpoint holds a request open, the room still takes joins...
    const joined = await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'busy', sessionId: 'b' }));
    expect(joined.members).toHaveLength(1);
    // ...and the other endpoint gets the join, before the hanging request has even timed out.
    await eventually(() => healthy.seqsOf(room!.id).includes(2), 10_000, 'the join at the healthy endpoint');
    expect(hanging.socket?.destroyed).toBe(false);
    receiver.hang = false;
    await webhooks.deleteWebhook({ id: webhook!.id });
    await webhooks.deleteWebhook({ id: other.id });
    await healthy.stop();
  });

  it('announces a finished recording to the room and its webhooks, once, however often it is reported', async () => {
    const { client, webhooks } = harness;
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: 'webhook-secret-for-tests' });
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'wh-rec', recording: true }), requestId: '' });
    const bus = await openEventBus(testNatsUrl, 'rec-test', [], createLogger({}, 'silent'));
    const recording = recordingv1.Recording.fromPartial({ id: 'rec_x', roomId: room!.id, identity: 'u1', streamId: 's_x', format: 'flv', sizeBytes: 1234, filePath: '/tmp/x.flv' });
    const fact = mediaEventv1.MediaEvent.encode(
      mediaEventv1.MediaEvent.fromPartial({ id: 'me_rec_fact_1', roomId: room!.id, identity: 'u1', payload: { $case: 'recordingReady', value: { recording } } }),
    ).finish();
    await bus.publish(`rtcroom.media.${room!.id}.recording.ready`, fact, { msgId: 'me_rec_fact_1' });
    await bus.publish(`rtcroom.media.${room!.id}.recording.ready`, fact); // reported again
    await eventually(() => receiver.received.some((r) => r.roomId === room!.id && r.type === 'recording.ready'), 10_000, 'the recording webhook');
    const events = (await client.listRoomEvents({ roomId: room!.id, afterSeq: 0, pageSize: 10 })).events;
    expect(events.filter((e) => e.payload?.$case === 'recordingReady')).toHaveLength(1);
    await bus.close();
    await webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('refuses a URL that is not http(s)', async () => {
    await expect(harness.webhooks.createWebhook({ url: 'ftp://example/hook', secret: '' })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });
});
