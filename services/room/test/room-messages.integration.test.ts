// Room messages against the real Postgres and NATS: a message is the room's next event (in order with
// joins and departures), private ones are withheld from others, the limits and the grant refuse with
// stable codes, the room keeps its last N, an idempotency key sends once, and webhooks get messages
// only when the room (or the deployment) asks.
import { eventually } from '@rtcroom/common/testing';
import { authv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

const grants = (g: Partial<authv1.Grants>): authv1.Grants => authv1.Grants.fromPartial({ roomJoin: true, ...g });
const principal = (identity: string, g: Partial<authv1.Grants> = {}): authv1.Principal => ({ identity, grants: grants(g) });

describe('room messages', () => {
  let harness: RoomHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    harness = await startRoomHarness({
      ROOM_MESSAGE_HISTORY: '3',
      ROOM_MESSAGE_MAX_PAYLOAD_BYTES: '64',
      ROOM_MESSAGE_MAX_RECIPIENTS: '2',
      ROOM_MESSAGE_RATE: '1',
      ROOM_MESSAGE_BURST: '20',
      ROOM_WEBHOOK_POLL_INTERVAL_MS: '50',
      ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await harness?.stop();
  });

  async function roomWith(name: string, identities: string[], options: Partial<roomv1.Room> = {}): Promise<string> {
    const { room } = await harness.client.createRoom({ room: roomv1.Room.fromPartial({ name, ...options }), requestId: '' });
    for (const identity of identities) {
      await harness.client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity, sessionId: `s-${identity}`, principal: principal(identity) }));
    }
    return room!.id;
  }

  const send = (roomId: string, identity: string, body: roomServicev1.SendMessageRequest['body'], more: Partial<roomServicev1.SendMessageRequest> = {}) =>
    harness.client.sendMessage(roomServicev1.SendMessageRequest.fromPartial({ roomId, identity, principal: principal(identity), ...more, body }));
  const text = (value: string) => ({ $case: 'text' as const, value });

  it('takes the room next seq, in order with joins and departures, and is told as message_sent', async () => {
    const roomId = await roomWith('msg-order', ['ann', 'bob']);
    const { message } = await send(roomId, 'ann', text('hello 你好'));
    expect(message).toMatchObject({ roomId, seq: 4, senderIdentity: 'ann', recipients: [], body: text('hello 你好') });
    expect(message!.id).toMatch(/^msg_/);
    expect(message!.senderMemberId).toMatch(/^m_/);
    await harness.client.leaveRoom({ roomId, identity: 'bob', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT });
    const custom = await send(roomId, 'ann', { $case: 'custom', value: { topic: 'app.like', payload: Buffer.from([1, 2, 3]) } });
    expect(custom.message!.seq).toBe(6);
    const { events } = await harness.client.listRoomEvents({ roomId, afterSeq: 0, pageSize: 100 });
    expect(events.map((e) => e.payload?.$case)).toEqual(['roomCreated', 'memberJoined', 'memberJoined', 'messageSent', 'memberLeft', 'messageSent']);
    const sent = events[5].payload;
    expect(sent?.$case === 'messageSent' && sent.value.message?.body).toEqual({ $case: 'custom', value: { topic: 'app.like', payload: Buffer.from([1, 2, 3]) } });
    expect(events[3].id).toBe(`e_${message!.id}`);
  });

  it('a private message reaches only its recipients and its sender; the others see its seq carry nothing', async () => {
    const roomId = await roomWith('msg-private', ['ann', 'bob', 'cat']);
    const { message } = await send(roomId, 'ann', text('psst'), { recipients: ['bob'] });
    expect(message!.recipients).toEqual(['bob']);
    const eventsAs = async (who: string) =>
      (await harness.client.listRoomEvents({ roomId, afterSeq: message!.seq - 1, pageSize: 10, principal: principal(who) })).events[0];
    for (const who of ['ann', 'bob']) expect((await eventsAs(who)).payload?.$case).toBe('messageSent');
    const withheld = await eventsAs('cat');
    expect(withheld).toMatchObject({ seq: message!.seq, payload: undefined });
    const historyOf = async (who: string) => (await harness.client.listMessages({ roomId, principal: principal(who) })).messages.map((m) => m.id);
    expect(await historyOf('bob')).toEqual([message!.id]);
    expect(await historyOf('ann')).toEqual([message!.id]);
    expect(await historyOf('cat')).toEqual([]);
  });

  it('refuses past the limits with stable codes', async () => {
    const roomId = await roomWith('msg-limits', ['ann', 'bob', 'cat', 'dan']);
    await expect(send(roomId, 'ann', text('x'.repeat(501)))).rejects.toMatchObject({ reason: 'MESSAGE_TOO_LARGE' });
    // 500 characters, each of them 3 bytes in UTF-8: characters count, not bytes.
    await expect(send(roomId, 'ann', text('话'.repeat(500)))).resolves.toBeDefined();
    await expect(send(roomId, 'ann', { $case: 'custom', value: { topic: 'big', payload: Buffer.alloc(65) } })).rejects.toMatchObject({ reason: 'MESSAGE_TOO_LARGE' });
    await expect(send(roomId, 'ann', { $case: 'custom', value: { topic: 'bad topic!', payload: Buffer.alloc(1) } })).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
    await expect(send(roomId, 'ann', text('hi'), { recipients: ['bob', 'cat', 'dan'] })).rejects.toMatchObject({ reason: 'TOO_MANY_RECIPIENTS' });
    await expect(send(roomId, 'ann', text('hi'), { recipients: ['bob', 'zed'] })).rejects.toMatchObject({ reason: 'NOT_A_MEMBER' });
    await expect(send(roomId, 'eve', text('hi'))).rejects.toMatchObject({ reason: 'NOT_A_MEMBER' });
    await expect(send(roomId, 'ann', undefined)).rejects.toMatchObject({ reason: 'INVALID_ARGUMENT' });
  });

  it('rate-limits each sender (a token bucket), not the others', async () => {
    const roomId = await roomWith('msg-rate', ['ann', 'bob']);
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => send(roomId, 'ann', text(`flood ${i}`))));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(4); // a burst of 20, and about 1 more per second
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ reason: 'RATE_LIMITED' });
    await expect(send(roomId, 'bob', text('my turn'))).resolves.toBeDefined();
  });

  it('needs the room_message grant; a token without it (issued before messages) may send as room_join says', async () => {
    const roomId = await roomWith('msg-grant', ['ann', 'bob']);
    await expect(send(roomId, 'ann', text('no'), { principal: principal('ann', { roomMessage: false }) })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await expect(send(roomId, 'ann', text('yes'), { principal: principal('ann', { roomMessage: undefined }) })).resolves.toBeDefined();
    await expect(send(roomId, 'ann', text('no'), { principal: principal('ann', { roomJoin: false }) })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await expect(send(roomId, 'ann', text('yes'), { principal: principal('ann', { roomJoin: false, roomMessage: true }) })).resolves.toBeDefined();
    await expect(send(roomId, 'ann', text('no'), { principal: principal('ann', { room: 'elsewhere' }) })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    await expect(send(roomId, 'bob', text('as ann'), { principal: principal('ann') })).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    // An internal system (no principal) may send without a sender.
    const { message } = await send(roomId, '', text('maintenance at noon'), { principal: undefined });
    expect(message).toMatchObject({ senderIdentity: '', senderMemberId: '' });
  });

  it('keeps the last N messages; an idempotency key sends once', async () => {
    const roomId = await roomWith('msg-history', ['ann']);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push((await send(roomId, 'ann', text(`m${i}`))).message!);
    const { messages, seq } = await harness.client.listMessages({ roomId, principal: principal('ann') });
    expect(messages.map((m) => m.body)).toEqual([text('m2'), text('m3'), text('m4')]);
    expect(seq).toBe(sent[4].seq);
    const first = await send(roomId, 'ann', text('once'), { idempotencyKey: 'k-1' });
    const again = await send(roomId, 'ann', text('once'), { idempotencyKey: 'k-1' });
    expect(again.message).toEqual(first.message);
    const raced = await Promise.all([1, 2, 3].map(() => send(roomId, 'ann', text('raced'), { idempotencyKey: 'k-2' })));
    expect(new Set(raced.map((r) => r.message!.id)).size).toBe(1);
    const { events } = await harness.client.listRoomEvents({ roomId, afterSeq: sent[4].seq, pageSize: 100 });
    expect(events).toHaveLength(2);
  });

  it('goes to webhooks only when the room or the deployment asks', async () => {
    const { webhook } = await harness.webhooks.createWebhook({ url: receiver.url, secret: '' });
    const quiet = await roomWith('msg-wh-quiet', ['ann']);
    const loud = await roomWith('msg-wh-loud', ['ann'], { messageWebhooks: true });
    const { room } = await harness.client.getRoom(roomServicev1.GetRoomRequest.fromPartial({ roomId: loud }));
    expect(room!.messageWebhooks).toBe(true);
    await send(quiet, 'ann', text('not for webhooks'));
    await send(loud, 'ann', text('for webhooks'));
    await harness.client.leaveRoom({ roomId: quiet, identity: 'ann', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT });
    await harness.client.leaveRoom({ roomId: loud, identity: 'ann', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT });
    await eventually(() => receiver.seqsOf(quiet).includes(4) && receiver.seqsOf(loud).includes(4), 15_000, 'both departures delivered');
    expect(receiver.received.filter((r) => r.roomId === quiet).map((r) => r.type)).toEqual(['room.created', 'member.joined', 'member.left']);
    const loudTypes = receiver.received.filter((r) => r.roomId === loud);
    expect(loudTypes.map((r) => r.type)).toEqual(['room.created', 'member.joined', 'message.sent', 'member.left']);
    const body = JSON.parse(loudTypes[2].body);
    expect(body.event.messageSent.message).toMatchObject({ text: 'for webhooks', senderIdentity: 'ann' });
    await harness.webhooks.deleteWebhook({ id: webhook!.id });
  });
});
