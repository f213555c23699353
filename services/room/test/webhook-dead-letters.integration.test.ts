// An event an endpoint keeps refusing is parked after ROOM_WEBHOOK_MAX_ATTEMPTS, the events after it
// go on, the operator sees it through WebhookService and has it delivered again.
import { eventually } from '@rtcroom/common/testing';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { signWebhook } from '../src/webhooks/webhook-dispatcher';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

describe('webhook dead letters', () => {
  let harness: RoomHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await startRoomHarness({
      ROOM_WEBHOOK_POLL_INTERVAL_MS: '50',
      ROOM_WEBHOOK_MIN_BACKOFF_MS: '20',
      ROOM_WEBHOOK_MAX_ATTEMPTS: '3',
      ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await harness?.stop();
  });

  it('parks a refused event after the attempts allowed, delivers the rest, and redelivers it when asked', async () => {
    const { client, webhooks } = harness;
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: '' });
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'dl-room' }), requestId: '' });
    const roomId = room!.id;
    // The endpoint refuses the room's seq 2 (the first join) for as long as it likes.
    receiver.refuse = (d) => d.roomId === roomId && d.seq === 2;
    for (const who of ['poison', 'after']) {
      await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId, identity: who, sessionId: who }));
    }
    await eventually(() => receiver.seqsOf(roomId).includes(3), 10_000, 'the event after the refused one');
    expect(receiver.seqsOf(roomId)).toEqual([1, 3]);

    // Parked in the same write that moves the endpoint's cursor, once the batch is through.
    const deadLetters = await eventually(async () => {
      const page = await webhooks.listDeadLetters({ webhookId: webhook!.id, pageSize: 0, pageToken: '' });
      return page.deadLetters.length > 0 && page.deadLetters;
    }, 10_000, 'the dead letter');
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ webhookId: webhook!.id, roomId, seq: 2, type: 'member.joined', attempts: 3, lastError: 'HTTP 500', redeliveryPending: false });
    const listed = (await webhooks.listWebhooks({})).webhooks.find((w) => w.id === webhook!.id)!;
    expect(listed.deadLetterCount).toBe(1);

    // Still refused: a redelivery is one more attempt, and the event stays parked.
    expect((await webhooks.redeliverDeadLetters({ webhookId: webhook!.id, eventIds: [] })).queuedCount).toBe(1);
    await eventually(async () => {
      const [d] = (await webhooks.listDeadLetters({ webhookId: webhook!.id, pageSize: 0, pageToken: '' })).deadLetters;
      return d && !d.redeliveryPending && d.attempts === 4;
    }, 10_000, 'the redelivery to be tried');

    // Taken now: delivered, and no longer parked.
    receiver.refuse = () => false;
    const eventId = deadLetters[0].eventId;
    expect((await webhooks.redeliverDeadLetters({ webhookId: webhook!.id, eventIds: [eventId] })).queuedCount).toBe(1);
    await eventually(() => receiver.received.some((r) => r.id === eventId), 10_000, 'the redelivered event');
    await eventually(async () => (await webhooks.listDeadLetters({ webhookId: webhook!.id, pageSize: 0, pageToken: '' })).deadLetters.length === 0, 10_000, 'no dead letter left');
    expect(receiver.seqsOf(roomId)).toEqual([1, 3, 2]);
    await webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('sends a signed test delivery when asked, and says how the endpoint answered', async () => {
    const { webhooks } = harness;
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: 'a-test-secret-of-16+' });
    receiver.refuse = () => false;
    const ok = await webhooks.testWebhook({ webhookId: webhook!.id });
    expect(ok).toMatchObject({ delivered: true, error: '' });
    const got = receiver.received.find((r) => r.id === ok.eventId)!;
    expect(got).toMatchObject({ type: 'webhook.test', roomId: '', seq: 0 });
    const [, t] = /^t=(\d+),v1=/.exec(got.signature)!;
    expect(got.signature).toBe(signWebhook('a-test-secret-of-16+', got.body, Number(t)));
    receiver.refuse = (d) => d.type === 'webhook.test';
    await expect(webhooks.testWebhook({ webhookId: webhook!.id })).resolves.toMatchObject({ delivered: false, error: 'HTTP 500' });
    // Outside the queue: nothing counted, nothing parked.
    const listed = (await webhooks.listWebhooks({})).webhooks.find((w) => w.id === webhook!.id)!;
    expect(listed).toMatchObject({ deliveredCount: 0, deadLetterCount: 0, lastError: '' });
    await expect(webhooks.testWebhook({ webhookId: 'wh_nosuch' })).rejects.toMatchObject({ reason: 'NOT_FOUND' });
    receiver.refuse = () => false;
    await webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('pages through dead letters', async () => {
    const { client, webhooks } = harness;
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: '' });
    // Refused from before the room exists: set after createRoom, the room's first event could be delivered
    // in the moment between its commit and the answer, leaving four to park instead of five.
    receiver.refuse = () => true;
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'dl-pages' }), requestId: '' });
    for (const who of ['a', 'b', 'c', 'd']) {
      await client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: who, sessionId: who }));
    }
    await eventually(async () => (await webhooks.listWebhooks({})).webhooks.find((w) => w.id === webhook!.id)!.deadLetterCount >= 5, 10_000, 'five parked');
    const seen: number[] = [];
    let pageToken = '';
    do {
      const page = await webhooks.listDeadLetters({ webhookId: webhook!.id, pageSize: 2, pageToken });
      expect(page.deadLetters.length).toBeLessThanOrEqual(2);
      seen.push(...page.deadLetters.map((d) => d.seq));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    receiver.refuse = () => false;
    await webhooks.deleteWebhook({ id: webhook!.id });
  });

  it('answers NOT_FOUND for an unknown endpoint and INVALID_ARGUMENT for a page token it did not issue', async () => {
    const { webhooks } = harness;
    await expect(webhooks.listDeadLetters({ webhookId: 'wh_nope', pageSize: 0, pageToken: '' })).rejects.toMatchObject({ reason: 'NOT_FOUND' });
    await expect(webhooks.redeliverDeadLetters({ webhookId: 'wh_nope', eventIds: [] })).rejects.toMatchObject({ reason: 'NOT_FOUND' });
    const { webhook } = await webhooks.createWebhook({ url: receiver.url, secret: '' });
    await expect(webhooks.listDeadLetters({ webhookId: webhook!.id, pageSize: 0, pageToken: 'not-a-token' })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    await expect(webhooks.listDeadLetters({ webhookId: webhook!.id, pageSize: 501, pageToken: '' })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    await webhooks.deleteWebhook({ id: webhook!.id });
  });
});
