// rtcroom's own URL scheme for a self-hosted nginx-rtmp server. The signature is an HMAC the
// url-issuer's on_publish/on_play hooks check with verifyPushSignature/verifyPlaySignature, so the
// media server itself needs no secret and no state. A push signature covers the application too,
// so a member cannot move a recorded push to the application that does not record (or back).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { identityPattern } from '@rtcroom/common/errors';
import type { MediaProvider, PlayOptions, PushSeat, SignedPlayUrls, SignedPushUrl, UrlLifetimes, WebRtcLeg } from '../media-provider';
import { expirySeconds } from '../expiry';

export interface SelfHostedSettings extends UrlLifetimes {
  kind: 'self-hosted';
  /** e.g. rtmp://127.0.0.1:1935, without a trailing slash. */
  rtmpBase: string;
  /** Base of HTTP-FLV and HLS, e.g. http://127.0.0.1:8080; undefined when the server offers neither. */
  httpBase: string | undefined;
  signingKey: string;
  /** The nginx-rtmp application streams are pushed to and played from. */
  app: string;
  /**
   * The application that records (nginx-rtmp `record all`). It must relay into `app`
   * (`push rtmp://127.0.0.1/{app}`), because viewers always play from `app`.
   */
  recordApp: string;
}

export type SignatureVerdict = 'OK' | 'EXPIRED' | 'BAD_SIGNATURE' | 'MALFORMED';

/** The parameters an on_publish hook receives: the application, stream name and the push URL's query. */
export interface PushParams {
  app: string | undefined;
  streamId: string | undefined;
  exp: string | undefined;
  sig: string | undefined;
}

/**
 * A stand-in's stream (a whisper) belongs to no membership: its push and play URLs carry
 * `room=<roomId>&standin=<binding>`, which the hooks check instead of the stream's owner.
 */
export interface StandInParams {
  room?: string | undefined;
  standin?: string | undefined;
}

export function signStandIn(key: string, streamId: string, roomId: string): string {
  return hmacHex(key, `stand-in\n${streamId}\n${roomId}`);
}

/** The room a stand-in's stream is bound to, or undefined when the URL carries no valid binding. */
export function standInRoom(key: string, streamId: string | undefined, params: StandInParams): string | undefined {
  const { room, standin } = params;
  if (!streamId || !room || !appShape.test(room) || !standin || !sigShape.test(standin)) return undefined;
  return timingSafeEqual(Buffer.from(signStandIn(key, streamId, room), 'hex'), Buffer.from(standin, 'hex')) ? room : undefined;
}

const standInQuery = (key: string, streamId: string, roomId: string | undefined) =>
  roomId ? `&room=${encodeURIComponent(roomId)}&standin=${signStandIn(key, streamId, roomId)}` : '';

/** The parameters an on_play hook receives: the stream name and the play URL's query. */
export interface PlayParams {
  streamId: string | undefined;
  viewer: string | undefined;
  exp: string | undefined;
  sig: string | undefined;
  /** `none` on a URL signed for a viewer without a seat (signPlay's `withoutSeat`). */
  seat?: string | undefined;
}

const streamIdShape = /^[A-Za-z0-9_-]{1,128}$/;
const appShape = /^[A-Za-z0-9_-]{1,64}$/;
const expShape = /^\d{1,12}$/;
const sigShape = /^[0-9a-f]{64}$/;

const hmacHex = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex');

// The leading word keeps a play signature from ever being accepted as a push signature.
export function signPush(key: string, app: string, streamId: string, exp: number | string): string {
  return hmacHex(key, `push\n${app}\n${streamId}\n${exp}`);
}

// A seatless URL has a leading word of its own, so `seat=none` cannot be added to a seated viewer's URL.
export function signPlay(key: string, streamId: string, viewer: string, exp: number | string, withoutSeat = false): string {
  return hmacHex(key, `${withoutSeat ? 'play-seatless' : 'play'}\n${streamId}\n${viewer}\n${exp}`);
}

function judge(expected: string, sig: string, exp: string, now: Date): SignatureVerdict {
  // Both are 64 hex characters here (sigShape), so timingSafeEqual never sees unequal lengths.
  if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(sig, 'hex'))) return 'BAD_SIGNATURE';
  // Checked after the signature, so EXPIRED is only ever said of a URL we really issued.
  return Number(exp) < Math.floor(now.getTime() / 1000) ? 'EXPIRED' : 'OK';
}

