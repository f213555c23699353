// The URL issuer, reached over gRPC, as the room service's PushUrlIssuer.
import { createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig } from '@rtcroom/common';
import { urlIssuerv1 } from '@rtcroom/proto';
import { IssuedPushUrl, PushUrlIssuer } from '../application/memberships';
import { toProtoClientKind } from './room.wire';

export function grpcPushUrlIssuer(address: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): PushUrlIssuer & { close(): void } {
  const client = createClient(urlIssuerv1.UrlIssuerServiceService, address, 3000, { tls, metrics, inproc });
  return {
    async issuePushUrl(roomId, memberId, record, formats = [], kind = 'mini_program', audioOnly = false, identity = ''): Promise<IssuedPushUrl> {
      const { pushUrl, audienceEntryUrl: entry } = await client.issuePushUrl({ roomId, memberId, record, recordFormats: formats, pusherKind: toProtoClientKind(kind), audioOnly, identity });
      if (!pushUrl) throw new Error('url issuer returned no push URL');
      const { streamId, url, expireTime, recording, webrtcUrl, webrtcUnavailable } = pushUrl;
      const audienceEntryUrl = entry?.url ? { url: entry.url, expireTime: entry.expireTime ?? new Date(0) } : null;
      return { streamId, url, expireTime: expireTime ?? new Date(0), recording, webrtcUrl, webrtcUnavailable, audienceEntryUrl };
    },
    async issueViewerPlayUrls(roomId, viewerIdentity, streamIds, kind = 'mini_program') {
      return (await client.issueViewerPlayUrls({ roomId, viewerIdentity, streamIds, viewerKind: toProtoClientKind(kind) })).playUrls;
    },
    async signedRecordingUrls(roomId, viewerIdentity) {
      const urls = new Map<string, string>();
      let pageToken = '';
      do {
        const page = await client.listRecordings({ roomId, viewerIdentity, pageSize: 100, pageToken });
        for (const r of page.recordings) urls.set(r.id, r.url);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return urls;
    },
    close: () => client.close(),
  };
}
