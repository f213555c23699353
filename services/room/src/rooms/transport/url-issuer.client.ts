// The URL issuer, reached over gRPC, as the room service's PushUrlIssuer.
import { createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig } from '@rtcroom/common';
import { urlIssuerv1 } from '@rtcroom/proto';
import { IssuedPushUrl, PushUrlIssuer } from '../application/memberships';

export function grpcPushUrlIssuer(address: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): PushUrlIssuer & { close(): void } {
  const client = createClient(urlIssuerv1.UrlIssuerServiceService, address, 3000, { tls, metrics, inproc });
  return {
    async issuePushUrl(roomId, memberId, record, formats = [], audioOnly = false): Promise<IssuedPushUrl> {
      const { pushUrl } = await client.issuePushUrl({ roomId, memberId, record, recordFormats: formats, audioOnly });
      if (!pushUrl) throw new Error('url issuer returned no push URL');
      return { streamId: pushUrl.streamId, url: pushUrl.url, expireTime: pushUrl.expireTime ?? new Date(0), recording: pushUrl.recording };
    },
    async issueViewerPlayUrls(roomId, viewerIdentity, streamIds) {
      return (await client.issueViewerPlayUrls({ roomId, viewerIdentity, streamIds })).playUrls;
    },
    close: () => client.close(),
  };
}
