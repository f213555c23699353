// Starts the room service for an integration test: a fresh database on the real Postgres, a stand-in
// URL issuer on a real gRPC port, and a gRPC client.
import * as grpc from '@grpc/grpc-js';
import { AsyncClient, createClient, Env, mediaEventsStream } from '@rtcroom/common';
import { createTestDatabase, deleteTestConsumers, testLogger, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { mediav1, roomServicev1, urlIssuerv1, webhookv1 } from '@rtcroom/proto';
import { loadRoomConfig } from '../../src/config';
import { RoomServiceDeps, RunningRoomService, startRoomService } from '../../src/service';

export interface RoomHarness {
  service: RunningRoomService;
  client: AsyncClient<typeof roomServicev1.RoomServiceService>;
  webhooks: AsyncClient<typeof webhookv1.WebhookServiceService>;
  database: TestDatabase;
  /** The stand-in URL issuer's address (for a second instance on the same database). */
  issuerAddress: string;
  stop(): Promise<void>;
}

async function startStubIssuer(): Promise<{ address: string; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(urlIssuerv1.UrlIssuerServiceService as unknown as grpc.ServiceDefinition, {
    issuePushUrl: (call: grpc.ServerUnaryCall<urlIssuerv1.IssuePushUrlRequest, unknown>, cb: grpc.sendUnaryData<urlIssuerv1.IssuePushUrlResponse>) =>
      cb(null, {
        audienceEntryUrl: undefined,
        pushUrl: {
          streamId: `s_${call.request.memberId}`,
          url: `rtmp://media/live/s_${call.request.memberId}${call.request.audioOnly ? '?audio_only=1' : ''}`,
          expireTime: new Date(Date.now() + 3600e3),
          recording: call.request.record,
          webrtcUrl: call.request.pusherKind === mediav1.ClientKind.CLIENT_KIND_BROWSER ? `webrtc://media/push/s_${call.request.memberId}` : '',
          webrtcUnavailable: '',
        },
      }),
    issuePlayUrls: (_call: unknown, cb: grpc.sendUnaryData<urlIssuerv1.IssuePlayUrlsResponse>) => cb(null, { playUrls: [] }),
    issueViewerPlayUrls: (
      call: grpc.ServerUnaryCall<urlIssuerv1.IssueViewerPlayUrlsRequest, unknown>,
      cb: grpc.sendUnaryData<urlIssuerv1.IssueViewerPlayUrlsResponse>,
    ) =>
      cb(null, {
        playUrls: call.request.streamIds.map((streamId) => ({
          streamId,
          viewerIdentity: call.request.viewerIdentity,
          rtcUrl: `webrtc://media/live/${streamId}?viewer=${call.request.viewerIdentity}`,
          rtmpUrl: '',
          flvUrl: '',
          hlsUrl: '',
          expireTime: new Date(Date.now() + 3600e3),
          webrtcUrl: call.request.viewerKind === mediav1.ClientKind.CLIENT_KIND_BROWSER ? `webrtc://media/live/${streamId}?viewer=${call.request.viewerIdentity}` : '',
          webrtcUnavailable: '',
        })),
      }),
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { address: `127.0.0.1:${port}`, server };
}

export async function startRoomHarness(env: Env = {}, deps: RoomServiceDeps = {}): Promise<RoomHarness> {
  const database = await createTestDatabase();
  const issuer = await startStubIssuer();
  const recordingsConsumer = `room-recordings-test-${process.pid}-${Date.now().toString(36)}`;
  const config = loadRoomConfig({
    RTCROOM_DEV: 'true',
    ROOM_GRPC_ADDRESS: '127.0.0.1:0', ROOM_METRICS_ADDRESS: '127.0.0.1:0',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '20',
    NATS_URL: testNatsUrl,
    URL_ISSUER_ADDRESS: issuer.address,
    ROOM_RECORDINGS_CONSUMER: recordingsConsumer,
    ...env,
  });
  const service = await startRoomService(config, testLogger('room'), deps);
  const client = createClient(roomServicev1.RoomServiceService, service.grpcAddress);
  const webhooks = createClient(webhookv1.WebhookServiceService, service.grpcAddress);
  return {
    service,
    client,
    webhooks,
    database,
    issuerAddress: issuer.address,
    async stop() {
      client.close();
      webhooks.close();
      await service.stop();
      issuer.server.forceShutdown();
      await database.drop();
      await deleteTestConsumers(mediaEventsStream.name, [config.recordingsConsumerName]);
    },
  };
}
