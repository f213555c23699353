// TRTC's server API (TC3-HMAC-SHA256 signed), as rtcroom needs it: put users out of a room and
// dismiss a room. Through Tencent's own client, from tencentcloud-sdk-nodejs-common: the very
// AbstractClient the full tencentcloud-sdk-nodejs's trtc client extends (that client only names the
// service, its version and its actions), without the full SDK's every other product (58 MB unpacked
// against 0.3 MB, 3.7 MB with their shared dependencies).
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import type { MediaRoomControl } from '../app/trtc-callbacks';

export interface TrtcApiSettings {
  /** The Tencent Cloud API key pair (CAM), not the TRTC application's secret key. */
  secretId: string;
  secretKey: string;
  /** e.g. https://trtc.tencentcloudapi.com; the signature's service is the host's first label. */
  endpoint: string;
  region: string;
  sdkAppId: number;
  /** An HTTP proxy the calls go through (CONNECT), for deployments without direct egress. */
  proxy?: string;
  timeoutSeconds: number;
}

/** The action's version, as the SDK's trtc client (v20190722) says it. */
const trtcApiVersion = '2019-07-22';
/** RemoveUser takes at most 10 users a call. */
const usersPerCall = 10;

/** Tencent's answer for a room or user already gone: the removal has happened. */
const alreadyGone = (err: unknown): boolean => /RoomNotExist|UserNotExist|NotFound/i.test(String((err as { code?: unknown }).code ?? ''));

export function trtcApi(settings: TrtcApiSettings): MediaRoomControl {
  const url = new URL(settings.endpoint);
  const client = new CommonClient(url.host, trtcApiVersion, {
    credential: { secretId: settings.secretId, secretKey: settings.secretKey },
    region: settings.region,
    profile: { httpProfile: { endpoint: url.host, protocol: `${url.protocol}//`, reqTimeout: settings.timeoutSeconds, proxy: settings.proxy } },
  });
  const call = async (action: string, params: Record<string, unknown>): Promise<void> => {
    try {
      await client.request(action, { SdkAppId: settings.sdkAppId, ...params });
    } catch (err) {
      if (!alreadyGone(err)) throw err;
    }
  };
  return {
    async removeUsers(roomId, userIds) {
      for (let i = 0; i < userIds.length; i += usersPerCall) await call('RemoveUserByStrRoomId', { RoomId: roomId, UserIds: userIds.slice(i, i + usersPerCall) });
    },
    dismissRoom: (roomId) => call('DismissRoomByStrRoomId', { RoomId: roomId }),
  };
}
