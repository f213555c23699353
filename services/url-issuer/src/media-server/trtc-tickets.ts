// TRTC's UserSig and PrivateMapKey, signed by Tencent's own library (tls-sig-api-v2): the format is
// Tencent's to define (REFERENCE section 7), so rtcroom does not re-implement it.
import { Api } from 'tls-sig-api-v2/TLSSigAPIv2';
import type { TrtcTickets } from '../domain/providers/trtc';

export function tlsSigTickets(sdkAppId: number, secretKey: string): TrtcTickets {
  const api = new Api(sdkAppId, secretKey);
  return {
    userSig: (userId, ttlSeconds) => api.genUserSig(userId, ttlSeconds),
    privateMapKey: (userId, ttlSeconds, strRoomId, privileges) => api.genPrivateMapKeyWithStringRoomID(userId, ttlSeconds, strRoomId, privileges),
  };
}
