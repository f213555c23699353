// Each JetStream stream is declared by the one service that publishes to it (packages/common/src/bus/
// streams.ts); the services that only consume it bind to it as it is. Run against a NATS server of the
// test's own (the shared one's streams are left alone), with the real services started in development
// mode (embedded store): starting one service never changes the settings of another's stream.
import { mediaEventsStream, roomEventsStream } from '@rtcroom/common';
import { PrivateNatsServer, testLogger } from '@rtcroom/common/testing';
import { loadPresenceConfig, startPresenceService } from '@rtcroom/presence';
import { loadRoomConfig, startRoomService } from '@rtcroom/room';
import { loadUrlIssuerConfig, startUrlIssuer } from '@rtcroom/url-issuer';
import { connect, NatsConnection } from 'nats';

const day = 24 * 3600e9;

describe('stream ownership', () => {
  let nats: PrivateNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  const maxAge = async (stream: string) => (await (await nc.jetstreamManager()).streams.info(stream)).config.max_age;
  /** What an operator (or the owner's next version) does: keep the stream's messages for `days`. */
  const keepFor = async (stream: string, days: number) => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.update(stream, { ...(await jsm.streams.info(stream)).config, max_age: days * day });
  };

  const env = { RTCROOM_DEV: 'true', NATS_URL: '' };
  const startPresence = () =>
    startPresenceService(loadPresenceConfig({ ...env, NATS_URL: nats.url, PRESENCE_GRPC_ADDRESS: '127.0.0.1:0', PRESENCE_METRICS_ADDRESS: '127.0.0.1:0', ROOM_SERVICE_ADDRESS: '127.0.0.1:1' }), testLogger('presence'));
  const startRoom = () =>
    startRoomService(
      loadRoomConfig({ ...env, NATS_URL: nats.url, ROOM_GRPC_ADDRESS: '127.0.0.1:0', ROOM_METRICS_ADDRESS: '127.0.0.1:0', URL_ISSUER_ADDRESS: '127.0.0.1:1', PRESENCE_SERVICE_ADDRESS: '127.0.0.1:1' }),
      testLogger('room'),
    );
  const startIssuer = () =>
    startUrlIssuer(
      loadUrlIssuerConfig({ ...env, NATS_URL: nats.url, URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0', URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0', ROOM_SERVICE_ADDRESS: '127.0.0.1:1' }),
      testLogger('url-issuer'),
    );

  it("changes a stream's settings only when its owner starts", async () => {
    // Presence first, on a server that has never seen rtcroom: its consumer needs MEDIA_EVENTS, made
    // from the one definition.
    let presence = await startPresence();
    expect(await maxAge(mediaEventsStream.name)).toBe(7 * day);
    await keepFor(mediaEventsStream.name, 3);

    // The room service declares its own streams and only binds to the url-issuer's.
    const room = await startRoom();
    expect(await maxAge(roomEventsStream.name)).toBe(1 * day);
    expect(await maxAge(mediaEventsStream.name)).toBe(3 * day);
    await presence.stop();
    presence = await startPresence();
    expect(await maxAge(mediaEventsStream.name)).toBe(3 * day);

    // The room service's stream is left alone by everyone else too.
    await keepFor(roomEventsStream.name, 2);
    const issuer = await startIssuer();
    await presence.stop();
    presence = await startPresence();
    expect(await maxAge(roomEventsStream.name)).toBe(2 * day);

    // The owner brings its stream back to its definition when it starts.
    expect(await maxAge(mediaEventsStream.name)).toBe(7 * day);
    await presence.stop();
    await issuer.stop();
    await room.stop();
  }, 90_000); // four service starts in a row, each opening its streams: tens of seconds on a busy machine
});
