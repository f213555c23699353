// Tencent Cloud live streaming ("cloud" deployments): its anti-leech signature, push URLs with
// optional recording parameters, the play URLs <live-player> uses, and for browser members the
// WebRTC push URL of its web pusher (TXLivePusher) and LEB webrtc:// play URLs.
import { createHash } from 'node:crypto';
import type { MediaProvider, SignedPlayUrls, SignedPushUrl, UrlLifetimes } from '../media-provider';
import { expirySeconds } from '../expiry';

export const recordFormats = ['mp4', 'hls', 'flv'] as const;
export type RecordFormat = (typeof recordFormats)[number];

export interface TencentSettings extends UrlLifetimes {
  kind: 'tencent';
  /** Digits; Tencent requires every stream id to start with `${bizid}_`. */
  bizid: string;
  /** The anti-leech key configured in the Tencent console. */
  pushKey: string;
  pushDomain: string;
  playDomain: string;
  recordFormats: RecordFormat[];
  /** Seconds per recorded file (Tencent: at most 5400). */
  recordIntervalSeconds: number;
}

/** Expiry as Tencent wants it: upper-case hex UNIX seconds (1469848425 -> 579C1B69). */
export function tencentTxTime(expirySeconds: number): string {
  return expirySeconds.toString(16).toUpperCase();
}

/** Lower-case hex MD5(key + streamId + txTime); Tencent's scheme, MD5 is not our choice. */
export function tencentTxSecret(key: string, streamId: string, txTime: string): string {
  return createHash('md5').update(key + streamId + txTime).digest('hex');
}

export function createTencentProvider(settings: TencentSettings): MediaProvider {
  const { bizid, pushKey, pushDomain, playDomain } = settings;

  // Query of a signed URL; push and low-latency play are signed the same way with the same key.
  const signedQuery = (streamId: string, exp: number): string => {
    const txTime = tencentTxTime(exp);
    return `bizid=${bizid}&txSecret=${tencentTxSecret(pushKey, streamId, txTime)}&txTime=${txTime}`;
  };
  const recordQuery = (formats: readonly string[]) => {
    const chosen = formats.length > 0 ? formats : settings.recordFormats;
    return `&record=${chosen.join('|')}&record_interval=${settings.recordIntervalSeconds}`;
  };
  // The web pusher's and LEB's URLs carry no bizid (the domain names the account); same signature.
  const webrtcQuery = (streamId: string, exp: number): string => {
    const txTime = tencentTxTime(exp);
    return `txSecret=${tencentTxSecret(pushKey, streamId, txTime)}&txTime=${txTime}`;
  };

  return {
    streamIdPrefix: bizid,

    pushUrl(streamId: string, record: boolean, now: Date, formats: readonly string[] = []): SignedPushUrl {
      const exp = expirySeconds(now, settings.pushTtlSeconds);
      const url = `rtmp://${pushDomain}/live/${streamId}?${signedQuery(streamId, exp)}${record ? recordQuery(formats) : ''}`;
      return { url, expireTime: new Date(exp * 1000), recording: record };
    },

    // Tencent's URLs do not name the viewer: every viewer gets the same URLs.
    playUrl(streamId: string, _viewer: string, now: Date): SignedPlayUrls {
      const exp = expirySeconds(now, settings.playTtlSeconds);
      return {
        rtcUrl: `rtmp://${playDomain}/live/${streamId}?${signedQuery(streamId, exp)}`,
        rtmpUrl: `rtmp://${playDomain}/live/${streamId}`,
        flvUrl: `http://${playDomain}/live/${streamId}.flv`,
        hlsUrl: `http://${playDomain}/live/${streamId}.m3u8`,
        expireTime: new Date(exp * 1000),
      };
    },

    // Same expiry as the RTMP URLs signed with the same `now`, so the pair lapses together.
    webrtc: {
      pushUrl({ streamId, record, formats, now }) {
        const exp = expirySeconds(now, settings.pushTtlSeconds);
        return `webrtc://${pushDomain}/live/${streamId}?${webrtcQuery(streamId, exp)}${record ? recordQuery(formats) : ''}`;
      },
      playUrl({ streamId, now }) {
        const exp = expirySeconds(now, settings.playTtlSeconds);
        return `webrtc://${playDomain}/live/${streamId}?${webrtcQuery(streamId, exp)}`;
      },
    },
  };
}
