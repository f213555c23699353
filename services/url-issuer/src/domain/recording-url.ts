// A self-hosted recording is served by the media server's own nginx (its http block, print-nginx-conf)
// with nginx's secure_link module: a URL plays only with a signature of rtcroom's, for one viewer,
// until it expires, like a play URL. Nothing is listable: the directory has no index, and a file
// name without a signature answers 403.
import { createHash, createHmac } from 'node:crypto';
import { expirySeconds } from './expiry';
import type { Recording } from './media-fact';
import type { MediaSettings } from './media-provider';

/**
 * The secret nginx's secure_link_md5 checks with: derived from MEDIA_SIGNING_KEY (as the relay
 * token is), so the key itself never sits in nginx.conf and the operator configures nothing more.
 */
export function recordingLinkSecret(signingKey: string): string {
  return createHmac('sha256', signingKey).update('recordings').digest('hex');
}

/**
 * `url` (MEDIA_RECORD_URL_BASE + file name, as kept) signed for `viewer` until now + ttlSeconds. The
 * hash is nginx's `secure_link_md5 "$secure_link_expires$uri$arg_viewer <secret>"`: base64url MD5
 * without padding, over the expiry, the decoded path and the viewer as it stands in the query.
 */
export function signRecordingUrl(url: string, secret: string, viewer: string, now: Date, ttlSeconds: number): string {
  const u = new URL(url);
  const exp = expirySeconds(now, ttlSeconds);
  const arg = encodeURIComponent(viewer);
  const sig = createHash('md5').update(`${exp}${decodeURIComponent(u.pathname)}${arg} ${secret}`).digest('base64url');
  u.search = `viewer=${arg}&exp=${exp}&sig=${sig}`;
  return u.toString();
}

/** How a deployment signs its kept recordings' urls: self-hosted ones only (Tencent's are its own VOD's). */
export function recordingUrlSigner(media: MediaSettings): ((recording: Pick<Recording, 'server' | 'url'>, viewer: string, now: Date) => string) | undefined {
  if (media.kind !== 'self-hosted') return undefined;
  const secret = recordingLinkSecret(media.signingKey);
  return (recording, viewer, now) => (recording.server === 'nginx-rtmp' && recording.url ? signRecordingUrl(recording.url, secret, viewer, now, media.playTtlSeconds) : recording.url);
}
