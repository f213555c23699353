// What presence does with each media fact: stream facts move the stream state, media-state facts the
// member's microphone and camera, both only for the membership still seated.
import { mediaEventv1 } from '@rtcroom/proto';
import { applyMediaEvent, StreamStatePort } from './media-events.consumer';

function rooms(seated: string | null) {
  const calls: unknown[][] = [];
  const port: StreamStatePort = {
    seatedMemberId: async () => seated,
    setStreamState: async (...args) => (calls.push(['stream', ...args]), true),
    setMediaState: async (...args) => (calls.push(['media', ...args]), true),
  };
  return { port, calls };
}

const fact = (payload: mediaEventv1.MediaEvent['payload']) => mediaEventv1.MediaEvent.fromPartial({ id: 'me_1', roomId: 'r_1', identity: 'ann', memberId: 'm_ann', payload });

describe('applyMediaEvent', () => {
  it("hands a media-state fact (TRTC 201-204) to the room as the member's microphone and camera", async () => {
    const { port, calls } = rooms('m_ann');
    expect(await applyMediaEvent(fact({ $case: 'mediaState', value: { audio: false, video: undefined } }), port)).toBe('applied');
    expect(calls).toEqual([['media', 'r_1', 'ann', { audio: false, video: undefined }]]);
  });

  it('skips a fact about a membership no longer seated, and moves streams as before', async () => {
    const gone = rooms('m_other');
    expect(await applyMediaEvent(fact({ $case: 'mediaState', value: { audio: true, video: undefined } }), gone.port)).toBe('skipped');
    expect(gone.calls).toEqual([]);
    const { port, calls } = rooms('m_ann');
    expect(await applyMediaEvent(fact({ $case: 'streamBegan', value: { clientAddress: '', app: '' } }), port)).toBe('applied');
    expect(calls).toEqual([['stream', 'r_1', 'ann', true]]);
  });
});
