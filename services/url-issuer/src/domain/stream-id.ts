// Stream ids are derived, not stored: an HMAC of the membership under a server secret. The same
// membership always gets the same id (so an expired push URL can be re-issued without a lookup),
// and nobody without the key can predict another member's stream id and push or play it.
import { createHmac } from 'node:crypto';

/** 24 base32 characters carry 120 bits of the HMAC: far beyond guessing, short enough for URLs. */
const hashChars = 24;
const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower-case, no padding; 15 bytes give exactly 24 characters. */
function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length === chars) break;
  }
  return out;
}

/**
 * `${prefix}_` + 24 base32 characters of HMAC-SHA256(key, roomId/memberId). The '/' separator is
 * not allowed in either id, so no two memberships share an input.
 */
export function deriveStreamId(key: string, prefix: string, roomId: string, memberId: string): string {
  const mac = createHmac('sha256', key).update(`${roomId}/${memberId}`).digest();
  return `${prefix}_${base32(mac, hashChars)}`;
}

/** True when `streamId` has exactly the shape deriveStreamId gives under this prefix. */
export function isDerivedStreamId(prefix: string, streamId: string): boolean {
  return (
    streamId.length === prefix.length + 1 + hashChars &&
    streamId.startsWith(`${prefix}_`) &&
    /^[a-z2-7]+$/.test(streamId.slice(prefix.length + 1))
  );
}
