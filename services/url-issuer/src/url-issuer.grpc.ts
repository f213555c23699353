// The UrlIssuerService handlers: check what the caller sent, derive the stream id, let the
// deployment's provider sign; list the recordings kept. Signing is stateless and recordings live in
// the shared store, so any number of replicas can answer.
import { bindService, CallerPolicy, DomainError, identityPattern, Logger, RequestScope, ServiceBinding } from '@rtcroom/common';
import { mediav1, urlIssuerv1 } from '@rtcroom/proto';
import type { MediaRoomPresence, MediaRoomUserView } from './app/media-room-view';
import type { Recording } from './domain/media-fact';
import { ClientKind, isStandInMemberId, MediaProvider, PlayOptions, WebRtcPlay, webrtcFailed, webrtcStarting, webrtcUnavailable } from './domain/media-provider';
import { recordFormats } from './domain/providers/tencent';
import { trtcRoomId } from './domain/providers/trtc';
import { deriveStreamId, isDerivedStreamId } from './domain/stream-id';
import { toProtoRecording } from './events/media-events';
import type { RecordingPageCursor } from './store/recording.repository';

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** Bounds the work (and the response size) of one IssuePlayUrls call. */
const maxViewers = 100;

export interface UrlIssuerDeps {
  provider: MediaProvider;
  streamIdKey: string;
  recordings: { list(roomId: string, limit: number, after: RecordingPageCursor | null): Promise<Recording[]> };
  /** A room's TRTC media room beside its seats; absent unless the provider is TRTC. */
  mediaRoom?: (roomId: string) => Promise<MediaRoomUserView[]>;
  /** Where a failing WebRTC side is reported. */
  logger?: Logger;
  /** A kept recording's url signed for one viewer (self-hosted: domain/recording-url.ts); absent: urls as kept. */
  signRecordingUrl?: (recording: Recording, viewer: string, now: Date) => string;
}

const presences: Record<MediaRoomPresence, urlIssuerv1.MediaRoomPresence> = {
  never_entered: urlIssuerv1.MediaRoomPresence.MEDIA_ROOM_PRESENCE_NEVER_ENTERED,
  entered: urlIssuerv1.MediaRoomPresence.MEDIA_ROOM_PRESENCE_ENTERED,
  left: urlIssuerv1.MediaRoomPresence.MEDIA_ROOM_PRESENCE_LEFT,
};

const encodeCursor = (c: RecordingPageCursor): string => Buffer.from(JSON.stringify({ c: c.createdAt.toISOString(), i: c.id })).toString('base64url');

