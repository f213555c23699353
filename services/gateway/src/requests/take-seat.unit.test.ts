// A new member's play URLs: those the room service brought with the join are used as they are; only
// the publishing members it brought none for (an older room service, a slow URL issuer) are asked for.
import { mediav1, roomv1 } from '@rtcroom/proto';
import { playUrlsOfPublishers } from './take-seat';
import type { RequestContext } from './request-context';

const member = (identity: string, streamId: string, publishing: boolean) =>
  roomv1.Member.fromPartial({ identity, streamId, state: publishing ? roomv1.MemberState.MEMBER_STATE_PUBLISHING : roomv1.MemberState.MEMBER_STATE_JOINED });
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

describe('playUrlsOfPublishers', () => {
  const members = [member('ann', 's-ann', true), member('ben', 's-ben', false), member('cid', 's-cid', true), member('zoe', 's-zoe', true)];

  it('uses the URLs the join brought and asks for nothing', async () => {
    const asked: string[][] = [];
    const got = await playUrlsOfPublishers(context(asked), 'r1', members, [url('s-ann', 'zoe'), url('s-cid', 'zoe')]);
    expect(got.map((u) => u.streamId)).toEqual(['s-ann', 's-cid']);
    expect(asked).toEqual([]);
  });

  it('asks, in one call, only for the publishers the join brought no URL for (or one signed for someone else)', async () => {
    const asked: string[][] = [];
    const got = await playUrlsOfPublishers(context(asked), 'r1', members, [url('s-ann', 'someone-else')]);
    expect(asked).toEqual([['s-ann', 's-cid']]);
    expect(got.map((u) => [u.streamId, u.viewerIdentity])).toEqual([
      ['s-ann', 'zoe'],
      ['s-cid', 'zoe'],
    ]);
  });
});
