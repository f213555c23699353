// TRTC's UserSig and PrivateMapKey, signed by Tencent's own library (tls-sig-api-v2): the format is
// Tencent's to define (REFERENCE section 7), so rtcroom does not re-implement it.
import { Api } from 'tls-sig-api-v2/TLSSigAPIv2';
import type { TrtcTickets } from '../domain/providers/trtc';

export function tlsSigTickets(sdkAppId: number, secretKey: string, now: () => number = Date.now): TrtcTickets {
  const api = new Api(sdkAppId, secretKey);
  // A UserSig is a function of the user, its lifetime and the second it is signed in (TLS.time), so
  // the seat's push URL and the audience entry URL signed with it share one: the same text, half the work.
  let last = { key: '', sig: '' };
  return {
    userSig: (userId, ttlSeconds) => {
      const key = `${userId}\n${ttlSeconds}\n${Math.floor(now() / 1000)}`;
      if (last.key !== key) last = { key, sig: api.genUserSig(userId, ttlSeconds) };
      return last.sig;
    },
    privateMapKey: (userId, ttlSeconds, strRoomId, privileges) => api.genPrivateMapKeyWithStringRoomID(userId, ttlSeconds, strRoomId, privileges),
  };
}
