// A new member's play URLs: the room service says which streams it plays; the URLs it brought with the
// join are used as they are, only those it brought none for (a slow URL issuer) are asked for.
import { mediav1 } from '@rtcroom/proto';
import { playUrlsFor } from './take-seat';
import type { RequestContext } from './request-context';

const url = (streamId: string, viewerIdentity: string) => mediav1.PlayUrl.fromPartial({ streamId, viewerIdentity, rtcUrl: `webrtc://m/${streamId}?v=${viewerIdentity}` });

function context(asked: string[][]) {
  return {
    conn: { identity: 'zoe' },
    backends: {
      urls: {
        issueViewerPlayUrls: async (req: { viewerIdentity: string; streamIds: string[] }) => {
          asked.push(req.streamIds);
          return { playUrls: req.streamIds.map((s) => url(s, req.viewerIdentity)) };
        },
      },
    },
  } as unknown as RequestContext;
}

describe('playUrlsFor', () => {
  const members = ['s-ann', 's-cid']; // what the room service says zoe plays

  it('uses the URLs the join brought and asks for nothing', async () => {
    const asked: string[][] = [];
    const got = await playUrlsFor(context(asked), 'r1', members, [url('s-ann', 'zoe'), url('s-cid', 'zoe')]);
    expect(got.map((u) => u.streamId)).toEqual(['s-ann', 's-cid']);
    expect(asked).toEqual([]);
  });

  it('asks, in one call, only for the publishers the join brought no URL for (or one signed for someone else)', async () => {
    const asked: string[][] = [];
    const got = await playUrlsFor(context(asked), 'r1', members, [url('s-ann', 'someone-else')]);
    expect(asked).toEqual([['s-ann', 's-cid']]);
    expect(got.map((u) => [u.streamId, u.viewerIdentity])).toEqual([
      ['s-ann', 'zoe'],
      ['s-cid', 'zoe'],
    ]);
  });
});
