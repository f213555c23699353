// The MediaBridgeService handlers: check what the caller sent, let the bridge open or close, say
// how a browser reaches Janus.
import { bindService, CallerPolicy, DomainError, identityPattern, ServiceBinding } from '@rtcroom/common';
import { mediaBridgev1 } from '@rtcroom/proto';
import type { BridgeState, MediaBridge } from '../bridge/media-bridge';

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** The longest an OpenIngress may wait for media (a caller's deadline should be above it). */
const maxWaitMs = 30_000;

export interface MediaBridgeDeps {
  bridge: MediaBridge;
  janusHttpUrl: string;
  janusWsUrl: string;
}

/** Who may call each method with mutual TLS: the services that learn a browser member needs media (the url-issuer, signing its URLs), and operators. */
export const mediaBridgeServiceCallers: CallerPolicy<typeof mediaBridgev1.MediaBridgeServiceService> = {
  openIngress: ['gateway', 'room', 'url-issuer', 'internal'],
  closeIngress: ['gateway', 'room', 'url-issuer', 'internal'],
  openEgress: ['gateway', 'room', 'url-issuer', 'internal'],
  closeEgress: ['gateway', 'room', 'url-issuer', 'internal'],
  listBridges: ['url-issuer', 'internal'],
};

function requireId(field: string, value: string): void {
  if (!idPattern.test(value)) throw new DomainError('INVALID_ARGUMENT', `${field} must be 1-64 characters of A-Z a-z 0-9 _ -`, { field });
}

function requireIdentity(field: string, value: string): void {
  if (!identityPattern.test(value)) throw new DomainError('INVALID_ARGUMENT', `${field} must be 1-128 characters of A-Z a-z 0-9 _ . @ -`, { field });
}

function requireRtmpUrl(field: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'rtmp:' || !url.hostname || url.pathname.split('/').filter(Boolean).length < 2) {
    throw new DomainError('INVALID_ARGUMENT', `${field} must be an rtmp:// URL with an application and a stream name`, { field });
  }
}

const states: Record<BridgeState, mediaBridgev1.BridgeState> = {
  starting: mediaBridgev1.BridgeState.BRIDGE_STATE_STARTING,
  flowing: mediaBridgev1.BridgeState.BRIDGE_STATE_FLOWING,
  restarting: mediaBridgev1.BridgeState.BRIDGE_STATE_RESTARTING,
};

export function mediaBridgeBinding(deps: MediaBridgeDeps): ServiceBinding {
  const { bridge } = deps;
  const access = (token: string): mediaBridgev1.JanusAccess => ({ httpUrl: deps.janusHttpUrl, wsUrl: deps.janusWsUrl, token });
  return bindService(
    'rtcroom.media.v1.MediaBridgeService',
    mediaBridgev1.MediaBridgeServiceService,
    {
      async openIngress(request, call) {
        requireId('room_id', request.roomId);
        requireId('stream_id', request.streamId);
        requireIdentity('viewer_identity', request.viewerIdentity);
        requireRtmpUrl('source_url', request.sourceUrl);
        if (request.waitForMediaMs > maxWaitMs) throw new DomainError('INVALID_ARGUMENT', `wait_for_media_ms must be at most ${maxWaitMs}`, { field: 'wait_for_media_ms' });
        const opened = await bridge.openIngress(request.roomId, request.streamId, request.viewerIdentity, request.sourceUrl, request.waitForMediaMs, call.log);
        return {
          janus: access(opened.token),
          mountpointId: opened.mountpointId,
          mountpointPin: opened.pin,
          state: states[opened.state],
          viewers: opened.viewers,
        };
      },

      async closeIngress(request, call) {
        requireId('room_id', request.roomId);
        requireId('stream_id', request.streamId);
        requireIdentity('viewer_identity', request.viewerIdentity);
        return { viewers: await bridge.closeIngress(request.roomId, request.streamId, request.viewerIdentity, call.log) };
      },

      async openEgress(request, call) {
        requireId('room_id', request.roomId);
        requireId('member_id', request.memberId);
        requireIdentity('publisher_identity', request.publisherIdentity);
        requireRtmpUrl('target_url', request.targetUrl);
        const opened = await bridge.openEgress(request.roomId, request.memberId, request.publisherIdentity, request.targetUrl, call.log);
        return { janus: access(opened.token), videoroomId: opened.videoroomId, feedId: opened.feedId, state: states[opened.state] };
      },

      async closeEgress(request, call) {
        requireId('room_id', request.roomId);
        requireId('member_id', request.memberId);
        requireIdentity('publisher_identity', request.publisherIdentity);
        await bridge.closeEgress(request.roomId, request.memberId, request.publisherIdentity, call.log);
        return {};
      },

      async listBridges() {
        return {
          bridges: bridge.list().map((b) => ({
            direction: b.direction === 'ingress' ? mediaBridgev1.Bridge_Direction.DIRECTION_INGRESS : mediaBridgev1.Bridge_Direction.DIRECTION_EGRESS,
            roomId: b.roomId,
            streamId: b.streamId,
            memberId: b.memberId,
            identities: b.identities,
            state: states[b.state],
            restarts: b.restarts,
            setupMs: b.setupMs,
          })),
        };
      },
    },
    'rtcroom.media',
    mediaBridgeServiceCallers,
  );
}
