// Which URL of a push or play URL a client uses, by its kind, and why a browser's may be missing.
import type { Locale } from '../i18n/locale.js';
import { errorMessage } from '../i18n/translate.js';
import type { ClientKind, PlayUrl, PushUrl } from '../protocol.js';

/** The codes PushUrl.webrtcUnavailable and PlayUrl.webrtcUnavailable carry, for people. */
const webrtcUnavailableMeanings: Record<string, string> = {
  WEBRTC_UNAVAILABLE:
    "this deployment's media server speaks RTMP only (self-hosted nginx-rtmp without a WebRTC bridge): a browser can neither push nor play here",
  WEBRTC_FAILED: 'the media bridge could not prepare this stream for WebRTC just now: ask for the URL again',
  WEBRTC_STARTING: 'the media bridge is preparing this stream for WebRTC: its URL follows (streamPlayable) once media flows',
};

/** Why a browser member's URL has no webrtcUrl, for people (in `locale`, default English); '' when it has one (or the code is empty). */
export function describeWebRtcUnavailable(code: string, locale: Locale = 'en'): string {
  if (!code) return '';
  if (locale !== 'en') return errorMessage(code, locale);
  return webrtcUnavailableMeanings[code] ?? `no WebRTC URL (${code})`;
}

/**
 * The URL a client of this kind pushes to or plays from: a browser's webrtcUrl ('' when the deployment
 * has none: see describeWebRtcUnavailable), a mini-program's url (push) or rtcUrl (play).
 */
export function mediaUrlFor(kind: ClientKind | undefined, url: PushUrl | PlayUrl): string {
  if (kind === 'CLIENT_KIND_BROWSER') return url.webrtcUrl;
  return 'rtcUrl' in url ? url.rtcUrl : url.url;
}
