// The URL issuer, reached over gRPC, as the room service's PushUrlIssuer.
import { createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig, isUnimplemented, optionsOf } from '@rtcroom/common';
import { urlIssuerv1 } from '@rtcroom/proto';
import { IssuedPushUrl, PushUrlIssuer, PushUrlRequest } from '../application/memberships';
import { toProtoClientKind } from './room.wire';

export function grpcPushUrlIssuer(address: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): PushUrlIssuer & { close(): void } {
  const client = createClient(urlIssuerv1.UrlIssuerServiceService, address, 3000, { tls, metrics, inproc });
  let batchUnsupported = false;
  return {
    async issuePushUrl(request, scope): Promise<IssuedPushUrl> {
      return issuedOf(await client.issuePushUrl(pushUrlRequest(request), optionsOf(scope)));
    },
    async issuePushUrls(requests, scope) {
      if (!batchUnsupported) {
        try {
          return (await client.issuePushUrls({ requests: requests.map(pushUrlRequest) }, optionsOf(scope))).responses.map(issuedOf);
        } catch (err) {
          // A URL issuer from before IssuePushUrls (during an upgrade): one call each from now on.
          if (!isUnimplemented(err)) throw err;
          batchUnsupported = true;
        }
      }
      return Promise.all(requests.map(async (r) => issuedOf(await client.issuePushUrl(pushUrlRequest(r), optionsOf(scope)))));
    },
    async issueViewerPlayUrls(roomId, viewerIdentity, streamIds, kind = 'mini_program', scope) {
      return (await client.issueViewerPlayUrls({ roomId, viewerIdentity, streamIds, viewerKind: toProtoClientKind(kind) }, optionsOf(scope))).playUrls;
    },
    async signedRecordingUrls(roomId, viewerIdentity, scope) {
      const urls = new Map<string, string>();
      let pageToken = '';
      do {
        const page = await client.listRecordings({ roomId, viewerIdentity, pageSize: 100, pageToken }, optionsOf(scope));
        for (const r of page.recordings) urls.set(r.id, r.url);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return urls;
    },
    close: () => client.close(),
  };
}

function pushUrlRequest(r: PushUrlRequest): urlIssuerv1.IssuePushUrlRequest {
  return { roomId: r.roomId, memberId: r.memberId, record: r.record, recordFormats: r.formats ?? [], pusherKind: toProtoClientKind(r.kind ?? 'mini_program'), audioOnly: r.audioOnly ?? false, identity: r.identity ?? '' };
}

function issuedOf({ pushUrl, audienceEntryUrl: entry }: urlIssuerv1.IssuePushUrlResponse): IssuedPushUrl {
  if (!pushUrl) throw new Error('url issuer returned no push URL');
  const { streamId, url, expireTime, recording, webrtcUrl, webrtcUnavailable } = pushUrl;
  const audienceEntryUrl = entry?.url ? { url: entry.url, expireTime: entry.expireTime ?? new Date(0) } : null;
  return { streamId, url, expireTime: expireTime ?? new Date(0), recording, webrtcUrl, webrtcUnavailable, audienceEntryUrl };
}
