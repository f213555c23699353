// Tencent TRTC (REFERENCE section 7): the media room lives in Tencent's cloud, and <live-pusher
// mode="RTC"> enters it with a room:// URL carrying a UserSig (who the user is) and a PrivateMapKey
// (which room that user may enter). Tencent's tickets are signed by its own library, outside the
// domain (media-server/trtc-tickets.ts); this file decides what goes into them and into the URLs.
//
// Ids: a member's TRTC user id is its stream id (`t_` + 24 base32 characters, 26 of TRTC's 32 bytes,
// letters, digits and `_` only), so the callbacks' UserId finds the membership as Tencent live's
// stream_id does, a new seat is a new user, and a user id names one seat only. An rtcroom room id is
// used as the TRTC string room id unchanged: TRTC allows up to 64 bytes of letters, digits and
// `!#$%&()+-:;<=.>?@[]^_{}|~,` and space, and rtcroom ids are 1-64 characters of letters, digits, `_`
// and `-` (the url-issuer refuses anything else), so every one fits and no two share a TRTC room.
// TRTC's numeric room ids (uint32) are not used: they could not hold rtcroom's ids without a table.
import { DomainError } from '@rtcroom/common/errors';
import type { MediaProvider, PushSeat, SignedEntryUrl, SignedPlayUrls, SignedPushUrl, UrlLifetimes } from '../media-provider';
import { expirySeconds } from '../expiry';

export interface TrtcSettings extends UrlLifetimes {
  kind: 'trtc';
  /** The TRTC application's SDKAppID (console: Application Management). */
  sdkAppId: number;
  /** The application's secret key: UserSigs and PrivateMapKeys are HMACs under it. */
  secretKey: string;
  /** `videocall` (everyone talks) or `live` (anchors and audience). */
  appScene: 'videocall' | 'live';
}

/** Signs Tencent's tickets (tls-sig-api-v2 in media-server/trtc-tickets.ts). */
export interface TrtcTickets {
  userSig(userId: string, ttlSeconds: number): string;
  /** A ticket admitting `userId` to the string room `strRoomId` only, with the privileges' bits. */
  privateMapKey(userId: string, ttlSeconds: number, strRoomId: string, privileges: number): string;
}

/**
 * PrivateMapKey bits (tls-sig-api-v2, Tencent's "advanced permission control"): 1 create the room,
 * 2 enter, 4 send audio, 8 receive audio, 16 send video, 32 receive video, 64 send the sub-stream,
 * 128 receive it.
 */
export const privilege = { create: 1, enter: 2, sendAudio: 4, receiveAudio: 8, sendVideo: 16, receiveVideo: 32, sendSubStream: 64, receiveSubStream: 128 } as const;

/** A seated member may do all of it. */
export const seatedPrivileges = 255;

/**
 * An audience member enters and receives, and sends nothing: TRTC itself refuses its audio, video and
 * sub-stream whatever its client does. It may create the room: TRTC makes a room on its first entry,
 * and an audience member who comes before any seat has entered (or after every seat left) would
 * otherwise be refused and see nobody when the seats come; creating a room sends nothing.
 */
export const audiencePrivileges = privilege.create | privilege.enter | privilege.receiveAudio | privilege.receiveVideo | privilege.receiveSubStream;

export const trtcStreamIdPrefix = 't';

