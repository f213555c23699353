// rtcroom's own URL scheme for a self-hosted nginx-rtmp server. The signature is an HMAC the
// server's on_publish/on_play hooks check with verifyPushSignature/verifyPlaySignature, so the
// media server itself needs no secret and no state.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { identityPattern } from '@rtcroom/common';
import type { MediaProvider, SignedPlayUrls, SignedPushUrl, UrlLifetimes } from '../media-provider';
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

/** The parameters an on_publish hook receives: the stream name and the push URL's query. */
export interface PushParams {
  streamId: string | undefined;
  exp: string | undefined;
  sig: string | undefined;
}

/** The parameters an on_play hook receives: the stream name and the play URL's query. */
export interface PlayParams extends PushParams {
  viewer: string | undefined;
}

const streamIdShape = /^[A-Za-z0-9_-]{1,128}$/;
const expShape = /^\d{1,12}$/;
const sigShape = /^[0-9a-f]{64}$/;

const hmacHex = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex');

// The leading word keeps a play signature from ever being accepted as a push signature.
export function signPush(key: string, streamId: string, exp: number | string): string {
  return hmacHex(key, `push\n${streamId}\n${exp}`);
}

export function signPlay(key: string, streamId: string, viewer: string, exp: number | string): string {
  return hmacHex(key, `play\n${streamId}\n${viewer}\n${exp}`);
}

function judge(expected: string, sig: string, exp: string, now: Date): SignatureVerdict {
  // Both are 64 hex characters here (sigShape), so timingSafeEqual never sees unequal lengths.
  if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(sig, 'hex'))) return 'BAD_SIGNATURE';
  // Checked after the signature, so EXPIRED is only ever said of a URL we really issued.
  return Number(exp) < Math.floor(now.getTime() / 1000) ? 'EXPIRED' : 'OK';
}

export function verifyPushSignature(key: string, params: PushParams, now: Date = new Date()): SignatureVerdict {
  const { streamId, exp, sig } = params;
  if (!streamId || !streamIdShape.test(streamId) || !exp || !expShape.test(exp) || !sig || !sigShape.test(sig)) {
    return 'MALFORMED';
  }
  return judge(signPush(key, streamId, exp), sig, exp, now);
}

export function verifyPlaySignature(key: string, params: PlayParams, now: Date = new Date()): SignatureVerdict {
  const { streamId, viewer, exp, sig } = params;
  if (!streamId || !streamIdShape.test(streamId) || !viewer || !identityPattern.test(viewer)) return 'MALFORMED';
  if (!exp || !expShape.test(exp) || !sig || !sigShape.test(sig)) return 'MALFORMED';
  return judge(signPlay(key, streamId, viewer, exp), sig, exp, now);
}

export function createSelfHostedProvider(settings: SelfHostedSettings): MediaProvider {
  const { rtmpBase, httpBase, signingKey: key, app, recordApp } = settings;
  return {
    streamIdPrefix: 's',

    pushUrl(streamId: string, record: boolean, now: Date): SignedPushUrl {
      const exp = expirySeconds(now, settings.pushTtlSeconds);
      const target = record ? recordApp : app;
      const url = `${rtmpBase}/${target}/${streamId}?exp=${exp}&sig=${signPush(key, streamId, exp)}`;
      return { url, expireTime: new Date(exp * 1000), recording: record };
    },

    // One signature serves every play URL of a viewer: the hooks check stream, viewer and expiry.
    playUrl(streamId: string, viewer: string, now: Date): SignedPlayUrls {
      const exp = expirySeconds(now, settings.playTtlSeconds);
      const query = `viewer=${encodeURIComponent(viewer)}&exp=${exp}&sig=${signPlay(key, streamId, viewer, exp)}`;
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