function decodeCursor(token: string): RecordingPageCursor | null {
  if (!token) return null;
  try {
    const { c, i } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const createdAt = new Date(c);
    if (typeof c !== 'string' || typeof i !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('bad');
    return { createdAt, id: i };
  } catch (err) {
    throw new DomainError('INVALID_ARGUMENT', 'page_token is not one this service issued', { field: 'page_token' }, { cause: err });
  }
}

/** IssuePushUrls: what one call may ask for (a room's next members, a few at a time). */
const maxPushUrlsPerCall = 16;

function requireId(field: string, value: string): void {
  if (!idPattern.test(value)) {
    throw new DomainError('INVALID_ARGUMENT', `${field} must be 1-64 characters of A-Z a-z 0-9 _ -`, { field });
  }
}

function requireStreamId(prefix: string, streamId: string): void {
  if (!streamId) throw new DomainError('INVALID_ARGUMENT', 'stream_id is required', { field: 'stream_id' });
  if (!isDerivedStreamId(prefix, streamId)) {
    throw new DomainError('INVALID_ARGUMENT', `stream_id is not a stream of this deployment (${prefix}_...)`, {
      field: 'stream_id',
    });
  }
}

function requireViewers(viewers: string[]): void {
  if (viewers.length === 0 || viewers.length > maxViewers) {
    throw new DomainError('INVALID_ARGUMENT', `viewer_identities must hold 1-${maxViewers} identities`, {
      field: 'viewer_identities',
    });
  }
  viewers.forEach((viewer, index) => requireIdentity(`viewer_identities[${index}]`, 'viewer identities', viewer));
}

function requireIdentity(field: string, what: string, identity: string): void {
  if (!identityPattern.test(identity)) {
    throw new DomainError('INVALID_ARGUMENT', `${what} must be 1-128 characters of A-Z a-z 0-9 _ . @ -`, { field });
  }
}

/**
 * Who may call each method with mutual TLS: the room service signs push URLs at joins, the gateway
 * play URLs for its clients; recordings are for internal systems and the room service (a desk call's
 * recordings, signed for the agent who asked).
 */
export const urlIssuerServiceCallers: CallerPolicy<typeof urlIssuerv1.UrlIssuerServiceService> = {
  issuePushUrl: ['room'],
  issuePushUrls: ['room'],
  issuePlayUrls: ['gateway'],
  issueViewerPlayUrls: ['gateway', 'room'],
  listRecordings: ['room', 'internal'],
  getMediaRoom: ['internal'],
};

/** UNSPECIFIED (a client that says nothing) is a mini-program; an unknown value is refused. */
function clientKindFromProto(field: string, kind: mediav1.ClientKind | undefined): ClientKind {
  switch (kind) {
    case undefined:
    case mediav1.ClientKind.CLIENT_KIND_UNSPECIFIED:
    case mediav1.ClientKind.CLIENT_KIND_MINI_PROGRAM:
      return 'mini_program';
    case mediav1.ClientKind.CLIENT_KIND_BROWSER:
      return 'browser';
    default:
      throw new DomainError('INVALID_ARGUMENT', `${field} is not a known client kind`, { field });
  }
}

const noWebRtc = { webrtcUrl: '', webrtcUnavailable: '' };
/** The longest IssuePlayUrls may wait for a bridged stream's media (the gateway's deadline is above it). */
const maxWaitForMediaMs = 8000;

export function urlIssuerBinding(deps: UrlIssuerDeps): ServiceBinding {
  const { provider, streamIdKey, recordings, mediaRoom, logger, signRecordingUrl } = deps;
  // A browser's URL comes from the provider's WebRTC side; without one it says why it is empty. A
  // side that fails (a bridge down) costs that browser its URL, not the batch its other viewers'.
  // A bridged stream whose media does not flow yet is not handed out: the browser would be told of a
  // stream that plays nothing (WEBRTC_STARTING; the gateway tells it once it plays).
  const webrtcOf = async (kind: ClientKind, sign: (leg: NonNullable<MediaProvider['webrtc']>) => WebRtcPlay | Promise<WebRtcPlay>, scope: RequestScope | undefined) => {
    if (kind !== 'browser') return noWebRtc;
    if (!provider.webrtc) return { webrtcUrl: '', webrtcUnavailable };
    try {
      const signed = await sign(provider.webrtc);
      return typeof signed === 'string' ? { webrtcUrl: signed, webrtcUnavailable: '' } : { webrtcUrl: '', webrtcUnavailable: webrtcStarting };
    } catch (err) {
      (scope?.log ?? logger)?.warn('the WebRTC side could not sign a URL; the browser gets none this time', { err });
      return { webrtcUrl: '', webrtcUnavailable: webrtcFailed };
    }
  };
  const signPlay = async (roomId: string, streamId: string, viewerIdentity: string, kind: ClientKind, at: Date, waitForMediaMs: number, options: PlayOptions, scope: RequestScope): Promise<mediav1.PlayUrl> => ({
    streamId,
    viewerIdentity,
    ...provider.playUrl(streamId, viewerIdentity, at, options),
    ...(await webrtcOf(kind, (leg) => leg.playUrl({ roomId, streamId, viewer: viewerIdentity, now: at, waitForMediaMs, ...options, scope }), scope)),
  });
  // A stand-in's stream is bound to its room only when its id really derives from both.
  const standInRoomOf = (roomId: string, streamId: string, standIn: string | undefined): string | undefined => {
    if (!standIn) return undefined;
    if (!isStandInMemberId(standIn) || deriveStreamId(streamIdKey, provider.streamIdPrefix, roomId, standIn) !== streamId) {
      throw new DomainError('INVALID_ARGUMENT', 'stand_in_member_id is not the stream\'s in this room', { field: 'stand_in_member_id' });
    }
    return roomId;
  };

  /** IssuePushUrl's work; `at` prefixes the field an error names (one request of IssuePushUrls). */
  const issuePushUrl = async (request: urlIssuerv1.IssuePushUrlRequest, at: string, scope: RequestScope): Promise<urlIssuerv1.IssuePushUrlResponse> => {
    requireId(`${at}room_id`, request.roomId);
    requireId(`${at}member_id`, request.memberId);
    const streamId = deriveStreamId(streamIdKey, provider.streamIdPrefix, request.roomId, request.memberId);
    const formats = request.recordFormats ?? [];
    if (formats.some((f) => !(recordFormats as readonly string[]).includes(f))) {
      throw new DomainError('INVALID_ARGUMENT', `${at}record_formats must each be one of ${recordFormats.join(', ')}`, { field: `${at}record_formats` });
    }
    const kind = clientKindFromProto(`${at}pusher_kind`, request.pusherKind);
    if (request.identity) requireIdentity(`${at}identity`, `${at}identity`, request.identity);
    const now = new Date();
    const signed = provider.pushUrl(streamId, request.record, now, formats, { roomId: request.roomId, audioOnly: request.audioOnly, standIn: isStandInMemberId(request.memberId) });
    const webrtc = await webrtcOf(kind, (leg) => leg.pushUrl({ roomId: request.roomId, memberId: request.memberId, identity: request.identity, streamId, record: request.record, formats, now, scope }), scope);
    const pushUrl: mediav1.PushUrl = { streamId, ...signed, ...webrtc };
    // Signed with every push URL where the provider has one, so a join learns it without a hop
    // more whatever role it takes (the room service hands out one or the other).
    const audienceEntryUrl = provider.audienceEntryUrl?.(streamId, now, { roomId: request.roomId, audioOnly: request.audioOnly });
    return { pushUrl, audienceEntryUrl };
  };

  return bindService(
    'rtcroom.media.v1.UrlIssuerService',
    urlIssuerv1.UrlIssuerServiceService,
    {
      issuePushUrl: (request, call) => issuePushUrl(request, '', call),

      async issuePushUrls({ requests }, call) {
        if (requests.length < 1 || requests.length > maxPushUrlsPerCall) {
          throw new DomainError('INVALID_ARGUMENT', `requests must hold 1-${maxPushUrlsPerCall} requests`, { field: 'requests' });
        }
        return { responses: await Promise.all(requests.map((request, i) => issuePushUrl(request, `requests[${i}].`, call))) };
      },

      async issuePlayUrls(request, call) {
        requireId('room_id', request.roomId);
        requireStreamId(provider.streamIdPrefix, request.streamId);
        requireViewers(request.viewerIdentities);
        const kinds = request.viewerKinds ?? [];
        if (kinds.length > request.viewerIdentities.length) {
          throw new DomainError('INVALID_ARGUMENT', 'viewer_kinds must hold at most one kind per viewer', { field: 'viewer_kinds' });
        }
        const viewerKinds = request.viewerIdentities.map((_, i) => clientKindFromProto(`viewer_kinds[${i}]`, kinds[i]));
        if ((request.waitForMediaMs ?? 0) > maxWaitForMediaMs) {
          throw new DomainError('INVALID_ARGUMENT', `wait_for_media_ms must be at most ${maxWaitForMediaMs}`, { field: 'wait_for_media_ms' });
        }
        // One instant for the whole batch, so every viewer's URLs expire together.
        const at = new Date();
        const options = { withoutSeat: request.withoutSeat, standInRoomId: standInRoomOf(request.roomId, request.streamId, request.standInMemberId) };
        const playUrls = await Promise.all(request.viewerIdentities.map((viewer, i) => signPlay(request.roomId, request.streamId, viewer, viewerKinds[i]!, at, request.waitForMediaMs ?? 0, options, call)));
        return { playUrls };
      },

      async issueViewerPlayUrls(request, call) {
        requireId('room_id', request.roomId);
        requireIdentity('viewer_identity', 'viewer_identity', request.viewerIdentity);
        if (request.streamIds.length === 0 || request.streamIds.length > maxViewers) {
          throw new DomainError('INVALID_ARGUMENT', `stream_ids must hold 1-${maxViewers} stream ids`, { field: 'stream_ids' });
        }
        request.streamIds.forEach((streamId) => requireStreamId(provider.streamIdPrefix, streamId));
        const kind = clientKindFromProto('viewer_kind', request.viewerKind);
        const at = new Date();
        const playUrls = await Promise.all(request.streamIds.map((streamId) => signPlay(request.roomId, streamId, request.viewerIdentity, kind, at, 0, { withoutSeat: request.withoutSeat }, call)));
        return { playUrls };
      },

      async listRecordings(request) {
        requireId('room_id', request.roomId);
        if (request.viewerIdentity) requireIdentity('viewer_identity', 'viewer_identity', request.viewerIdentity);
        if (request.pageSize > 100) throw new DomainError('INVALID_ARGUMENT', 'page_size must be at most 100', { field: 'page_size' });
        const limit = request.pageSize || 50;
        const found = await recordings.list(request.roomId, limit + 1, decodeCursor(request.pageToken));
        const page = found.slice(0, limit);
        const last = page[page.length - 1];
        return {
          recordings: page.map((r) =>
            toProtoRecording(request.viewerIdentity && signRecordingUrl && r.url ? { ...r, url: signRecordingUrl(r, request.viewerIdentity, new Date()) } : r),
          ),
          nextPageToken: found.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : '',
        };
      },

      async getMediaRoom(request) {
        requireId('room_id', request.roomId);
        if (!mediaRoom) throw new DomainError('FAILED_PRECONDITION', 'the media provider has no media rooms (MEDIA_PROVIDER=trtc has)');
        const users = await mediaRoom(request.roomId);
        return {
          mediaRoomId: trtcRoomId(request.roomId),
          users: users.map((u) => ({
            userId: u.userId,
            memberId: u.memberId,
            identity: u.identity,
            seated: u.seated,
            presence: presences[u.presence],
            video: u.video,
            audio: u.audio,
            enterTime: u.enteredAt ?? undefined,
            leaveTime: u.leftAt ?? undefined,
          })),
        };
      },
    },
    'rtcroom.media',
    urlIssuerServiceCallers,
  );
}
