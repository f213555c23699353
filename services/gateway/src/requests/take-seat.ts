// Taking a seat (a join, placing a call, accepting one): the room's notices are held from before the
// call until its answer has gone out, so the client gets the answer first and then every notice after
// its seq, none missed and none twice.
import { mediav1, roomv1 } from '@rtcroom/proto';
import { RequestContext } from './request-context';

export interface SeatTaken {
  room?: roomv1.Room;
  member?: roomv1.Member;
  members: roomv1.Member[];
  seq: number;
}

export async function takeSeat<T extends SeatTaken>(
  ctx: RequestContext,
  take: () => Promise<T>,
  answer: (taken: T, playUrls: mediav1.PlayUrl[]) => void,
): Promise<void> {
  const { conn, fanout } = ctx;
  fanout.beginJoin(conn);
  let taken: T;
  let playUrls: mediav1.PlayUrl[];
  try {
    taken = await take();
    playUrls = taken.room ? await playUrlsOfPublishers(ctx, taken.room.id, taken.members) : [];
  } catch (err) {
    await fanout.endJoin(conn, null);
    throw err;
  }
  if (!taken.room || !taken.member) {
    await fanout.endJoin(conn, null, () => answer(taken, playUrls));
    return;
  }
  await fanout.endJoin(conn, { roomId: taken.room.id, memberId: taken.member.memberId, lastSeq: taken.seq }, () => answer(taken, playUrls));
}

/** Play URLs, signed for this client, of the members already publishing. */
async function playUrlsOfPublishers(ctx: RequestContext, roomId: string, members: roomv1.Member[]): Promise<mediav1.PlayUrl[]> {
  const publishing = members.filter((m) => m.state === roomv1.MemberState.MEMBER_STATE_PUBLISHING && m.identity !== ctx.conn.identity);
  const issued = await Promise.all(
    publishing.map((m) => ctx.backends.urls.issuePlayUrls({ roomId, streamId: m.streamId, viewerIdentities: [ctx.conn.identity] })),
  );
  return issued.flatMap((r) => r.playUrls);
}
