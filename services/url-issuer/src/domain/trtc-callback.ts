// TRTC's room and media event callbacks (REFERENCE section 7): checking that one came from Tencent
// for this application, reading it, and what it does to the media room's roster. Tencent signs the
// raw body: Sign = base64(HMAC-SHA256(callback key, body)), so unlike the live-streaming callbacks
// the signature covers everything. What it does not cover is when: a captured callback is as good
// as new, so one whose CallbackTs is older than a window is refused, and each body is taken once
// within that window (app/trtc-callbacks.ts keeps the ledger).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { roomIdOfTrtcRoom } from './providers/trtc';

export type TrtcCallbackVerdict = 'OK' | 'MALFORMED' | 'BAD_SIGN' | 'WRONG_APP' | 'STALE' | 'FROM_THE_FUTURE';

export interface TrtcCallbackCheck {
  callbackKey: string;
  sdkAppId: number;
  /** How old a callback's CallbackTs may be: Tencent retries for a minute. */
  maxAgeMs: number;
  /** How far ahead of our clock a CallbackTs may lie (clock skew). */
  maxSkewMs: number;
}

export function trtcCallbackSign(key: string, rawBody: string): string {
  return createHmac('sha256', key).update(rawBody, 'utf8').digest('base64');
}

/** Checks the headers against the raw body; the body's CallbackTs is read only when the sign holds. */
export function checkTrtcCallback(check: TrtcCallbackCheck, sdkAppIdHeader: string | undefined, signHeader: string | undefined, rawBody: string, now: Date): TrtcCallbackVerdict {
  if (!signHeader || !/^[A-Za-z0-9+/]{43}=$/.test(signHeader) || !sdkAppIdHeader || !/^\d{1,10}$/.test(sdkAppIdHeader)) return 'MALFORMED';
  const expected = Buffer.from(trtcCallbackSign(check.callbackKey, rawBody), 'base64');
  if (!timingSafeEqual(expected, Buffer.from(signHeader, 'base64'))) return 'BAD_SIGN';
  if (Number(sdkAppIdHeader) !== check.sdkAppId) return 'WRONG_APP';
  const ts = callbackTs(rawBody);
  if (ts === null) return 'MALFORMED';
  if (ts < now.getTime() - check.maxAgeMs) return 'STALE';
  return ts > now.getTime() + check.maxSkewMs ? 'FROM_THE_FUTURE' : 'OK';
}

function callbackTs(rawBody: string): number | null {
  try {
    const ts = (JSON.parse(rawBody) as { CallbackTs?: unknown }).CallbackTs;
    return typeof ts === 'number' && Number.isSafeInteger(ts) && ts > 0 ? ts : null;
  } catch {
    return null;
  }
}

export type TrtcEventKind = 'entered' | 'left' | 'video_on' | 'video_off' | 'audio_on' | 'audio_off';

export interface TrtcEvent {
  kind: TrtcEventKind;
  /** The rtcroom room the TRTC room is. */
  roomId: string;
  userId: string;
  /** When it happened, in TRTC's milliseconds (EventMsTs, else EventTs, else CallbackTs). */
  atMs: number;
  /** 103: 1 normal, 2 network switch, 3 timeout retry, 4 cross-room; 104: 1 normal, 2 timeout, 3 removed, 4 cross-room ended, 5 killed. */
  reason: number;
  /** EventInfo.Role: 20 anchor, 21 audience (live scene); null when TRTC did not say. */
  role: 'anchor' | 'audience' | null;
}

export type TrtcReading = { kind: 'event'; event: TrtcEvent } | { kind: 'ignored'; eventType: number; why: string } | { kind: 'malformed'; why: string };

const kinds: Record<number, TrtcEventKind> = { 103: 'entered', 104: 'left', 201: 'video_on', 202: 'video_off', 203: 'audio_on', 204: 'audio_off' };
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : null);