const trtcUserIdShape = /^[A-Za-z0-9_-]{1,32}$/;
const trtcStrRoomIdShape = /^[A-Za-z0-9!#$%&()+\-:;<=.>?@[\]^_{}|~, ]{1,64}$/;

/** The TRTC string room id of an rtcroom room (the same text; see the file's head for why it fits). */
export function trtcRoomId(roomId: string): string {
  if (!trtcStrRoomIdShape.test(roomId)) {
    throw new DomainError('INVALID_ARGUMENT', 'room_id does not fit a TRTC string room id (1-64 bytes of its characters)', { field: 'room_id' });
  }
  return roomId;
}

/** The rtcroom room id of a TRTC string room id: the inverse of trtcRoomId (null when none maps to it). */
export function roomIdOfTrtcRoom(strRoomId: string): string | null {
  return /^[A-Za-z0-9_-]{1,64}$/.test(strRoomId) ? strRoomId : null;
}

/** The TRTC user id of the membership pushing `streamId`. */
export function trtcUserId(streamId: string): string {
  if (!trtcUserIdShape.test(streamId)) throw new DomainError('INVALID_ARGUMENT', 'stream_id does not fit a TRTC user id (32 bytes)', { field: 'stream_id' });
  return streamId;
}

/** The <live-player> src of a remote user in the same TRTC room (what pusher event 1033 lists). */
export function trtcPlayUrl(userId: string): string {
  return `room://rtc.tencent.com?userid=${encodeURIComponent(userId)}&streamtype=main`;
}

export function createTrtcProvider(settings: TrtcSettings, tickets: TrtcTickets): MediaProvider {
  const { sdkAppId, appScene } = settings;
  const ttl = settings.pushTtlSeconds;
  /** The room:// URL entering `seat`'s TRTC room as the stream's user, with these privileges. */
  const entry = (streamId: string, seat: PushSeat | undefined, privileges: number, scene: Record<string, string>) => {
    if (!seat) throw new DomainError('INVALID_ARGUMENT', 'a TRTC room URL needs the room', { field: 'room_id' });
    const userId = trtcUserId(streamId);
    const strRoomId = trtcRoomId(seat.roomId);
    return new URLSearchParams({
      sdkappid: String(sdkAppId),
      strroomid: strRoomId,
      userid: userId,
      usersig: tickets.userSig(userId, ttl),
      privatemapkey: tickets.privateMapKey(userId, ttl, strRoomId, privileges),
      ...scene,
      encsmall: '0',
      cloudenv: 'PRO',
    });
  };
  const roomUrl = (query: URLSearchParams, now: Date) => ({ url: `room://cloud.tencent.com/rtc?${query.toString()}`, expireTime: new Date(expirySeconds(now, ttl) * 1000) });
  return {
    streamIdPrefix: trtcStreamIdPrefix,

    // Recording in TRTC is the console's (automatic cloud recording) or a server API task, not a
    // URL parameter: the URL never records, and says so. A seat is an anchor in the live scene (the
    // video call scene has no roles).
    pushUrl(streamId: string, _record: boolean, now: Date, _formats?: readonly string[], seat?: PushSeat): SignedPushUrl {
      const query = entry(streamId, seat, seatedPrivileges, appScene === 'live' ? { appscene: 'live', role: 'anchor' } : { appscene: appScene });
      // The CDN relay's stream id, when the application relays to CDN: the same id as everywhere else.
      query.set('streamid', streamId);
      // An audio-only room's pusher enters in TRTC's pure audio mode: no video is sent or expected.
      if (seat?.audioOnly) query.set('pureaudiomode', '1');
      return { ...roomUrl(query, now), recording: false };
    },

    // The audience enters in the live scene's audience role whatever the deployment's scene (the video
    // call scene has no role that sends nothing), as the same user it would push as once seated, so a
    // promotion is that user entering again as an anchor. Its PrivateMapKey is what forbids sending.
    audienceEntryUrl(streamId: string, now: Date, seat: PushSeat): SignedEntryUrl {
      return roomUrl(entry(streamId, seat, audiencePrivileges, { appscene: 'live', role: 'audience' }), now);
    },

    // In TRTC a remote user is played by its user id from inside the room, whoever the viewer is.
    playUrl(streamId: string, _viewer: string, now: Date): SignedPlayUrls {
      return {
        rtcUrl: trtcPlayUrl(trtcUserId(streamId)),
        rtmpUrl: '',
        flvUrl: '',
        hlsUrl: '',
        expireTime: new Date(expirySeconds(now, settings.playTtlSeconds) * 1000),
      };
    },
  };
}
