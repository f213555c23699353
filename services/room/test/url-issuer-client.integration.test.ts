// The room service's URL-issuer client signs a room's next members' push URLs in one IssuePushUrls
// call, and goes back to one IssuePushUrl call each when the URL issuer is older than that method
// (an upgrade in progress): real gRPC servers on loopback, one with the method and one without.
import { bindService, createLogger, RunningGrpcServer, startGrpcServer } from '@rtcroom/common';
import { urlIssuerv1 } from '@rtcroom/proto';
import { grpcPushUrlIssuer } from '../src/rooms/transport/url-issuer.client';

const logger = createLogger({ service: 'test' }, 'silent');

function issuer(withBatch: boolean, seen: string[]) {
  const one = async (r: urlIssuerv1.IssuePushUrlRequest): Promise<urlIssuerv1.IssuePushUrlResponse> => ({
    pushUrl: { streamId: `s_${r.memberId}`, url: `rtmp://127.0.0.1/live/s_${r.memberId}`, expireTime: new Date(Date.now() + 3600_000), recording: r.record, webrtcUrl: '', webrtcUnavailable: '' },
    audienceEntryUrl: undefined,
  });
  const handlers = {
    issuePushUrl: async (r: urlIssuerv1.IssuePushUrlRequest) => (seen.push('IssuePushUrl'), one(r)),
    ...(withBatch && { issuePushUrls: async (r: urlIssuerv1.IssuePushUrlsRequest) => (seen.push('IssuePushUrls'), { responses: await Promise.all(r.requests.map(one)) }) }),
  };
  return bindService('rtcroom.media.v1.UrlIssuerService', urlIssuerv1.UrlIssuerServiceService, handlers as never, 'rtcroom.media', { issuePushUrl: ['room'], issuePushUrls: ['room'] } as never);
}

describe("the room service's URL-issuer client", () => {
  const servers: RunningGrpcServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  const requests = ['m_1', 'm_2', 'm_3'].map((memberId) => ({ roomId: 'r_1', memberId, record: memberId === 'm_2' }));

  it('signs several push URLs in one call', async () => {
    const seen: string[] = [];
    const server = await startGrpcServer('127.0.0.1:0', [issuer(true, seen)], logger);
    servers.push(server);
    const client = grpcPushUrlIssuer(server.address);
    try {
      const urls = await client.issuePushUrls!(requests);
      expect(urls.map((u) => [u.streamId, u.recording])).toEqual([['s_m_1', false], ['s_m_2', true], ['s_m_3', false]]);
      expect(seen).toEqual(['IssuePushUrls']);
    } finally {
      client.close();
    }
  });

  it('asks an older URL issuer, without IssuePushUrls, one URL per call, and keeps doing so', async () => {
    const seen: string[] = [];
    const server = await startGrpcServer('127.0.0.1:0', [issuer(false, seen)], logger);
    servers.push(server);
    const client = grpcPushUrlIssuer(server.address);
    try {
      const urls = await client.issuePushUrls!(requests);
      expect(urls.map((u) => u.streamId)).toEqual(['s_m_1', 's_m_2', 's_m_3']);
      expect(seen).toEqual(['IssuePushUrl', 'IssuePushUrl', 'IssuePushUrl']);
      await client.issuePushUrls!(requests.slice(0, 2));
      expect(seen).toHaveLength(5);
    } finally {
      client.close();
    }
  });
});
