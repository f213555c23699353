// The media bridge (gRPC MediaBridgeService) as a self-hosted provider's WebRtcLeg: a browser's play
// URL opens an ingress of the stream for that viewer, its push URL an egress of its stream; the
// answer becomes a janus+http(s) URL (domain/janus-url.ts).
import { createClient, GrpcMetrics, GrpcTlsConfig, InProcessHub, isDomainError, optionsOf } from '@rtcroom/common';
import { mediaBridgev1 } from '@rtcroom/proto';
import { janusPlayUrl, janusPublishUrl } from '../domain/janus-url';
import { isStandInMemberId, MediaProvider, WebRtcLeg } from '../domain/media-provider';
import type { BridgeRelease } from '../events/bridge-release.consumer';

/** The RTMP URLs the bridge pulls from and pushes to: the provider's own, signed as for a mini-program. */
export type RtmpSigner = Pick<MediaProvider, 'pushUrl' | 'playUrl'>;

export interface MediaBridgeLegOptions {
  timeoutMs?: number;
  tls?: GrpcTlsConfig;
  metrics?: GrpcMetrics;
  inproc?: InProcessHub;
}

const { DIRECTION_INGRESS: ingress, DIRECTION_EGRESS: egress } = mediaBridgev1.Bridge_Direction;

export function mediaBridgeLeg(address: string, rtmp: RtmpSigner, options: MediaBridgeLegOptions = {}): WebRtcLeg & BridgeRelease & { close(): void } {
  const client = createClient(mediaBridgev1.MediaBridgeServiceService, address, options.timeoutMs ?? 10_000, { tls: options.tls, metrics: options.metrics, inproc: options.inproc });
  const accessOf = (janus: mediaBridgev1.JanusAccess | undefined) => {
    if (!janus) throw new Error('the media bridge answered without Janus access');
    return janus;
  };
  // Closed already (another replica, a redelivery, a bridge restarted since): done all the same.
  const closing = async (close: Promise<unknown>) => {
    try {
      await close;
      return 1;
    } catch (err) {
      if (isDomainError(err, 'NOT_FOUND')) return 0;
      throw err;
    }
  };
  const release = async (roomId: string, which: (bridge: mediaBridgev1.Bridge) => string[]) => {
    const { bridges } = await client.listBridges({});
    let closed = 0;
    for (const bridge of bridges.filter((b) => b.roomId === roomId)) {
      for (const who of which(bridge)) {
        if (bridge.direction === ingress) closed += await closing(client.closeIngress({ roomId, streamId: bridge.streamId, viewerIdentity: who }));
        else if (bridge.direction === egress) closed += await closing(client.closeEgress({ roomId, memberId: bridge.memberId, publisherIdentity: who }));
      }
    }
    return closed;
  };
  return {
    // Its ingresses as a viewer (by identity), and the egress of that seat (by member id): a re-joined
    // seat of the same identity keeps its own egress.
    releaseMember: (roomId, identity, memberId) =>
      release(roomId, (b) => (b.direction === egress ? (b.memberId === memberId ? b.identities : []) : b.identities.filter((who) => who === identity))),
    // Every viewer's ingress of a stream that ended: its ffmpeg stops instead of pulling a stream that is gone.
    releaseStream: (roomId, streamId) => release(roomId, (b) => (b.direction === ingress && b.streamId === streamId ? b.identities : [])),
    releaseRoom: (roomId) => release(roomId, (b) => b.identities),
    // ffmpeg pulls with the viewer's own RTMP play URL: nginx-rtmp's on_play admits it while the viewer
    // is seated. The URL is given only once media flows into the mountpoint (waiting up to
    // waitForMediaMs for it); until then the viewer is told the stream is starting, and the bridge
    // keeps preparing it.
    // A viewer without a seat (a monitoring supervisor) brings a seatless URL, admitted all the same.
    async playUrl({ roomId, streamId, viewer, now, waitForMediaMs, withoutSeat, standInRoomId, scope }) {
      const sourceUrl = rtmp.playUrl(streamId, viewer, now, { withoutSeat, standInRoomId }).rtmpUrl;
      const wait = waitForMediaMs ?? 0;
      const opened = await client.openIngress({ roomId, streamId, viewerIdentity: viewer, sourceUrl, waitForMediaMs: wait }, { timeoutMs: wait + (options.timeoutMs ?? 10_000), requestId: scope?.requestId });
      if (opened.state !== mediaBridgev1.BridgeState.BRIDGE_STATE_FLOWING) return { starting: true };
      return janusPlayUrl(accessOf(opened.janus), opened.mountpointId, opened.mountpointPin);
    },
    // The member's push lands where a mini-program's would (its RTMP push URL, recording or not), so
    // nginx-rtmp's on_publish sees an ordinary push, and mini-program members are told of the stream
    // (stream_started) only once that push is really on nginx-rtmp: the egress's ffmpeg connects only
    // once the browser's media reaches it. The bridge keys the egress by member id, held by the
    // member's identity.
    async pushUrl({ roomId, memberId, identity, streamId, record, formats, now, scope }) {
      const targetUrl = rtmp.pushUrl(streamId, record, now, formats, { roomId, standIn: isStandInMemberId(memberId) }).url;
      const opened = await client.openEgress({ roomId, memberId, publisherIdentity: identity ?? '', targetUrl }, optionsOf(scope));
      return janusPublishUrl(accessOf(opened.janus), opened.videoroomId, opened.feedId);
    },
    close: () => client.close(),
  };
}
