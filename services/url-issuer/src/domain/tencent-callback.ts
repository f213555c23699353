// Tencent Cloud's stream event callbacks (REFERENCE section 3): checking that one really came from
// Tencent, and reading it. Tencent signs each callback with sign = MD5(callback key + t), where t is
// the callback's expiry in UNIX seconds (Tencent sets now + 10 minutes). The sign covers t alone, not
// the body: a (t, sign) pair is as good as the key for any body until t passes. So t must lie
// between now and now + a window (a pair minted for a far expiry is refused), and each pair is bound
// to the first stream it signed for (app/tencent-callbacks.ts).
import { createHash, timingSafeEqual } from 'node:crypto';

export type TencentSignVerdict = 'OK' | 'MALFORMED' | 'BAD_SIGN' | 'STALE' | 'EXPIRY_TOO_FAR';

export function tencentCallbackSign(key: string, t: number | string): string {
  return createHash('md5').update(`${key}${t}`).digest('hex');
}

/** `maxExpirySeconds`: how far past now a callback's t may lie. */
export function checkTencentCallback(key: string, body: Record<string, unknown>, now: Date, maxExpirySeconds: number): TencentSignVerdict {
  const { t, sign } = body;
  const tText = typeof t === 'number' ? String(t) : t;
  if (typeof tText !== 'string' || !/^\d{1,12}$/.test(tText) || typeof sign !== 'string' || !/^[0-9a-fA-F]{32}$/.test(sign)) {
    return 'MALFORMED';
  }
  const expected = Buffer.from(tencentCallbackSign(key, tText), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(sign.toLowerCase(), 'hex'))) return 'BAD_SIGN';
  const expiresMs = Number(tText) * 1000;
  if (expiresMs < now.getTime()) return 'STALE';
  return expiresMs > now.getTime() + maxExpirySeconds * 1000 ? 'EXPIRY_TOO_FAR' : 'OK';
}

/** A checked callback's (t, sign) pair, as one key, and when it expires. */
export function tencentSignPair(body: Record<string, unknown>): { pair: string; expiresAt: Date } {
  const t = String(body.t);
  return { pair: `${t}:${String(body.sign).toLowerCase()}`, expiresAt: new Date(Number(t) * 1000) };
}

/** The stream a callback speaks of ('' for events about none). */
export function tencentCallbackStream(body: Record<string, unknown>): string {
  // stream_id and channel_id are the same; older callbacks carry only channel_id.
  return text(body.stream_id) || text(body.channel_id);
}

export type TencentEvent =
  | { kind: 'stream_began' | 'stream_ended'; streamId: string; sequence: string; time: Date | null; clientAddress: string; app: string; durationMs: number; errorCode: number; errorMessage: string }
  | {
      kind: 'recording_ready';
      streamId: string;
      fileId: string;
      url: string;
      format: string;
      sizeBytes: number;
      startTime: Date | null;
      endTime: Date | null;
    }
  | { kind: 'other'; eventType: number };

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const count = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0;
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
};
const unixTime = (v: unknown): Date | null => {
  const n = count(v);
  return n > 0 ? new Date(n * 1000) : null;
};

/** Reads a callback whose signature was checked; null when it lacks what its event type needs. */
export function readTencentEvent(body: Record<string, unknown>): TencentEvent | null {
  const eventType = typeof body.event_type === 'number' ? body.event_type : Number(body.event_type);
  const streamId = tencentCallbackStream(body);
  if (eventType === 1 || eventType === 0) {
    if (!streamId) return null;
    return {
      kind: eventType === 1 ? 'stream_began' : 'stream_ended',
      streamId,
      sequence: text(body.sequence),
      time: unixTime(body.event_time),
      clientAddress: text(body.user_ip),
      app: text(body.app),
      durationMs: count(body.push_duration),
      errorCode: typeof body.errcode === 'number' ? body.errcode : Number(text(body.errcode)) || 0,
      errorMessage: text(body.errmsg),
    };
  }
  if (eventType === 100) {
    const fileId = text(body.file_id);
    if (!streamId || !fileId) return null;
    return {
      kind: 'recording_ready',
      streamId,
      fileId,
      url: text(body.video_url),
      format: text(body.file_format),
      sizeBytes: count(body.file_size),
      startTime: unixTime(body.start_time),
      endTime: unixTime(body.end_time),
    };
  }
  return { kind: 'other', eventType: Number.isFinite(eventType) ? eventType : -1 };
}