/** Reads a checked callback. 101/102/105/205/206 and rooms rtcroom never names are ignored. */
export function readTrtcEvent(body: unknown): TrtcReading {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'malformed', why: 'body must be a JSON object' };
  const b = body as Record<string, unknown>;
  const eventType = int(b.EventType);
  const info = b.EventInfo;
  if (eventType === null || typeof info !== 'object' || info === null) return { kind: 'malformed', why: 'EventType and EventInfo are required' };
  const kind = kinds[eventType];
  if (!kind) return { kind: 'ignored', eventType, why: 'not an event rtcroom acts on' };
  const i = info as Record<string, unknown>;
  const trtcRoom = typeof i.RoomId === 'string' ? i.RoomId : typeof i.RoomId === 'number' ? String(i.RoomId) : '';
  const userId = typeof i.UserId === 'string' ? i.UserId : '';
  if (!trtcRoom || !/^[A-Za-z0-9_-]{1,32}$/.test(userId)) return { kind: 'malformed', why: 'EventInfo.RoomId and EventInfo.UserId are required' };
  const roomId = roomIdOfTrtcRoom(trtcRoom);
  if (!roomId) return { kind: 'ignored', eventType, why: 'a room rtcroom does not name' };
  const eventTs = int(i.EventTs);
  const atMs = int(i.EventMsTs) ?? (eventTs !== null ? eventTs * 1000 : int(b.CallbackTs) ?? 0);
  const role = int(i.Role);
  return { kind: 'event', event: { kind, roomId, userId, atMs, reason: int(i.Reason) ?? 0, role: role === 20 ? 'anchor' : role === 21 ? 'audience' : null } };
}

/** One user of a TRTC room as the callbacks told it; each part keeps the time of the event that set it. */
export interface MediaRoomUserState {
  entered: boolean;
  video: boolean;
  audio: boolean;
  /** EventMsTs of the last entry/exit, camera and microphone events applied (0: none yet). */
  presenceMs: number;
  videoMs: number;
  audioMs: number;
  enteredAt: Date | null;
  leftAt: Date | null;
}

export const unseenUser: MediaRoomUserState = { entered: false, video: false, audio: false, presenceMs: 0, videoMs: 0, audioMs: 0, enteredAt: null, leftAt: null };

/**
 * Whether a user in the media room without a seat may stay after this event: an audience member
 * rtcroom admitted, as long as it receives only. Entering as an anchor, or a camera or microphone of
 * its going on (and still on: a late, older event is no news), means it holds a seat's tickets, say
 * those it had before it went back to the audience. Only what it does now counts: a track its earlier
 * session as a seat left on, told off late, is not its doing. Anyone else without a seat is put out.
 */
export function audienceMayStay(admitted: boolean, event: TrtcEvent, after: MediaRoomUserState): boolean {
  if (!admitted) return false;
  if (event.kind === 'entered') return event.role !== 'anchor';
  if (event.kind === 'video_on') return !after.video;
  if (event.kind === 'audio_on') return !after.audio;
  return true;
}

/** Publishing, for rtcroom's one stream per member: the camera or the microphone is on. */
export const isPublishing = (s: MediaRoomUserState): boolean => s.entered && (s.video || s.audio);

/**
 * The state after an event. Callbacks can arrive out of order (retries): an event older than the
 * last one applied to the same part changes nothing. Leaving turns camera and microphone off too.
 */
export function applyTrtcEvent(state: MediaRoomUserState, event: TrtcEvent): MediaRoomUserState {
  const at = event.atMs;
  const next = { ...state };
  switch (event.kind) {
    case 'entered':
      if (at < state.presenceMs) return state;
      return { ...next, entered: true, presenceMs: at, enteredAt: new Date(at) };
    case 'left':
      if (at < state.presenceMs) return state;
      return {
        ...next,
        entered: false,
        presenceMs: at,
        leftAt: new Date(at),
        video: at >= state.videoMs ? false : state.video,
        videoMs: Math.max(at, state.videoMs),
        audio: at >= state.audioMs ? false : state.audio,
        audioMs: Math.max(at, state.audioMs),
      };
    case 'video_on':
    case 'video_off':
      if (at < state.videoMs) return state;
      // Media flows only inside the room: a camera event implies the user is in.
      return { ...next, video: event.kind === 'video_on', videoMs: at, ...impliedEntry(state, at, event.kind === 'video_on') };
    case 'audio_on':
    case 'audio_off':
      if (at < state.audioMs) return state;
      return { ...next, audio: event.kind === 'audio_on', audioMs: at, ...impliedEntry(state, at, event.kind === 'audio_on') };
  }
}

/** A media start newer than the last exit means the user is in, even if its 103 is late. */
function impliedEntry(state: MediaRoomUserState, at: number, on: boolean): Partial<MediaRoomUserState> {
  if (!on || state.entered || at < state.presenceMs) return {};
  return { entered: true, presenceMs: at, enteredAt: state.enteredAt ?? new Date(at) };
}
