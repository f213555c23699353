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

/** The seat a push URL is for (TRTC's URL names the room). */
export interface PushSeat {
  roomId: string;
  /** The room is audio-only: the provider's audio-only mode where it has one (TRTC's pureaudiomode). */
  audioOnly?: boolean;
}

export interface MediaProvider {
  /** Every stream id of this deployment starts with `${streamIdPrefix}_`. */
  readonly streamIdPrefix: string;
  /** `formats` (when recording) replaces the deployment's record formats where the provider has a choice. */
  pushUrl(streamId: string, record: boolean, now: Date, formats?: readonly string[], seat?: PushSeat): SignedPushUrl;
  playUrl(streamId: string, viewer: string, now: Date): SignedPlayUrls;
}

export type MediaSettings = TencentSettings | SelfHostedSettings | TrtcSettings;

/** `trtcTickets`: Tencent's ticket signer, which the trtc provider needs (media-server/trtc-tickets.ts). */
export function createMediaProvider(settings: MediaSettings, trtcTickets?: TrtcTickets): MediaProvider {
  switch (settings.kind) {
    case 'tencent':
      return createTencentProvider(settings);
    case 'self-hosted':
      return createSelfHostedProvider(settings);
    case 'trtc':
      if (!trtcTickets) throw new Error('the trtc provider needs a ticket signer');
      return createTrtcProvider(settings, trtcTickets);
  }
}
