// TRTC mode (a deployment with MEDIA_PROVIDER=trtc): the push URL is a TRTC room, and the remote
// users arrive on your own <live-pusher>'s bindstatechange, not from the server: 1031 entered, 1032
// left, 1033 camera state and 1034 microphone state, each with a `userlist` (1033's users carry the
// `playurl` for <live-player>). A TRTC user id is the member's stream id.
//
// TrtcRoomMedia keeps those users and answers with rtcroom's own view of the room: a player for every
// seated member but you, with TRTC's play URL and media state where TRTC told them. A TRTC user who is
// not seated in rtcroom's view (one the server is putting out, or not yet announced) is never shown,
// and a member who left rtcroom disappears at once, whatever TRTC has said yet.
//
// In the audience the same page works: TRTC plays a user only to those inside its room, so your
// <live-pusher> enters it with your entry URL (the join's `entryUrl`: live scene, audience role; it
// cannot publish) with camera and microphone off, and its 1031-1034 bring the seats as for a seat.
// pusher() says what to give the <live-pusher>: your push URL on a seat, your entry URL in the audience
// (after a promotion or a demotion, the other one: the pusher enters again as the same TRTC user).
//
//   const media = new TrtcRoomMedia(client, roomId);
//   onPusherState(e) { media.handlePusherStateChange(e).then(() => this.setData({ players: media.players() })) }
//   client.on('memberRole', () => this.setData({ pusher: media.pusher() }))   // and on 'entryUrl', 'pushUrl'

import type { RtcRoomClient } from '../client.js';
import type { PusherDiagnostic } from '../events.js';
import { pusherMessage } from '../i18n/translate.js';
import { describePusherCode, handlePusherStateChange, LiveStateChangeEvent } from './live-glue.js';

/** What your <live-pusher> gets in TRTC mode: a seat pushes, the audience enters to receive only. */
export interface TrtcPusher {
  /** For <live-pusher url>: your push URL, or in the audience your entry URL; '' when you have neither yet. */
  url: string;
  /** In the audience: keep the camera and microphone off (<live-pusher enable-camera="false" enable-mic="false">). */
  audience: boolean;
}

/** The pusher codes that carry TRTC's remote users. */
export const trtcRemoteUserCodes: ReadonlySet<number> = new Set([1031, 1032, 1033, 1034]);

/** A seated member as TRTC mode shows it. */
export interface TrtcPlayer {
  memberId: string;
  identity: string;
  displayName: string;
  /** The member's TRTC user id (its stream id). */
  userId: string;
  /** For <live-player src>; '' until TRTC has told the member's camera state (1033). */
  playUrl: string;
  /** TRTC says the member is in the media room. */
  inMediaRoom: boolean;
  video: boolean;
  audio: boolean;
}

interface RemoteUser {
  inRoom: boolean;
  playUrl: string;
  video: boolean;
  audio: boolean;
}

interface ListedUser {
  userid?: unknown;
  playurl?: unknown;
  hasvideo?: unknown;
  hasaudio?: unknown;
  streamtype?: unknown;
}

/** The `userlist` of a 1031-1034 event: its message is JSON text (or, from some base libraries, an object). */
export function trtcUserList(event: LiveStateChangeEvent): ListedUser[] {
  const detail = event.detail as LiveStateChangeEvent['detail'] & { userlist?: unknown };
  let message: unknown = detail.message;
  if (typeof message === 'string') {
    try {
      message = JSON.parse(message);
    } catch {
      message = undefined;
    }
  }
  const list = (message as { userlist?: unknown } | undefined)?.userlist ?? detail.userlist;
  return Array.isArray(list) ? list.filter((u): u is ListedUser => typeof u === 'object' && u !== null && typeof (u as ListedUser).userid === 'string') : [];
}

const truthy = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';

export class TrtcRoomMedia {
  private readonly users = new Map<string, RemoteUser>();

  constructor(
    private readonly client: RtcRoomClient,
    readonly roomId: string,
  ) {}

  /**
   * Every <live-pusher bindstatechange> in TRTC mode: 1031-1034 update the remote users (and are told
   * as `pusherState` diagnostics); any other code goes to handlePusherStateChange (3004: a fresh URL).
   */
  async handlePusherStateChange(event: LiveStateChangeEvent): Promise<PusherDiagnostic> {
    const code = Number(event.detail.code);
    // The audience's pusher pushes nothing: its codes are only told, never reported.
    if (!trtcRemoteUserCodes.has(code) && !this.pusher().audience) return handlePusherStateChange(this.client, this.roomId, event);
    for (const listed of trtcUserList(event)) this.apply(code, listed);
    const described = describePusherCode(code);
    const result: PusherDiagnostic = { roomId: this.roomId, code, ...described, message: pusherMessage(code, described.meaning, this.client.locale) };
    this.client.diagnose('pusherState', result);
    return result;
  }

  /** What your <live-pusher> enters the TRTC room with now. */
  pusher(): TrtcPusher {
    const room = this.client.room(this.roomId);
    const audience = room?.self.role === 'MEMBER_ROLE_AUDIENCE';
    return { url: (audience ? room?.entryUrl?.url : room?.pushUrl?.url) ?? '', audience };
  }

  /** Every seated member but you, in join order, with what TRTC said of it. */
  players(): TrtcPlayer[] {
    const room = this.client.room(this.roomId);
    if (!room) return [];
    return room.members
      .filter((m) => m.memberId !== room.self.memberId && m.streamId && m.role !== 'MEMBER_ROLE_AUDIENCE')
      .map((m) => {
        const user = this.users.get(m.streamId);
        const inMediaRoom = user?.inRoom ?? false;
        return {
          memberId: m.memberId,
          identity: m.identity,
          displayName: m.displayName,
          userId: m.streamId,
          playUrl: inMediaRoom ? (user?.playUrl ?? '') : '',
          inMediaRoom,
          video: inMediaRoom && (user?.video ?? false),
          audio: inMediaRoom && (user?.audio ?? false),
        };
      });
  }

  private apply(code: number, listed: ListedUser): void {
    const userId = listed.userid as string;
    const user = this.users.get(userId) ?? { inRoom: false, playUrl: '', video: false, audio: false };
    // Only the main stream is a member's; the sub-stream (screen sharing) is not modelled.
    if (typeof listed.streamtype === 'string' && listed.streamtype !== 'main') return;
    if (code === 1032) {
      this.users.delete(userId);
      return;
    }
    user.inRoom = true;
    if (typeof listed.playurl === 'string' && listed.playurl) user.playUrl = listed.playurl;
    if (code === 1033) user.video = truthy(listed.hasvideo);
    if (code === 1034) user.audio = truthy(listed.hasaudio);
    this.users.set(userId, user);
  }
}
