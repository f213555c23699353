// A client's <live-pusher> report -> the member's stream state, told to the room service directly: the
// gateway holds the session and has checked the seat, so nothing is left for presence to check on the way
// (push began is on every member's path; a hop through presence cost a call and a wake-up each).
import { judgePusherCode } from '@rtcroom/common';
import { roomv1 } from '@rtcroom/proto';
import { RequestContext } from './request-context';

/** The action the client is told: STREAM_STARTED / STREAM_STOPPED when the room changed, REISSUE_URL, NONE. */
export async function reportPusher(ctx: RequestContext, roomId: string, code: number): Promise<string> {
  const verdict = judgePusherCode(code);
  if (verdict === 'reissue_url') return 'REISSUE_URL';
  if (verdict === 'none') return 'NONE';
  const { changed } = await ctx.backends.room.setStreamState({
    roomId,
    identity: ctx.conn.identity,
    publishing: verdict === 'stream_started',
    source: roomv1.StreamSource.STREAM_SOURCE_CLIENT,
  });
  return !changed ? 'NONE' : verdict === 'stream_started' ? 'STREAM_STARTED' : 'STREAM_STOPPED';
}
