// Events written while NATS is down wait in the outbox and flow, in order and without gaps, once it
// is back. A private nats-server is killed and restarted in the middle (the shared one stays up).
import { createLogger, EventBus, NatsEventBus, roomEventsStream } from '@rtcroom/common';
import { eventually, PrivateNatsServer } from '@rtcroom/common/testing';
import { roomEventv1, roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomHarness, startRoomHarness } from './support/room-harness';

describe('outbox across a NATS outage', () => {
  let nats: PrivateNatsServer;
  let harness: RoomHarness;

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    harness = await startRoomHarness({ NATS_URL: nats.url });
  });
  afterAll(async () => {
    await harness?.stop();
    await nats?.dispose();
  });

  const outboxLag = async () => {
    const line = /^rtcroom_outbox_lag_seconds\{[^}]*\} (\S+)$/m.exec(await harness.service.metrics.exposition());
    return line ? Number(line[1]) : undefined;
  };

  it('publishes every event once NATS is back, with seqs 1..n in order', async () => {
    const { client } = harness;
    const { room } = await client.createRoom({ room: roomv1.Room.fromPartial({ name: 'outage' }), requestId: '' });
    const join = (identity: string) => client.joinRoom(roomServicev1.JoinRoomRequest.fromPartial({ roomId: room!.id, identity, sessionId: identity }));
    await join('before-1');
    await nats.kill();
    // Rooms keep working while NATS is down: the changes and their events are committed together.
    await join('during-1');
    await join('during-2');
    await client.leaveRoom({ roomId: room!.id, identity: 'before-1', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT });
    // An operator sees the wait: the oldest unpublished event ages (rtcroom_outbox_lag_seconds).
    await eventually(async () => ((await outboxLag()) ?? 0) > 0.05, 5000, 'the outbox lag to show the outage');
    await nats.resume();
    await join('after-1');

    // A consumer that was away reads the whole history from JetStream and finds no gap.
    let bus: EventBus | undefined;
    try {
      const consumerBus = await eventually(async () => {
        try {
          return await NatsEventBus.connect(nats.url, 'outage-reader', [], createLogger({}, 'silent'));
        } catch {
          return undefined;
        }
      }, 10_000, 'NATS to accept connections again');
      bus = consumerBus;
      const jsm = await consumerBus.connection.jetstreamManager();
      const seqs = await eventually(async () => {
        const info = await jsm.streams.info(roomEventsStream.name);
        if (info.state.messages < 6) return undefined;
        const got: number[] = [];
        for (let s = info.state.first_seq; s <= info.state.last_seq; s++) {
          const m = await jsm.streams.getMessage(roomEventsStream.name, { seq: s });
          const e = roomEventv1.RoomEvent.decode(m.data);
          if (e.roomId === room!.id) got.push(e.seq);
        }
        return got.length >= 6 ? got : undefined;
      }, 15_000, 'all six events in JetStream');
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
      await eventually(async () => (await outboxLag()) === 0, 10_000, 'the outbox lag to be back at 0');
    } finally {
      await bus?.close();
    }
  });
});
