import { DomainError } from '@rtcroom/common/errors';
import { applyMediaReport, applyMuteRequest, applyUnmuteAllowed, initialMediaState, MediaState } from './media-state';

const reason = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as DomainError).reason;
  }
  return 'no error';
};

describe('media state', () => {
  it('starts as a pusher does: both on; in an audio-only room the camera off and forbidden', () => {
    expect(initialMediaState(false)).toMatchObject({ audio: { on: true, source: 'initial' }, video: { on: true, forbidden: false } });
    expect(initialMediaState(true)).toMatchObject({ audio: { on: true }, video: { on: false, forbidden: true } });
  });

  it('takes a report of the tracks it names, and answers the same object when nothing changes', () => {
    const s = initialMediaState(false);
    const off = applyMediaReport(s, { audio: false }, 'client', false);
    expect(off).toMatchObject({ audio: { on: false, source: 'client' }, video: { on: true, source: 'initial' } });
    expect(applyMediaReport(off, { audio: false }, 'client', false)).toBe(off);
    expect(applyMediaReport(off, {}, 'client', false)).toBe(off);
  });

  it('a mute request stands until the track is reported off; a forbid refuses the client turning it on', () => {
    const asked = applyMuteRequest(initialMediaState(false), ['audio'], true, 'olga');
    expect(asked.audio).toMatchObject({ on: true, muteRequested: true, forbidden: true, moderatorIdentity: 'olga' });
    const met = applyMediaReport(asked, { audio: false }, 'client', false);
    expect(met.audio).toMatchObject({ on: false, muteRequested: false, forbidden: true });
    expect(reason(() => applyMediaReport(met, { audio: true }, 'client', false))).toBe('MEDIA_FORBIDDEN');
    const allowed = applyUnmuteAllowed(met, ['audio'], 'olga', false);
    expect(applyMediaReport(allowed, { audio: true }, 'client', false).audio.on).toBe(true);
    // A request for a track already off asks nothing.
    expect(applyMuteRequest(met, ['audio'], false, 'olga').audio.muteRequested).toBe(false);
  });

  it("the media server's word is never refused, and once given, the client's no longer moves the track", () => {
    const forbidden = applyMuteRequest(initialMediaState(false), ['audio'], true, '');
    const heard: MediaState = applyMediaReport(forbidden, { audio: true }, 'media_server', false);
    expect(heard.audio).toMatchObject({ on: true, source: 'media_server', muteRequested: true });
    expect(applyMediaReport(heard, { audio: false }, 'client', false)).toBe(heard);
    expect(applyMediaReport(heard, { video: false }, 'client', false).video.on).toBe(false);
  });

  it('an audio-only room refuses video on from the client, and keeps it forbidden', () => {
    const s = initialMediaState(true);
    expect(reason(() => applyMediaReport(s, { video: true }, 'client', true))).toBe('MEDIA_FORBIDDEN');
    expect(reason(() => applyUnmuteAllowed(s, ['video'], '', true))).toBe('MEDIA_FORBIDDEN');
    expect(reason(() => applyMuteRequest(s, [], false, ''))).toBe('INVALID_ARGUMENT');
  });
});
