// Glue for the mini-program's media components: hand <live-pusher bindstatechange> and
// <live-player bindstatechange> events to these and they do the right thing.
//
//   onPusherState(e) { handlePusherStateChange(client, roomId, e).then((r) => r.pushUrl && this.setData({ pushUrl: r.pushUrl.url })) }
//   onPlayerState(e) { handlePlayerStateChange(client, roomId, e.currentTarget.dataset.memberId, e) }
//
// Pusher codes (REFERENCE.md section 4): 1002 push began and -1307 push lost are reported to the
// server, which announces or withdraws the stream; 3004 (the media server closed the connection: a bad
// or expired URL) is reported too, and when the server answers REISSUE_URL a fresh push URL is fetched
// (RtcRoomClient.refreshPushUrl: the same seat, a new signature). Every other code, and every player
// code, is only told to the app as a diagnostic event: the server has no use for them.
import type { RtcRoomClient } from '../client.js';
import { asRtcRoomError, type RtcRoomError } from '../errors.js';
import { playerMessage, pusherMessage } from '../i18n/translate.js';
import type { MediaState } from '../protocol.js';
import type { PlayerDiagnostic, PusherDiagnostic, Severity } from '../events.js';

/** What bindstatechange hands over: `event.detail.code` (and sometimes a message). */
export interface LiveStateChangeEvent {
  detail: { code: number | string; message?: string };
}

const pusherCodes = new Map<number, [string, Severity]>([
  [1001, ['connected to the media server', 'info']],
  [1002, ['push began', 'info']],
  [1003, ['camera opened', 'info']],
  [1004, ['screen capture began', 'info']],
  [1005, ['encoder resolution changed', 'info']],
  [1006, ['encoder bitrate changed', 'info']],
  [1007, ['first frame captured', 'info']],
  [1008, ['encoder started', 'info']],
  // TRTC mode (room:// push URLs): remote users, read by TrtcRoomMedia (trtc-media.ts).
  [1031, ['remote users entered the TRTC room', 'info']],
  [1032, ['remote users left the TRTC room', 'info']],
  [1033, ["remote users' camera state", 'info']],
  [1034, ["remote users' microphone state", 'info']],
  [1101, ['uplink poor', 'warning']],
  [1102, ['reconnecting', 'warning']],
  [1103, ['hardware encoder failed; software encoder used', 'warning']],
  [-1301, ['camera failed to open', 'error']],
  [-1302, ['microphone failed to open', 'error']],
  [-1303, ['video encoding failed', 'error']],
  [-1304, ['audio encoding failed', 'error']],
  [-1305, ['unsupported resolution', 'error']],
  [-1306, ['unsupported sample rate', 'error']],
  [-1307, ['network lost after retries', 'error']],
  [3001, ['DNS lookup failed', 'warning']],
  [3002, ['could not connect to the media server', 'warning']],
  [3003, ['handshake with the media server failed', 'warning']],
  [3004, ['the media server closed the connection (bad or expired URL)', 'error']],
  [3005, ['read or write failed', 'warning']],
]);

const playerCodes = new Map<number, [string, Severity]>([
  [2001, ['connected to the media server', 'info']],
  [2002, ['pull began', 'info']],
  [2003, ['first key frame received', 'info']],
  [2004, ['playback began', 'info']],
  [2005, ['playback progress', 'info']],
  [2006, ['playback ended', 'info']],
  [2007, ['loading', 'info']],
  [2008, ['decoder started', 'info']],
  [2009, ['resolution changed', 'info']],
  [2101, ['decoding a frame failed', 'warning']],
  [2102, ['decoding audio failed', 'warning']],
  [2103, ['reconnecting', 'warning']],
  [2104, ['network jitter', 'warning']],
  [2105, ['stutter', 'warning']],
  [2106, ['hardware decoder failed; software decoder used', 'warning']],
  [-2301, ['network lost after retries', 'error']],
  [-2302, ['no accelerated (RTC) play URL', 'error']],
  [3001, ['DNS lookup failed', 'warning']],
  [3002, ['could not connect to the media server', 'warning']],
  [3003, ['handshake with the media server failed', 'warning']],
  [3005, ['read or write failed', 'warning']],
]);

