// The outbox carries a change's trace to the relay's publish, also when the relay publishes it from the
// store much later: a join made while NATS is down is published once NATS is back, and that publish,
// and the message's headers, continue the join's trace (spans kept in memory). So do webhook deliveries.
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createLogger, inSpan, NatsEventBus, roomEventsStream, setTracingEnabled, SpanKind } from '@rtcroom/common';
import { eventually, PrivateNatsServer } from '@rtcroom/common/testing';
import { roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { Client } from 'pg';
import { RoomHarness, startRoomHarness } from './support/room-harness';
import { WebhookReceiver } from './support/webhook-receiver';

describe('the outbox in a trace', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let nats: PrivateNatsServer;
  let harness: RoomHarness;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    provider.register();
    setTracingEnabled(true);
    nats = await PrivateNatsServer.start();
    harness = await startRoomHarness({ NATS_URL: nats.url, ROOM_WEBHOOK_POLL_INTERVAL_MS: '50', ROOM_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    await receiver.start();
  });
  afterAll(async () => {
    await harness?.stop();
    await receiver.stop();
    await nats?.dispose();
    setTracingEnabled(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it("publishes an event written while NATS was down in the trace of the change that wrote it", async () => {
    const { client } = harness;
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'traced-outage' }), requestId: '' });
    await nats.kill();
    await inSpan('a join', {}, () => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'ann', sessionId: 'ann' })));
    const spans = () => exporter.getFinishedSpans();
    const join = spans().find((s) => s.kind === SpanKind.SERVER && s.name === 'rtcroom.room.v1.RoomService/JoinRoom')!;
    const traceId = join.spanContext().traceId;

    // The row holds the join's trace, as the handler had it when it wrote the event.
    const pg = new Client({ connectionString: harness.database.url });
    await pg.connect();
    try {
      const { rows } = await pg.query('select traceparent from room_events where room_id = $1 and subject like $2', [room!.id, '%.member.joined']);
      expect(rows).toEqual([{ traceparent: `00-${traceId}-${join.spanContext().spanId}-01` }]);
    } finally {
      await pg.end();
    }

    await nats.resume();
    const subject = `rtcroom.room.${room!.id}.member.joined`;
    const published = await eventually(
      () =>
        spans().find(
          (s) => s.kind === SpanKind.PRODUCER && s.name === 'publish rtcroom.room.*.member.joined' && s.attributes['messaging.destination.name'] === subject && s.status.code !== 2,
        ),
      20_000,
      'the relay to publish the join once NATS is back',
    );
    expect(published.spanContext().traceId).toBe(traceId);
    expect(published.parentSpanContext?.spanId).toBe(join.spanContext().spanId);

    // The message itself carries the trace on (its headers), for whoever consumes it.
    const bus = await NatsEventBus.connect(nats.url, 'trace-reader', [], createLogger({}, 'silent'));
    try {
      const jsm = await bus.connection.jetstreamManager();
      const m = await jsm.streams.getMessage(roomEventsStream.name, { last_by_subj: subject });
      expect(roomEventv1.RoomEvent.decode(m.data).roomId).toBe(room!.id);
      expect(m.header.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-${published.spanContext().spanId}-01$`));
    } finally {
      await bus.close();
    }
  }, 60_000);

  it('delivers a webhook in the trace of the change that wrote the event', async () => {
    const { client, webhooks } = harness;
    await webhooks.createWebhook({ url: receiver.url, secret: 'webhook-secret-for-tests' });
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'traced-webhook' }), requestId: '' });
    await inSpan('a join', {}, () => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity: 'bea', sessionId: 'bea' })));
    const spans = () => exporter.getFinishedSpans();
    const traceId = spans().filter((s) => s.name === 'a join').pop()!.spanContext().traceId;
    const join = spans().find((s) => s.kind === SpanKind.SERVER && s.name === 'rtcroom.room.v1.RoomService/JoinRoom' && s.spanContext().traceId === traceId)!;
    const post = await eventually(
      () => spans().find((s) => s.name === 'webhook POST' && s.attributes['rtcroom.room_id'] === room!.id && s.spanContext().traceId === traceId),
      15_000,
      "the join's webhook delivery",
    );
    expect(post.kind).toBe(SpanKind.CLIENT);
    expect(post.parentSpanContext?.spanId).toBe(join.spanContext().spanId);
    expect(post.status.code).not.toBe(2);
  }, 30_000);
});
