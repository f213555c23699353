// Presence applies the media server's facts to the member's stream state: in order, once, after a
// restart too (a durable JetStream consumer on the real NATS), and never to a newer membership.
import { DomainError, EventBus, InMemoryEventBus, mediaEventsStream, NatsEventBus, newId } from '@rtcroom/common';
import { eventually, testLogger, testNatsUrl } from '@rtcroom/common/testing';
import { mediaEventv1, recordingv1 } from '@rtcroom/proto';
import { startMediaEventsConsumer, StreamStatePort } from '../../services/presence/src/transport/media-events.consumer';

const logger = testLogger('presence');

/** A room service stand-in: who is seated (member ids), and every stream state set, in order. */
function fakeRooms(seated: Record<string, string>, failFirst = 0) {
  const calls: [string, string, boolean][] = [];
  let failures = failFirst;
  const port: StreamStatePort = {
    seatedMemberId: async (roomId, identity) => seated[`${roomId}/${identity}`] ?? null,
    setStreamState: async (roomId, identity, publishing) => {
      if (failures > 0) {
        failures--;
        throw new DomainError('UNAVAILABLE', 'room service unavailable');
      }
      calls.push([roomId, identity, publishing]);
      return true;
    },
  };
  return { port, calls };
}

function publishFact(bus: EventBus, roomId: string, identity: string, memberId: string, kind: 'streamBegan' | 'streamEnded') {
  const event: mediaEventv1.MediaEvent = {
    id: newId('me'),
    time: new Date(),
    roomId,
    streamId: `s_${identity}`,
    memberId,
    identity,
    mediaServer: recordingv1.MediaServer.MEDIA_SERVER_NGINX_RTMP,
    payload:
      kind === 'streamBegan'
        ? { $case: 'streamBegan', value: { clientAddress: '127.0.0.1', app: 'live' } }
        : { $case: 'streamEnded', value: { clientAddress: '127.0.0.1', app: 'live', durationMs: 0, errorCode: 0, errorMessage: '' } },
  };
  const topic = kind === 'streamBegan' ? 'stream.began' : 'stream.ended';
  return bus.publish(`rtcroom.media.${roomId}.${topic}`, mediaEventv1.MediaEvent.encode(event).finish(), { msgId: event.id });
}

describe('media facts on the real NATS (durable consumer)', () => {
  let bus: NatsEventBus;
  const durableName = `presence-media-test-${Date.now().toString(36)}`;

  beforeAll(async () => {
    bus = await NatsEventBus.connect(testNatsUrl, 'presence-media-test', [mediaEventsStream], logger);
  });

  afterAll(async () => {
    const jsm = await bus.connection.jetstreamManager();
    await jsm.consumers.delete(mediaEventsStream.name, durableName).catch(() => undefined);
    await bus.close();
  });

  it('applies began and ended in order, and catches up on what it missed while stopped', async () => {
    const roomId = newId('r');
    const rooms = fakeRooms({ [`${roomId}/alice`]: 'm_alice' });
    let consumer = await startMediaEventsConsumer(bus, rooms.port, logger, { durableName });
    await publishFact(bus, roomId, 'alice', 'm_alice', 'streamBegan');
    await eventually(() => rooms.calls.length === 1, 5000, 'began applied');
    await consumer.stop();

    await publishFact(bus, roomId, 'alice', 'm_alice', 'streamEnded');
    await publishFact(bus, roomId, 'alice', 'm_alice', 'streamBegan');
    await new Promise((r) => setTimeout(r, 200));
    expect(rooms.calls).toHaveLength(1);

    consumer = await startMediaEventsConsumer(bus, rooms.port, logger, { durableName });
    await eventually(() => rooms.calls.length === 3, 5000, 'missed facts applied');
    expect(rooms.calls).toEqual([
      [roomId, 'alice', true],
      [roomId, 'alice', false],
      [roomId, 'alice', true],
    ]);
    await consumer.stop();
  });

  it('tries a fact again when the room service does not answer, without letting the next one overtake it', async () => {
    const roomId = newId('r');
    const rooms = fakeRooms({ [`${roomId}/bob`]: 'm_bob' }, 2);
    const consumer = await startMediaEventsConsumer(bus, rooms.port, logger, { durableName, retryDelayMs: 100 });
    await publishFact(bus, roomId, 'bob', 'm_bob', 'streamBegan');
    await publishFact(bus, roomId, 'bob', 'm_bob', 'streamEnded');
    await eventually(() => rooms.calls.length === 2, 10_000, 'both applied');
    expect(rooms.calls.map((c) => c[2])).toEqual([true, false]);
    await consumer.stop();
  });

  it("leaves alone a member who left and joined again: the old stream's facts are not the new one's", async () => {
    const roomId = newId('r');
    const rooms = fakeRooms({ [`${roomId}/carol`]: 'm_carol_2' });
    const consumer = await startMediaEventsConsumer(bus, rooms.port, logger, { durableName });
    await publishFact(bus, roomId, 'carol', 'm_carol_1', 'streamEnded');
    await publishFact(bus, roomId, 'carol', 'm_carol_2', 'streamBegan');
    await eventually(() => rooms.calls.length === 1, 5000, 'the current membership applied');
    expect(rooms.calls).toEqual([[roomId, 'carol', true]]);
    await consumer.stop();
  });
});

describe('media facts on the in-process bus (embedded default)', () => {
  it('applies them in order as they are published', async () => {
    const bus = new InMemoryEventBus();
    const rooms = fakeRooms({ 'r_1/alice': 'm_alice' }, 1);
    const consumer = await startMediaEventsConsumer(bus, rooms.port, logger, { durableName: 'unused', retryDelayMs: 20 });
    await publishFact(bus, 'r_1', 'alice', 'm_alice', 'streamBegan');
    await publishFact(bus, 'r_1', 'alice', 'm_alice', 'streamEnded');
    await eventually(() => rooms.calls.length === 2, 2000, 'both applied');
    expect(rooms.calls.map((c) => c[2])).toEqual([true, false]);
    await consumer.stop();
    await bus.close();
  });
});