/** Every pusher and player code given a meaning here (each needs its Chinese in i18n/media-messages.ts). */
export const explainedPusherCodes: readonly number[] = [...pusherCodes.keys()];
export const explainedPlayerCodes: readonly number[] = [...playerCodes.keys()];

/** The codes the server acts on: push began, push lost, URL refused. */
export const reportedPusherCodes: ReadonlySet<number> = new Set([1002, -1307, 3004]);

export function describePusherCode(code: number): { meaning: string; severity: Severity } {
  const [meaning, severity] = pusherCodes.get(code) ?? [`pusher code ${code}`, code < 0 ? 'error' : 'info'];
  return { meaning, severity };
}

export function describePlayerCode(code: number): { meaning: string; severity: Severity } {
  const [meaning, severity] = playerCodes.get(code) ?? [`player code ${code}`, code < 0 ? 'error' : 'info'];
  return { meaning, severity };
}

/**
 * Handles a <live-pusher bindstatechange> event for the seat in `roomId`. Resolves with what happened
 * (also emitted as `pusherState`): for 3004 with a fresh `pushUrl` to give the pusher. Never rejects:
 * a failure is in `error`.
 */
export async function handlePusherStateChange(client: RtcRoomClient, roomId: string, event: LiveStateChangeEvent): Promise<PusherDiagnostic> {
  const code = Number(event.detail.code);
  const described = describePusherCode(code);
  const result: PusherDiagnostic = { roomId, code, ...described, message: pusherMessage(code, described.meaning, client.locale) };
  if (reportedPusherCodes.has(code)) {
    try {
      result.action = await client.reportPusherEvent(roomId, code, String(event.detail.message ?? ''));
      if (result.action === 'REISSUE_URL') result.pushUrl = await client.refreshPushUrl(roomId);
    } catch (err) {
      result.error = asRtcRoomError(err, 'INTERNAL');
    }
  }
  client.diagnose('pusherState', result);
  return result;
}

/**
 * Handles a <live-player bindstatechange> event for the stream of `memberId` in `roomId`: a diagnostic
 * for the app to log or show (emitted as `playerState`). Nothing is sent to the server.
 */
export function handlePlayerStateChange(client: RtcRoomClient, roomId: string, memberId: string, event: LiveStateChangeEvent): PlayerDiagnostic {
  const code = Number(event.detail.code);
  const described = describePlayerCode(code);
  const result: PlayerDiagnostic = { roomId, memberId, code, ...described, message: playerMessage(code, described.meaning, client.locale) };
  client.diagnose('playerState', result);
  return result;
}

/** The <live-pusher> attributes of a media state: `muted` (microphone off) and `enable-camera`. */
export interface PusherMediaAttributes {
  muted: boolean;
  enableCamera: boolean;
}

export function pusherMediaAttributes(media: MediaState | undefined): PusherMediaAttributes {
  return { muted: media?.audio?.on === false, enableCamera: media?.video?.on !== false };
}

/**
 * Applies the room's owner's or an admin's mute requests to your <live-pusher>: `apply` gets the
 * attributes to set (e.g. `(a) => page.setData(a)`, bound to muted / enable-camera), and the new state
 * is reported (setMicrophone / setCamera), so the room sees you did. Returns the unsubscribe.
 *
 *   const stop = followMuteRequests(client, roomId, (a) => this.setData({ muted: a.muted, enableCamera: a.enableCamera }));
 */
export function followMuteRequests(
  client: RtcRoomClient,
  roomId: string,
  apply: (attributes: Partial<PusherMediaAttributes>) => void,
  /** A report that failed (the pusher is muted all the same). */
  onError?: (err: RtcRoomError) => void,
): () => void {
  return client.on('muteRequested', (request) => {
    if (request.roomId !== roomId) return;
    const attributes: Partial<PusherMediaAttributes> = {};
    if (request.audio) attributes.muted = true;
    if (request.video) attributes.enableCamera = false;
    if (Object.keys(attributes).length === 0) return;
    apply(attributes);
    const reports: Promise<unknown>[] = [];
    if (request.audio) reports.push(client.setMicrophone(roomId, false));
    if (request.video) reports.push(client.setCamera(roomId, false));
    Promise.all(reports).catch((err) => onError?.(asRtcRoomError(err, 'INTERNAL')));
  });
}
