// What the issuer needs from a media provider, and the one place a deployment's provider is chosen.
import { createSelfHostedProvider, SelfHostedSettings } from './providers/self-hosted';
import { createTencentProvider, TencentSettings } from './providers/tencent';
import { createTrtcProvider, TrtcSettings, TrtcTickets } from './providers/trtc';

/** How long issued URLs stay valid; shared by every provider. */
export interface UrlLifetimes {
  pushTtlSeconds: number;
  playTtlSeconds: number;
}

export interface SignedPushUrl {
  url: string;
  expireTime: Date;
  /** Whether pushing to `url` records; false when the provider cannot record. */
  recording: boolean;
}

export interface SignedPlayUrls {
  /** Low-latency URL for <live-player mode="RTC">. */
  rtcUrl: string;
  /** Ordinary play URLs; '' where the media server offers none. */
  rtmpUrl: string;
  flvUrl: string;
  hlsUrl: string;
  expireTime: Date;
}

/** An audience member's way into the provider's media room (rtcroom.media.v1.MediaEntryUrl): receive only. */
export interface SignedEntryUrl {
  url: string;
  expireTime: Date;
}

/** The seat a push URL is for (TRTC's URL names the room). */
export interface PushSeat {
  roomId: string;
  /** A stand-in's stream outside the room's seats (isStandInMemberId): bound to the room in its URL. */
  standIn?: boolean;
  /** The room is audio-only: the provider's audio-only mode where it has one (TRTC's pureaudiomode). */
  audioOnly?: boolean;
}

/** What a member plays and pushes with (rtcroom.media.v1.ClientKind): it decides the URLs it gets. */
export type ClientKind = 'mini_program' | 'browser';

/** A browser member's push: the same stream and expiry as the RTMP push URL signed with it. */
export interface WebRtcPushRequest {
  roomId: string;
  memberId: string;
  /** The member's identity (a bridged push is held by it; the bridge refuses one without). */
  identity?: string;
  streamId: string;
  record: boolean;
  formats: readonly string[];
  now: Date;
  /** The request signing it (a handler's call, a RequestScope): a bridge's log names it. */
  scope?: { readonly requestId?: string };
}

/** A browser viewer's play of one stream of a room. */
/**
 * withoutSeat: a viewer without a seat in the room whom the caller vouched for (a supervisor monitoring
 * its desk call): where the media server checks seats (self-hosted), the URL is signed so that it
 * admits this viewer without one.
 */
export interface PlayOptions {
  withoutSeat?: boolean;
  /** The stream is a stand-in's of this room (checked by the caller): its URL carries the binding. */
  standInRoomId?: string;
}

/**
 * A stream outside the room's seats that no membership owns: a desk call's whisper (the room service's
 * stand-in member ids start with "w_"; a seat's never do).
 */
export const isStandInMemberId = (memberId: string): boolean => memberId.startsWith('w_');

export interface WebRtcPlayRequest extends PlayOptions {
  roomId: string;
  streamId: string;
  viewer: string;
  now: Date;
  /** A bridge may wait up to this long for media to flow to the viewer's side; absent or 0: answer at once. */
  waitForMediaMs?: number;
  /** The request signing it (a handler's call, a RequestScope): a bridge's log names it. */
  scope?: { readonly requestId?: string };
}

/** A browser viewer's WebRTC play: its URL, or not yet (a bridge whose media does not flow yet). */
export type WebRtcPlay = string | { starting: true };

/**
 * The WebRTC side of a media provider, for browser members (who can neither push nor play RTMP).
 * Tencent's live streaming has one (LEB); a self-hosted nginx-rtmp gets one from a media bridge,
 * which may have work to do before it can answer (hence the promise).
 */
export interface WebRtcLeg {
  pushUrl(request: WebRtcPushRequest): string | Promise<string>;
  playUrl(request: WebRtcPlayRequest): WebRtcPlay | Promise<WebRtcPlay>;
}

/**
 * The codes a browser member's URL carries in webrtc_unavailable, its webrtc_url then empty (and webrtcStarting):
 * WEBRTC_UNAVAILABLE, the provider has no WebRTC side (a self-hosted deployment without a media
 * bridge); WEBRTC_FAILED, it has one but it failed this time (ask again).
 */
export const webrtcUnavailable = 'WEBRTC_UNAVAILABLE';
export const webrtcFailed = 'WEBRTC_FAILED';
/**
 * WEBRTC_STARTING: the WebRTC side prepares the stream and no media flows there yet; the gateway hands
 * the browser its URL once it does (rtcroom.gateway.v1.StreamPlayableNotice).
 */
export const webrtcStarting = 'WEBRTC_STARTING';

export interface MediaProvider {
  /** Every stream id of this deployment starts with `${streamIdPrefix}_`. */
  readonly streamIdPrefix: string;
  /** `formats` (when recording) replaces the deployment's record formats where the provider has a choice. */
  pushUrl(streamId: string, record: boolean, now: Date, formats?: readonly string[], seat?: PushSeat): SignedPushUrl;
  playUrl(streamId: string, viewer: string, now: Date, options?: PlayOptions): SignedPlayUrls;
  /**
   * Only where a stream plays from inside the provider's media room (TRTC): the URL the membership
   * owning `streamId` enters that room with while in the audience, admitted to receive only.
   */
  audienceEntryUrl?(streamId: string, now: Date, seat: PushSeat): SignedEntryUrl;
  /** Absent: browser members get no WebRTC URL (webrtcUnavailable says why). */
  readonly webrtc?: WebRtcLeg;
}

export type MediaSettings = TencentSettings | SelfHostedSettings | TrtcSettings;

/**
 * `webrtc`: a self-hosted deployment's media bridge, when it has one (Tencent brings its own).
 * `trtcTickets`: Tencent's ticket signer, which the trtc provider needs (media-server/trtc-tickets.ts).
 */
export function createMediaProvider(settings: MediaSettings, webrtc?: WebRtcLeg, trtcTickets?: TrtcTickets): MediaProvider {
  switch (settings.kind) {
    case 'tencent':
      return createTencentProvider(settings);
    case 'self-hosted':
      return createSelfHostedProvider(settings, webrtc);
    case 'trtc':
      if (!trtcTickets) throw new Error('the trtc provider needs a ticket signer');
      return createTrtcProvider(settings, trtcTickets);
  }
}
