// A member's microphone and camera: the rules of who may turn them on, whose word counts, and what
// an owner's or admin's mute request and forbid mean. Nothing here knows of gRPC, NATS or SQL.
import { DomainError } from '@rtcroom/common/errors';

export type Track = 'audio' | 'video';
/** initial: nobody has said yet (a pusher starts with both on); the media server's word wins. */
export type MediaSource = 'initial' | 'client' | 'media_server';

export interface TrackState {
  on: boolean;
  source: MediaSource;
  /** Asked off by the owner or an admin and not reported off since. */
  muteRequested: boolean;
  /** Reports of on from the client are refused (MEDIA_FORBIDDEN) until allowed again. */
  forbidden: boolean;
  /** Who asked or forbade ('' : the operator, or nobody). */
  moderatorIdentity: string;
}

export interface MediaState {
  audio: TrackState;
  video: TrackState;
}

const track = (on: boolean, forbidden = false): TrackState => ({ on, source: 'initial', muteRequested: false, forbidden, moderatorIdentity: '' });

/** What a new seat starts with: a pusher's microphone and camera on; an audio-only room's camera off for good. */
export function initialMediaState(audioOnly: boolean): MediaState {
  return { audio: track(true), video: track(!audioOnly, audioOnly) };
}

export type MediaReport = Partial<Record<Track, boolean>>;

/**
 * The state after a report; the same object when nothing changes. A client turning on a forbidden
 * track (an audio-only room's video is forbidden for good) is refused with MEDIA_FORBIDDEN; a
 * client's word no longer moves a track the media server has spoken about. The media server's word
 * is taken as it is: a forbidden or mute-requested track it says is on shows as on (the member keeps
 * pushing it).
 */
export function applyMediaReport(state: MediaState, report: MediaReport, source: 'client' | 'media_server', audioOnly: boolean): MediaState {
  let next = state;
  for (const t of ['audio', 'video'] as const) {
    const on = report[t];
    if (on === undefined) continue;
    const cur = next[t];
    if (source === 'client') {
      if (on && (cur.forbidden || (t === 'video' && audioOnly))) {
        throw new DomainError('MEDIA_FORBIDDEN', audioOnly && t === 'video' ? 'the room is audio-only: video stays off' : `turning ${t} on is forbidden in this room for now`, { track: t });
      }
      if (cur.source === 'media_server') continue;
    }
    const updated: TrackState = { ...cur, on, source, muteRequested: on ? cur.muteRequested : false };
    if (sameTrack(updated, cur)) continue;
    next = { ...next, [t]: updated };
  }
  return next;
}

/** The owner's or an admin's request that tracks go off, and with forbid, stay off. */
export function applyMuteRequest(state: MediaState, tracks: Track[], forbid: boolean, by: string): MediaState {
  checkTracks(tracks);
  let next = state;
  for (const t of tracks) {
    const cur = next[t];
    next = { ...next, [t]: { ...cur, muteRequested: cur.on, forbidden: cur.forbidden || forbid, moderatorIdentity: by } };
  }
  return next;
}

/** Lifts a forbid; an audio-only room's video stays forbidden. */
export function applyUnmuteAllowed(state: MediaState, tracks: Track[], by: string, audioOnly: boolean): MediaState {
  checkTracks(tracks);
  let next = state;
  for (const t of tracks) {
    if (t === 'video' && audioOnly) throw new DomainError('MEDIA_FORBIDDEN', 'the room is audio-only: video stays off', { track: t });
    next = { ...next, [t]: { ...next[t], forbidden: false, moderatorIdentity: by } };
  }
  return next;
}

export function sameMediaState(a: MediaState, b: MediaState): boolean {
  return sameTrack(a.audio, b.audio) && sameTrack(a.video, b.video);
}

function sameTrack(a: TrackState, b: TrackState): boolean {
  return a.on === b.on && a.source === b.source && a.muteRequested === b.muteRequested && a.forbidden === b.forbidden && a.moderatorIdentity === b.moderatorIdentity;
}

function checkTracks(tracks: Track[]): void {
  if (tracks.length === 0) throw new DomainError('INVALID_ARGUMENT', 'audio or video must be set', { field: 'audio' });
}