export function verifyPushSignature(key: string, params: PushParams, now: Date = new Date()): SignatureVerdict {
  const { app, streamId, exp, sig } = params;
  if (!app || !appShape.test(app) || !streamId || !streamIdShape.test(streamId)) return 'MALFORMED';
  if (!exp || !expShape.test(exp) || !sig || !sigShape.test(sig)) return 'MALFORMED';
  return judge(signPush(key, app, streamId, exp), sig, exp, now);
}

/**
 * The token nginx-rtmp's relay from the recording application into the play application carries
 * (in its tcUrl, `?relay=<token>`): that relay republishes a verified push without the member's
 * query, so the on_publish hook recognises it by this instead. Derived from the signing key, so the
 * operator configures nothing more; print it with the nginx configuration (print-nginx-conf).
 */
export function relayToken(key: string, recordApp: string, app: string): string {
  return hmacHex(key, `relay\n${recordApp}\n${app}`);
}

export function verifyRelayToken(key: string, recordApp: string, app: string, token: string | undefined): boolean {
  if (!token || !sigShape.test(token)) return false;
  return timingSafeEqual(Buffer.from(relayToken(key, recordApp, app), 'hex'), Buffer.from(token, 'hex'));
}

export function verifyPlaySignature(key: string, params: PlayParams, now: Date = new Date()): SignatureVerdict {
  const { streamId, viewer, exp, sig, seat } = params;
  if (!streamId || !streamIdShape.test(streamId) || !viewer || !identityPattern.test(viewer)) return 'MALFORMED';
  if (!exp || !expShape.test(exp) || !sig || !sigShape.test(sig)) return 'MALFORMED';
  if (seat !== undefined && seat !== 'none') return 'MALFORMED';
  return judge(signPlay(key, streamId, viewer, exp, seat === 'none'), sig, exp, now);
}

/**
 * nginx-rtmp speaks RTMP only: browser members get WebRTC URLs only from `webrtc`, a media bridge
 * (Janus) in front of it; without one their webrtc_url is empty and says WEBRTC_UNAVAILABLE.
 */
export function createSelfHostedProvider(settings: SelfHostedSettings, webrtc?: WebRtcLeg): MediaProvider {
  const { rtmpBase, httpBase, signingKey: key, app, recordApp } = settings;
  return {
    streamIdPrefix: 's',
    ...(webrtc ? { webrtc } : {}),

    pushUrl(streamId: string, record: boolean, now: Date, _formats?: readonly string[], seat?: PushSeat): SignedPushUrl {
      const exp = expirySeconds(now, settings.pushTtlSeconds);
      const target = record ? recordApp : app;
      const standIn = standInQuery(key, streamId, seat?.standIn ? seat.roomId : undefined);
      const url = `${rtmpBase}/${target}/${streamId}?exp=${exp}&sig=${signPush(key, target, streamId, exp)}${standIn}`;
      return { url, expireTime: new Date(exp * 1000), recording: record };
    },

    // One signature serves every play URL of a viewer: the hooks check stream, viewer and expiry.
    playUrl(streamId: string, viewer: string, now: Date, options: PlayOptions = {}): SignedPlayUrls {
      const exp = expirySeconds(now, settings.playTtlSeconds);
      const seatless = options.withoutSeat === true;
      const query = `viewer=${encodeURIComponent(viewer)}${seatless ? '&seat=none' : ''}&exp=${exp}&sig=${signPlay(key, streamId, viewer, exp, seatless)}${standInQuery(key, streamId, options.standInRoomId)}`;
      const rtmpUrl = `${rtmpBase}/${app}/${streamId}?${query}`;
      return {
        rtcUrl: rtmpUrl,
        rtmpUrl,
        flvUrl: httpBase ? `${httpBase}/flv/${streamId}.flv?${query}` : '',
        hlsUrl: httpBase ? `${httpBase}/hls/${streamId}.m3u8?${query}` : '',
        expireTime: new Date(exp * 1000),
      };
    },
  };
}
